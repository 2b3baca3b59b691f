/**
 * A loss over a large file on every core. The batch rows are split into one range per
 * thread; each thread (the main one included) opens the files itself, computes the same
 * lossFor over its rows (values.ts rowWindow), and the parts combine exactly as shards do
 * (merge.ts). Nothing but the small per-row results crosses between threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from './errors.js';
import { lossFor, type LossMode } from './evaluate.js';
import type { Format } from './io/format.js';
import { openInput } from './io/read.js';
import type { LossResult, Reduction } from './losses/reduce.js';
import { mergeResults } from './merge.js';
import type { Tensor } from './tensor.js';
import { asValues, rowWindow } from './values.js';

/** Below this many logits a second thread costs more to start than it saves. */
export const PARALLEL_MIN_VALUES = 1 << 22;

export interface ParallelJob {
  mode: LossMode;
  logits: string;
  labels: string;
  logitsFormat?: Format;
  labelsFormat?: Format;
  delimiter?: string;
  weight?: Tensor;
  posWeight?: Tensor;
  reduction: Reduction;
  ignoreIndex: number;
  labelSmoothing: number;
  logSoftmax: boolean;
}

/** How many threads to use: what was asked, else every core for inputs big enough to gain. */
export function threadCount(asked: number | undefined, values: number, rows: number): number {
  const n = asked ?? (values >= PARALLEL_MIN_VALUES ? Math.min(availableParallelism(), 8) : 1);
  return Math.max(1, Math.min(n, rows));
}

/** One thread's part: rows [start, end) of the job's files. */
export async function computePart(job: ParallelJob, start: number, end: number): Promise<LossResult> {
  const { delimiter } = job;
  const logits = rowWindow(asValues(await openInput(job.logits, { format: job.logitsFormat, delimiter })), start, end);
  const labels = rowWindow(asValues(await openInput(job.labels, { format: job.labelsFormat, delimiter })), start, end);
  return lossFor(job.mode, { logits, labels, weight: job.weight, posWeight: job.posWeight }, job);
}

interface PartMessage {
  ok: boolean;
  result?: Pick<LossResult, 'perSample' | 'sum' | 'weightSum' | 'count' | 'shape'>;
  message?: string;
}

/**
 * The job's loss over `rows` batch rows on `threads` threads, or undefined when a part
 * failed on its input: the caller then runs single-threaded, which names the failing place
 * in the whole file rather than in a part.
 */
export async function parallelLoss(job: ParallelJob, rows: number, threads: number): Promise<LossResult | undefined> {
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * rows) / threads));
  const workers = bounds.slice(1, -1).map((start, i) => runWorker(job, start, bounds[i + 2]));
  let mine: LossResult | undefined;
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
  const parts = [mine, ...others.map((m) => m.result!)].map((r, i) => ({
    ...r,
    mode: job.mode,
    reduction: job.reduction,
    source: `rows ${bounds[i]}..${bounds[i + 1]}`,
  }));
  const merged = mergeResults(parts);
  return { ...merged, shape: mine.shape.length === 0 ? [] : merged.shape };
}

function runWorker(job: ParallelJob, start: number, end: number): Promise<PartMessage> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { job, start, end } });
    worker.once('message', (m: PartMessage) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (e) => resolve({ ok: false, message: `internal:${e.message}` }));
  });
}
