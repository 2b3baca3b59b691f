/**
 * A loss over a large file on every core. The workers are started with the process when the
 * command line names a large file (early-workers.ts), else as soon as the run knows it will
 * use them, and load while the main thread reads the settings; the main thread then posts
 * the job and computes at once. Every thread takes the next claim of rows
 * from a shared counter (claims.ts) and computes it (thread-claims.ts), so a worker that starts
 * late takes fewer claims and none waits on another's share. Class-index labels are read once,
 * by the main thread, and shared (a SharedArrayBuffer). Nothing but a few numbers a claim
 * crosses between threads: kept losses go to their place in one temporary file that the main
 * thread opened (threads share descriptors) and reads back as one PerSample. The claims' parts
 * join in claim order, the exact sums to one run's bits (merge.ts), the scans by their offsets
 * (warnings.ts), so any thread count and any timing give the same result and warnings.
 */
import { availableParallelism } from 'node:os';
import { debuglog } from 'node:util';
import { claimBoard, claimRows, claimSize, claimsStopped, letGo, type ClaimBoard } from './claims.js';
import { takeEarlyWorkers } from './early-workers.js';
import { InputError } from './errors.js';
import { storedLosses, temporaryFile } from './loss-store.js';
import type { LossResult } from './losses/reduce.js';
import { sharedLayouts } from './io/shared-layouts.js';
import { mergeResults } from './merge.js';
import { numel, type Tensor } from './tensor.js';
import { computeClaims, type ClaimPart, type ParallelJob, type WorkerJob, type WorkerReply } from './thread-claims.js';
import { mayUseThreads, type ValueCost } from './threads.js';
import type { Values } from './values.js';
import { combineScans, type Scanned } from './warnings.js';
import { startWorkerThread, type WorkerThread } from './worker-thread.js';

export type { ParallelJob } from './thread-claims.js';
export { valueBytes } from './claims.js';

/**
 * How many threads to use: what was asked, else every core (up to 8) for inputs costly enough
 * to gain (threads.ts); never more than the machine's cores, nor than the chunks of rows the sums split into.
 * Threads beyond the cores only take turns on them, each with its own blocks in memory.
 */
export function threadCount(asked: number | undefined, values: number, chunks: number, cores = availableParallelism(), cost: ValueCost = 'text'): number {
  const n = asked ?? (mayUseThreads(undefined, values, cost) ? Math.min(cores, 8) : 1);
  return Math.max(1, Math.min(n, cores, chunks));
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

/** The run's loss, and what the scans saw of each input (warnings.ts). */
export interface Part {
  result: LossResult;
  logits: Scanned;
  labels: Scanned;
}

/** The shape of a parallel run: its batch rows, the sums' chunk, and each input's values (and the logits' bytes) a row. */
export interface Rows {
  rows: number;
  chunkRows: number;
  logits: number;
  labels: number;
  logitsBytes: number;
}

/**
 * The job's loss on `workers.size + 1` threads, or undefined when a thread failed on its
 * input: the caller then runs single-threaded, which names the failing place in the whole
 * file rather than in a claim. The workers are ended when it returns.
 */
export async function parallelLoss(job: ParallelJob, rows: Rows, workers: Workers): Promise<Part | undefined> {
  try {
    const threads = workers.size + 1;
    const board = claimBoard(rows.rows, claimSize(rows.rows, rows.chunkRows, rows.logitsBytes, threads), workers.size);
    debuglog('losscalc')('%d threads on %d claims of %d rows', threads, board.claims, board.claimRows);
    const fd = job.keepLosses || job.reduction === 'none' ? temporaryFile() : undefined;
    const layouts = sharedLayouts();
    const replies = workers.run((worker) => ({ job, board, fd, worker, layouts }));
    let mine: ClaimPart[] = [];
    try {
      mine = await computeClaims(job, board, fd);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
    // out of claims: a worker that has not joined yet would find none left, so it is not waited for
    const joined = replies.filter((_, i) => !(letGo(board, i) && workers.end(i)));
    if (claimsStopped(board)) return undefined;
    const theirs = await Promise.all(joined);
    const internal = theirs.find((r) => !r.ok && !r.input);
    if (internal) throw new Error(internal.message);
    if (claimsStopped(board) || theirs.some((r) => !r.ok)) return undefined;
    return joinClaims([...mine, ...theirs.flatMap((r) => r.parts!)], job, board, rows, fd);
  } finally {
    workers.end();
  }
}

/**
 * The claims' parts, in any order, as one run's result: in claim order, each claim once; the
 * kept losses (when `fd` holds them) read back from their places in `fd`.
 */
export function joinClaims(parts: ClaimPart[], job: ParallelJob, board: ClaimBoard, perRow: Pick<Rows, 'logits' | 'labels'>, fd: number | undefined): Part {
  parts.sort((a, b) => a.claim - b.claim);
  if (parts.length !== board.claims || parts.some((p, k) => p.claim !== k)) throw new Error(`the threads computed ${parts.length} parts of ${board.claims}`);
  const rows = parts.map((p) => claimRows(board, p.claim));
  const lossShape = [board.rows, ...parts[0].result.shape.slice(1)];
  const losses = fd === undefined ? undefined : storedLosses([{ fd, values: numel(lossShape) }], lossShape);
  const result = mergeResults(
    parts.map((p, k) => ({ ...p.result, mode: job.mode, reduction: job.reduction, source: `rows ${rows[k][0]}..${rows[k][1]}` })),
    losses,
  );
  // a claim's first non-finite index counts from its first row
  const seen = (input: 'logits' | 'labels') => combineScans(parts.map((p, k) => ({ scan: p[input], offset: rows[k][0] * perRow[input] })));
  return { result, logits: seen('logits'), labels: seen('labels') };
}

/**
 * The run's worker threads (worker-thread.ts): those started early (early-workers.ts) first,
 * then as many more as it needs.
 */
export class Workers {
  private readonly threads: WorkerThread[];

  constructor(count: number) {
    const early = takeEarlyWorkers(count);
    this.threads = [...early, ...Array.from({ length: count - early.length }, startWorkerThread)];
  }

  get size(): number {
    return this.threads.length;
  }

  /** Posts each worker its job; its reply comes once it has ended. */
  run(job: (worker: number) => WorkerJob): Promise<WorkerReply>[] {
    return this.threads.map(({ worker, reply }, i) => {
      worker.ref();
      worker.postMessage(job(i));
      return reply;
    });
  }

  /** Ends worker `i`, or every worker: true. */
  end(i?: number): true {
    for (const t of i === undefined ? this.threads : [this.threads[i]]) void t.worker.terminate();
    return true;
  }
}
