/**
 * A loss over a large file on every core. The batch rows are split into one range per
 * thread, at multiples of the sums' chunk (reduce.ts rowsPerChunk), so that the parts' exact
 * sums join to one run's bits; each thread (the main one included) opens the logits itself
 * and computes the same lossFor over its rows (values.ts rowWindow). Class-index labels are
 * read once, by the main thread, and shared (a SharedArrayBuffer). Nothing but a few numbers
 * crosses between threads: when the losses are kept, each worker writes them to a temporary
 * file that the main thread opened for it (threads share descriptors), and the main thread
 * reads the parts' files in order as one PerSample.
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { mayUseThreads } from './threads.js';
import { InputError } from './errors.js';
import { lossFor, type LossMode } from './evaluate.js';
import type { Format } from './io/format.js';
import { openInput } from './io/read.js';
import { lossStore, storedLosses, temporaryFile, type Segment } from './loss-store.js';
import type { InputKind } from './losses/probabilities.js';
import type { LossResult, Reduction } from './losses/reduce.js';
import { PredictionWatch } from './mistakes.js';
import { combineScans, NonFiniteScan, type Scanned } from './warnings.js';
import { mergeResults } from './merge.js';
import { numel, type Tensor } from './tensor.js';
import { asValues, rowWindow, type Values } from './values.js';

export interface ParallelJob {
  mode: LossMode;
  logits: string;
  labels: string;
  logitsFormat?: Format;
  labelsFormat?: Format;
  delimiter?: string;
  header?: boolean;
  weight?: Tensor;
  posWeight?: Tensor;
  reduction: Reduction;
  ignoreIndex: number;
  labelSmoothing: number;
  logSoftmax: boolean;
  classDim?: number;
  inputKind: InputKind;
  /** Whether an output needs the unreduced losses (reduction none always does). */
  keepLosses?: boolean;
  /** Class-index labels read once by the main thread, on shared memory; else each thread opens `labels`. */
  sharedLabels?: Tensor;
}

/**
 * How many threads to use: what was asked, else every core (up to 8) for inputs big enough to
 * gain; never more than the machine's cores, nor than the chunks of rows the sums split into.
 * Threads beyond the cores only take turns on them, each with its own blocks in memory.
 */
export function threadCount(asked: number | undefined, values: number, chunks: number, cores = availableParallelism()): number {
  const n = asked ?? (mayUseThreads(undefined, values) ? Math.min(cores, 8) : 1);
  return Math.max(1, Math.min(n, cores, chunks));
}

/** Row bounds of `threads` parts of `rows` rows, each (but the last) ending at a multiple of `chunkRows`. */
export function partBounds(rows: number, threads: number, chunkRows: number): number[] {
  const chunks = Math.ceil(rows / chunkRows);
  return Array.from({ length: threads + 1 }, (_, i) => Math.min(rows, Math.round((i * chunks) / threads) * chunkRows));
}

/**
 * Class-index labels on shared memory, read once in blocks: an Int32Array, exact when every
 * value is an int32 (class indices and ignore_index always are, unless the labels are wrong);
 * undefined when one is not (then each thread reads its rows of the labels itself).
 */
export function shareLabels(labels: Values): Tensor | undefined {
  const n = numel(labels.shape);
  const data = new Int32Array(new SharedArrayBuffer(n * 4));
  let exact = true;
  labels.read(1, 0, n, (d, first) => {
    for (let k = 0; k < d.length && exact; k++) {
      const v = Number(d[k]);
      data[first + k] = v;
      exact = data[first + k] === v && !Object.is(v, -0);
    }
  });
  return exact ? { data, shape: [...labels.shape], dtype: 'int32' } : undefined;
}

/** A part's loss, and what the scans saw in its rows of each input (warnings.ts). */
export interface Part {
  result: LossResult;
  logits: Scanned;
  labels: Scanned;
}

/** Rows [start, end) of shared labels, without a copy. */
function labelRows(labels: Tensor, start: number, end: number): Tensor {
  const row = labels.shape.slice(1).reduce((n, d) => n * d, 1);
  const data = labels.data.subarray(start * row, end * row) as Tensor['data'];
  return { data, shape: [end - start, ...labels.shape.slice(1)], dtype: labels.dtype };
}

/** One thread's part: rows [start, end) of the job's files; its losses go to `fd` when given. */
export async function computePart(job: ParallelJob, start: number, end: number, fd?: number): Promise<Part> {
  const { delimiter, header } = job;
  const open = async (spec: string, format: Format | undefined) =>
    rowWindow(asValues(await openInput(spec, { format, delimiter, header })), start, end);
  const x = await open(job.logits, job.logitsFormat);
  const y: Values = job.sharedLabels ? asValues(labelRows(job.sharedLabels, start, end)) : await open(job.labels, job.labelsFormat);
  // rows are numbered from the whole input's first, so every split checks the same ones
  const scans = { logits: new NonFiniteScan(new PredictionWatch(x.shape, x.dtype, start, job.classDim)), labels: new NonFiniteScan() };
  const [logits, labels] = [scans.logits.observe(x), scans.labels.observe(y)];
  const perSample = job.keepLosses || job.reduction === 'none' ? lossStore(fd === undefined ? {} : { fd }) : 'drop';
  const result = lossFor(job.mode, { logits, labels, weight: job.weight, posWeight: job.posWeight }, { ...job, perSample });
  return { result, logits: scans.logits.summary(), labels: scans.labels.summary() };
}

/** What a worker posts: its result's numbers (its losses are in the file it was given), and its scans. */
export interface PartMessage {
  ok: boolean;
  part?: { result: Omit<LossResult, 'loss' | 'perSample'>; logits: Scanned; labels: Scanned };
  message?: string;
}

/**
 * The job's loss over `rows` batch rows on `threads` threads, or undefined when a part
 * failed on its input: the caller then runs single-threaded, which names the failing place
 * in the whole file rather than in a part.
 */
export async function parallelLoss(
  job: ParallelJob,
  rows: number,
  threads: number,
  chunkRows: number,
  rowSizes: { logits: number; labels: number },
): Promise<Part | undefined> {
  const bounds = partBounds(rows, threads, chunkRows);
  const files = bounds.slice(1, -1).map(() => (job.keepLosses ? temporaryFile() : undefined));
  const workers = bounds.slice(1, -1).map((start, i) => runWorker(job, start, bounds[i + 2], files[i]));
  let mine: Part | undefined;
  try {
    mine = await computePart(job, 0, bounds[1]);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }

  const others = await Promise.all(workers);
  if (!mine || others.some((m) => !m.ok)) {
    const internal = others.find((m) => !m.ok && m.message?.startsWith('internal:'));
    if (internal) throw new Error(internal.message!.slice('internal:'.length));
    return undefined;
  }
  const theirs = others.map((m, i) => {
    const { result } = m.part!;
    const shape = result.shape;
    const segment: Segment | undefined = files[i] === undefined ? undefined : { fd: files[i]!, values: shape.reduce((n, d) => n * d, 1) };
    const perSample = segment && storedLosses([segment], shape);
    return { ...m.part!, result: { ...result, loss: perSample ?? NaN, ...(perSample && { perSample }) } };
  });
  const all = [mine, ...theirs];
  const merged = mergeResults(
    all.map((p, i) => ({ ...p.result, mode: job.mode, reduction: job.reduction, source: `rows ${bounds[i]}..${bounds[i + 1]}` })),
  );
  // a part's first non-finite index counts from its first row
  const seen = (input: 'logits' | 'labels') =>
    combineScans(all.map((p, i) => ({ scan: p[input], offset: bounds[i] * rowSizes[input] })));
  return { result: merged, logits: seen('logits'), labels: seen('labels') };
}

/** worker.js beside this module, or worker.cjs beside the CommonJS bundle. */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  return new URL(`./worker${extname(here.pathname)}`, here);
}

function runWorker(job: ParallelJob, start: number, end: number, fd: number | undefined): Promise<PartMessage> {
  return new Promise((resolve) => {
    const worker = new Worker(workerScript(), { workerData: { job, start, end, fd } });
    // the part is taken once the thread has ended, so that nothing of it outlives the computation
    worker.once('message', (m: PartMessage) => void worker.terminate().then(() => resolve(m)));
    worker.once('error', (e) => resolve({ ok: false, message: `internal:${e.message}` }));
  });
}
