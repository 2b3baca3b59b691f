/**
 * A loss over a large file on every core. The batch rows are split into one range per
 * thread; each thread (the main one included) opens the files itself, computes the same
 * lossFor over its rows (values.ts rowWindow), and the parts combine exactly as shards do
 * (merge.ts). Nothing but the small per-row results crosses between threads.
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { mayUseThreads } from './threads.js';
import { InputError } from './errors.js';
import { lossFor, type LossMode } from './evaluate.js';
import type { Format } from './io/format.js';
import { openInput } from './io/read.js';
import type { InputKind } from './losses/probabilities.js';
import type { LossResult, Reduction } from './losses/reduce.js';
import { PredictionWatch } from './mistakes.js';
import { combineScans, NonFiniteScan, type Scanned } from './warnings.js';
import { mergeResults } from './merge.js';
import type { Tensor } from './tensor.js';
import { asValues, rowWindow } from './values.js';


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
}

/**
 * How many threads to use: what was asked, else every core (up to 8) for inputs big enough to
 * gain; never more than the machine's cores, nor than the rows. Threads beyond the cores only
 * take turns on them, each with its own blocks in memory.
 */
export function threadCount(asked: number | undefined, values: number, rows: number, cores = availableParallelism()): number {
  const n = asked ?? (mayUseThreads(undefined, values) ? Math.min(cores, 8) : 1);
  return Math.max(1, Math.min(n, cores, rows));
}

/** A part's loss, and what the scans saw in its rows of each input (warnings.ts). */
export interface Part {
  result: LossResult;
  logits: Scanned;
  labels: Scanned;
}

/** One thread's part: rows [start, end) of the job's files. */
export async function computePart(job: ParallelJob, start: number, end: number): Promise<Part> {
  const { delimiter, header } = job;
  const open = async (spec: string, format: Format | undefined) =>
    rowWindow(asValues(await openInput(spec, { format, delimiter, header })), start, end);
  const [x, y] = [await open(job.logits, job.logitsFormat), await open(job.labels, job.labelsFormat)];
  // rows are numbered from the whole input's first, so every split checks the same ones
  const scans = { logits: new NonFiniteScan(new PredictionWatch(x.shape, x.dtype, start, job.classDim)), labels: new NonFiniteScan() };
  const [logits, labels] = [scans.logits.observe(x), scans.labels.observe(y)];
  const result = lossFor(job.mode, { logits, labels, weight: job.weight, posWeight: job.posWeight }, job);
  return { result, logits: scans.logits.summary(), labels: scans.labels.summary() };
}

interface PartMessage {
  ok: boolean;
  part?: { result: Pick<LossResult, 'perSample' | 'perWeight' | 'sum' | 'weightSum' | 'count' | 'shape'>; logits: Scanned; labels: Scanned };
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
  rowSizes: { logits: number; labels: number },
): Promise<Part | undefined> {
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * rows) / threads));
  const workers = bounds.slice(1, -1).map((start, i) => runWorker(job, start, bounds[i + 2]));
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
  const all = [mine, ...others.map((m) => m.part!)];
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

function runWorker(job: ParallelJob, start: number, end: number): Promise<PartMessage> {
  return new Promise((resolve) => {
    const worker = new Worker(workerScript(), { workerData: { job, start, end } });
    worker.once('message', (m: PartMessage) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (e) => resolve({ ok: false, message: `internal:${e.message}` }));
  });
}
