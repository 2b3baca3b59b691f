/**
 * --save-per-sample: the unreduced losses as .npy (float64), .csv (`index,loss`) or .json
 * (nested in the loss's shape). A FIFO or a device named without one of these extensions
 * (/dev/stdout, a named pipe) gets CSV. How the file is written (never half of it, a FIFO
 * directly) is write-file.ts's job.
 */
import { statSync } from 'node:fs';
import { encodeNpy } from '../io/npy.js';
import type { LossResult } from '../losses/reduce.js';
import { nest } from './json.js';
import { formatNumber } from './table.js';
import { writeFileSafely } from './write-file.js';

export const SAVE_EXTENSIONS = ['.npy', '.csv', '.json'] as const;

/** Bytes handed to the system at a time, and CSV rows per chunk: a signal is handled between them. */
const CHUNK_BYTES = 1 << 20;
const CSV_ROWS = 1 << 16;

/** The format `path`'s name asks for, or undefined. */
export function saveExtension(path: string): (typeof SAVE_EXTENSIONS)[number] | undefined {
  return SAVE_EXTENSIONS.find((e) => path.toLowerCase().endsWith(e));
}

/** Whether `path` names an existing file that is not a regular one (a FIFO, a device). */
export function isSpecialFile(path: string): boolean {
  try {
    return !statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function savePerSample(path: string, r: LossResult): Promise<void> {
  await writeFileSafely(path, encode(path, r));
}

function* encode(path: string, r: LossResult): Generator<Uint8Array | string> {
  const ext = saveExtension(path) ?? '.csv';
  if (ext === '.npy') {
    const bytes = encodeNpy({ data: r.perSample, shape: r.shape, dtype: 'float64' });
    for (let i = 0; i < bytes.length; i += CHUNK_BYTES) yield bytes.subarray(i, i + CHUNK_BYTES);
  } else if (ext === '.csv') {
    yield 'index,loss\n';
    const v = r.perSample;
    for (let start = 0; start < v.length; start += CSV_ROWS) {
      let rows = '';
      for (let i = start; i < Math.min(v.length, start + CSV_ROWS); i++) rows += `${i},${formatNumber(v[i])}\n`;
      yield rows;
    }
  } else {
    yield JSON.stringify(nest(r.perSample, r.shape)) + '\n';
  }
}
