/**
 * What every thread of a parallel run does (parallel.ts starts them, worker.ts is a worker):
 * open the job's inputs once, then take claims (claims.ts) until none is left, computing the
 * same lossFor over each claim's rows (values.ts rowWindow). Only a few numbers a claim come
 * back: the exact sums, the counts, what the scans saw; kept losses go straight to their place
 * in the run's one temporary file (loss-store.ts), so no thread holds losses for another.
 */
import { debuglog } from 'node:util';
import { claimRows, joinClaims, nextClaim, stopClaims, type ClaimBoard } from './claims.js';
import { lossFor, type LossMode } from './evaluate.js';
import type { Format } from './io/format.js';
import { openInput } from './io/read.js';
import { useKernelFor } from './kernel/load.js';
import { lossStore } from './loss-store.js';
import type { InputKind } from './losses/probabilities.js';
import type { LossResult, Reduction } from './losses/reduce.js';
import { PredictionWatch } from './mistakes.js';
import { numel, type Tensor } from './tensor.js';
import { asValues, rowWindow, type Values } from './values.js';
import { NonFiniteScan, TARGET_RANGE, type Scanned } from './warnings.js';
import { binaryLabels } from './losses/targets.js';
import { shiftedLabels, shiftedLogits } from './shift.js';

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
  /** --shift: each thread reads the files as views one step apart (shift.ts); shared labels are shifted already. */
  shift?: boolean;
  /** Whether an output needs the unreduced losses (reduction none always does). */
  keepLosses?: boolean;
  /** Class-index labels read once by the main thread, on shared memory; else each thread opens `labels`. */
  sharedLabels?: Tensor;
}

/** One claim's loss (its numbers: the losses are in the run's file), and what the scans saw in its rows of each input. */
export interface ClaimPart {
  claim: number;
  result: Omit<LossResult, 'loss' | 'perSample'>;
  logits: Scanned;
  labels: Scanned;
}

/**
 * This thread's claims of `board`, each computed over its rows, its kept losses written at
 * their place in `fd`. A worker (`worker` its index) joins before its first claim, and takes
 * none when the main thread let it go first. An error stops every thread's claiming.
 */
export async function computeClaims(job: ParallelJob, board: ClaimBoard, fd?: number, worker?: number): Promise<ClaimPart[]> {
  try {
    const { delimiter, header } = job;
    const open = async (spec: string, format: Format | undefined) => asValues(await openInput(spec, { format, delimiter, header }));
    const opened = await open(job.logits, job.logitsFormat);
    const x = job.shift ? shiftedLogits(opened) : opened;
    // the kernel or the scalar path as the main thread chose, by the whole input's size (as read)
    useKernelFor(numel(x.shape));
    const y = job.sharedLabels ? asValues(job.sharedLabels) : await open(job.labels, job.labelsFormat).then((v) => (job.shift ? shiftedLabels(v) : v));
    const parts: ClaimPart[] = [];
    if (worker !== undefined && !joinClaims(board, worker)) return parts;
    debuglog('losscalc')('%s takes its first claim %d ms after the process started', worker === undefined ? 'the main thread' : `worker ${worker}`, Math.round(process.uptime() * 1000));
    for (let k = nextClaim(board); k !== undefined; k = nextClaim(board)) parts.push(computeClaim(job, x, y, k, claimRows(board, k), fd));
    return parts;
  } catch (e) {
    stopClaims(board);
    throw e;
  }
}

/** Claim `claim`, rows [start, end) of the opened inputs; its kept losses at their place in `fd`. */
export function computeClaim(job: ParallelJob, x: Values, y: Values, claim: number, [start, end]: [number, number], fd: number | undefined): ClaimPart {
  // rows are numbered from the whole input's first, so every split checks the same ones
  const range = binaryLabels(job.mode, x.shape, y.shape) ? TARGET_RANGE : undefined;
  const scans = { logits: new NonFiniteScan(new PredictionWatch(x.shape, x.dtype, start, job.classDim)), labels: new NonFiniteScan(undefined, range) };
  const logits = scans.logits.observe(rowWindow(x, start, end));
  const labels = scans.labels.observe(rowWindow(y, start, end));
  const perSample = job.keepLosses || job.reduction === 'none' ? lossStore({ fd, row: start }) : 'drop';
  const r = lossFor(job.mode, { logits, labels, weight: job.weight, posWeight: job.posWeight }, { ...job, perSample });
  const { reduction, shape, sum, weightSum, count, exact, nonFinite } = r;
  return { claim, result: { reduction, shape, sum, weightSum, count, exact, nonFinite }, logits: scans.logits.summary(), labels: scans.labels.summary() };
}

/**
 * What a worker is sent: the job, the claims, the file for kept losses, its index among the
 * workers, and the layouts of the files opened so far (shared-layouts.ts), which a worker
 * started before they were opened has not seen.
 */
export interface WorkerJob {
  job: ParallelJob;
  board: ClaimBoard;
  fd?: number;
  worker: number;
  layouts: [string, unknown][];
}

/** What a worker posts: its claims' parts, or why it failed (an input error, or else an internal one). */
export interface WorkerReply {
  ok: boolean;
  parts?: ClaimPart[];
  input?: boolean;
  message?: string;
}
