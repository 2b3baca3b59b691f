/**
 * --save-per-sample: the unreduced losses as .npy (float64), .csv (`index,loss`) or .json
 * (nested in the loss's shape), each written in chunks as it is made, never as one string or
 * one copy of the data. A FIFO or a device named without one of these extensions (/dev/stdout,
 * a named pipe) gets CSV. How the file is written (never half of it, a FIFO
 * directly) is write-file.ts's job.
 */
import { lstatSync } from 'node:fs';
import { encodeNpyChunks } from '../io/npy.js';
import type { LossResult } from '../losses/reduce.js';
import { jsonChunks, Streamed } from './json-stream.js';
import { formatNumber, linesInBlocks } from './table.js';
import { writeChunks, type Sink } from './output.js';
import { writeFileSafely } from './write-file.js';

export const SAVE_EXTENSIONS = ['.npy', '.csv', '.json'] as const;

/** NPY bytes handed to the system at a time (CSV and JSON come in chunks of their own): a signal is handled between them. */
const CHUNK_BYTES = 1 << 20;

/** The format `path`'s name asks for, or undefined. */
export function saveExtension(path: string): (typeof SAVE_EXTENSIONS)[number] | undefined {
  return SAVE_EXTENSIONS.find((e) => path.toLowerCase().endsWith(e));
}

/**
 * Whether `path` names something that exists and is not a regular file (a FIFO, a device, a
 * symbolic link such as /dev/stdout, whatever it points at): written directly, as write-file.ts
 * decides by the same lstat.
 */
export function isSpecialFile(path: string): boolean {
  if (Object.hasOwn(STANDARD, path)) return true;
  try {
    return !lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** The names of this process's own stdout and stderr, which are written through them, never opened. */
const STANDARD: Record<string, 'stdout' | 'stderr'> = {
  '/dev/stdout': 'stdout',
  '/dev/fd/1': 'stdout',
  '/proc/self/fd/1': 'stdout',
  '/dev/stderr': 'stderr',
  '/dev/fd/2': 'stderr',
  '/proc/self/fd/2': 'stderr',
};

/**
 * Writes the losses to `path`. `/dev/stdout` (and `/dev/stderr`) go through the process's own
 * streams: opened anew, a file that stdout is redirected to would be written from its start
 * and then overwritten by the result printed after it.
 */
export async function savePerSample(path: string, r: LossResult, standard: Record<'stdout' | 'stderr', Sink>): Promise<void> {
  const own = Object.hasOwn(STANDARD, path) ? standard[STANDARD[path]] : undefined;
  if (own === undefined) return writeFileSafely(path, encodePerSample(path, r));
  await writeChunks(own, encodePerSample(path, r));
}

/** The file's bytes in chunks, as `path`'s extension asks. */
export function* encodePerSample(path: string, r: Pick<LossResult, 'perSample' | 'shape'>): Generator<Uint8Array | string> {
  const ext = saveExtension(path) ?? '.csv';
  if (ext === '.npy') {
    yield* encodeNpyChunks({ data: r.perSample, shape: r.shape, dtype: 'float64' }, CHUNK_BYTES / 8);
  } else if (ext === '.csv') {
    yield 'index,loss\n';
    yield* linesInBlocks(r.perSample, (i, v) => `${i},${formatNumber(v)}\n`);
  } else {
    yield* jsonChunks(new Streamed(r.perSample, r.shape));
    yield '\n';
  }
}
