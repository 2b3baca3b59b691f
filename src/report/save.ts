/**
 * --save-per-sample: the unreduced losses as .npy (float64, the losses alone); as .csv
 * (`index,loss,label,predicted,p_label`, with `id` after the index under --id-column) or .json
 * (a list of records with the same fields); or as .npz (arrays `loss`, `label`, `predicted`,
 * `p_label`, float64 in the loss's shape). The columns beside the loss are the breakdown's
 * (sample-columns.ts); an ignored target's predicted and p_label are empty (CSV), null (JSON)
 * or NaN (NPZ). Each is written in chunks as it is made, never as one string or one copy of
 * the data. A FIFO or a device named without one of these extensions (/dev/stdout, a named
 * pipe) gets CSV. How the file is written (never half of it, a FIFO directly) is
 * write-file.ts's job.
 */
import type { LossResult, PerSample } from '../losses/reduce.js';
import { saveExtension, STANDARD } from '../save-formats.js';
import { valueBlocks } from './blocks.js';
import { jsonChunks, Streamed } from './json-stream.js';
import { formatNumber, linesInBlocks } from './table.js';
import { writeChunks, type Sink } from './output.js';
import { writeFileSafely } from './write-file.js';
import { npyHeaderBytes } from '../io/npy.js';
import { npzArrays, recordChunks, type SavedColumns } from './save-columns.js';
import { float64Bytes, npzChunks } from './save-npz.js';

/** NPY bytes handed to the system at a time (CSV and JSON come in chunks of their own): a signal is handled between them. */
const CHUNK_BYTES = 1 << 20;

/**
 * Writes the losses to `path`. `/dev/stdout` (and `/dev/stderr`) go through the process's own
 * streams: opened anew, a file that stdout is redirected to would be written from its start
 * and then overwritten by the result printed after it.
 */
export async function savePerSample(path: string, r: LossResult, standard: Record<'stdout' | 'stderr', Sink>, columns?: SavedColumns): Promise<void> {
  const losses = r.perSample;
  if (!losses) throw new Error('--save-per-sample needs the unreduced losses: they were dropped');
  const own = Object.hasOwn(STANDARD, path) ? standard[STANDARD[path]] : undefined;
  // a file is written chunk by chunk (write-file.ts writeAll); a stream may hold on to a chunk
  if (own === undefined) return writeFileSafely(path, encodePerSample(path, losses, true, columns));
  await writeChunks(own, encodePerSample(path, losses, false, columns));
}

/** The file's bytes in chunks, as `path`'s extension asks, read from the losses (and `columns`' inputs) a block at a time. */
export function* encodePerSample(
  path: string,
  losses: Pick<PerSample, 'shape' | 'read' | 'dtype'>,
  reuse = false,
  columns?: SavedColumns,
): Generator<Uint8Array | string> {
  const ext = saveExtension(path) ?? '.csv';
  if (ext === '.npz') yield* npzChunks(npzArrays(losses, columns), path);
  else if (columns && ext !== '.npy') yield* recordChunks(ext, losses, columns);
  else if (ext === '.npy') {
    // the header is known from the shape; the data follows as little-endian float64 (float64Bytes).
    // With `reuse`, one buffer for every chunk, each written whole before the next is asked
    // for: a buffer a chunk leaves ~1 MiB of garbage outside the heap each time, which V8
    // collects only after tens of them (30 MiB more at the peak for 20M losses).
    yield npyHeaderBytes(losses.shape, 'float64');
    let bytes = new DataView(new ArrayBuffer(CHUNK_BYTES));
    for (const [block] of valueBlocks(losses, CHUNK_BYTES / 8)) {
      if (!reuse) bytes = new DataView(new ArrayBuffer(block.length * 8));
      yield float64Bytes(block, bytes);
    }
  } else if (ext === '.csv') {
    yield 'index,loss\n';
    yield* linesInBlocks(losses, (i, v) => `${i},${formatNumber(v)}\n`);
  } else {
    yield* jsonChunks(new Streamed(losses, losses.shape));
    yield '\n';
  }
}
