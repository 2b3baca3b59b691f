/**
 * --save-per-sample: the unreduced losses as .npy (float64), .csv (`index,loss`) or .json
 * (nested in the loss's shape). Written to a temporary name beside the target and renamed,
 * so a failure never leaves half a file.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { encodeNpy } from '../io/npy.js';
import type { LossResult } from '../losses/reduce.js';
import { nest } from './json.js';
import { formatNumber } from './table.js';

export const SAVE_EXTENSIONS = ['.npy', '.csv', '.json'] as const;

const WRITE_ERRORS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

export async function savePerSample(path: string, r: LossResult): Promise<void> {
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  let bytes: Uint8Array | string;
  if (ext === '.npy') bytes = encodeNpy({ data: r.perSample, shape: r.shape, dtype: 'float64' });
  else if (ext === '.csv') bytes = 'index,loss\n' + Array.from(r.perSample, (v, i) => `${i},${formatNumber(v)}\n`).join('');
  else bytes = JSON.stringify(nest(r.perSample, r.shape)) + '\n';
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const reason = WRITE_ERRORS[code] ?? (e instanceof Error ? e.message : String(e));
    throw new InputError(`cannot write: ${reason}`, path);
  }
}
