/**
 * How the threads of a parallel run share the batch rows. The rows are cut into claims, each a
 * run of whole chunks of the sums (reduce.ts rowsPerChunk), so that each claim's exact sums
 * join to one run's bits; every thread (the main one first, the workers once they are up) takes
 * the next claim from a counter on shared memory until none is left. A thread that starts late
 * or runs slow takes fewer claims; whatever the interleaving, each claim is taken exactly once,
 * and the claims' results are joined in claim order, so the timing never shows in the result.
 */

import type { DType } from './tensor.js';

/** The shared cells: the next claim, whether a thread failed, then one cell per worker. */
const NEXT = 0;
const FAILED = 1;
const WORKERS = 2;

/** A worker's cell: IDLE until it joins the run or the main thread, done, lets it go. */
const IDLE = 0;
const JOINED = 1;
const LET_GO = 2;

/** About this much input a claim: a thread's blocks stay a few, and a claim costs little beside its work. */
const CLAIM_BYTES = 1 << 20;
/** At least this many claims a thread, so that a late start or a busy core evens out. */
const CLAIMS_PER_THREAD = 8;

/** The claims of `rows` batch rows, `claimRows` at a time, on shared memory (posted to the workers as it is). */
export interface ClaimBoard {
  readonly cells: Int32Array;
  readonly rows: number;
  readonly claimRows: number;
  readonly claims: number;
}

export function claimBoard(rows: number, claimRows: number, workers: number): ClaimBoard {
  const cells = new Int32Array(new SharedArrayBuffer((WORKERS + workers) * 4));
  return { cells, rows, claimRows, claims: Math.ceil(rows / claimRows) };
}

/**
 * Rows a claim: whole chunks of `chunkRows` rows, about CLAIM_BYTES of input (`rowBytes` a
 * row), fewer when that would leave fewer than CLAIMS_PER_THREAD claims a thread.
 */
export function claimSize(rows: number, chunkRows: number, rowBytes: number, threads: number): number {
  const chunks = Math.ceil(rows / chunkRows);
  const bySize = Math.floor(CLAIM_BYTES / Math.max(1, chunkRows * rowBytes));
  const byCount = Math.floor(chunks / (threads * CLAIMS_PER_THREAD));
  return Math.max(1, Math.min(bySize, byCount)) * chunkRows;
}

/** A value's bytes in the input, about: its dtype's width (text holds about as many as float64). */
export function valueBytes(dtype: DType): number {
  return dtype === 'bool' ? 1 : Number(/\d+/.exec(dtype)![0]) / 8;
}

/** The next claim for this thread, or undefined when none is left or a thread failed. */
export function nextClaim(board: ClaimBoard): number | undefined {
  if (Atomics.load(board.cells, FAILED) !== 0) return undefined;
  const k = Atomics.add(board.cells, NEXT, 1);
  return k < board.claims ? k : undefined;
}

/** The batch rows [start, end) of claim `k`. */
export function claimRows(board: ClaimBoard, k: number): [number, number] {
  return [k * board.claimRows, Math.min(board.rows, (k + 1) * board.claimRows)];
}

/** A thread met an error: no thread takes another claim. */
export function stopClaims(board: ClaimBoard): void {
  Atomics.store(board.cells, FAILED, 1);
}

export function claimsStopped(board: ClaimBoard): boolean {
  return Atomics.load(board.cells, FAILED) !== 0;
}

/** Worker `i` joins the run before its first claim: false when the main thread let it go first. */
export function joinClaims(board: ClaimBoard, i: number): boolean {
  return Atomics.compareExchange(board.cells, WORKERS + i, IDLE, JOINED) === IDLE;
}

/**
 * The main thread, out of claims, lets worker `i` go unless it joined: true when it had not
 * (it will take no claim, so nothing of it is awaited).
 */
export function letGo(board: ClaimBoard, i: number): boolean {
  return Atomics.compareExchange(board.cells, WORKERS + i, IDLE, LET_GO) === IDLE;
}
