/**
 * The kernel's hot loops over blocks, typed (kernel/ holds the WebAssembly source; load.ts
 * loads it). A block is copied into the kernel's memory in pieces that fit its regions (1 MiB
 * each), unless a reader read it there (views.ts copyIn): the copy is a memcpy when the types
 * match (TypedArray.set), about 0.1 ns per float32 value here, a few percent of the work done
 * on it; float32 next to float64 goes in as float64.
 * Each function returns false (or undefined) when the kernel is off, so the caller takes the
 * scalar path.
 */
import type { FloatArray } from '../tensor.js';
import { kernelMode } from './load.js';
import { copyIn, isWide, kernel, regionValues, type Views } from './views.js';
import { inSlices, sliceStats } from './slices.js';
import { scannedPart, tally } from './scanning.js';

export { kernelMode };
export { kernelIndexLosses, type IndexLosses } from './index-losses.js';
export { kernelScanning, type ScanCounts } from './scanning.js';

/** Whether the kernel runs in this thread. */
export function kernelOn(): boolean {
  return kernel() !== undefined;
}

/** Row stats of a block, a value per position. */
export interface StatsOut {
  /** max_c x_c; NaN where the kernel left the position to the scalar path (NaN or ±inf in it). */
  max: Float64Array;
  /** log Σ_c exp(x_c - max). */
  logSum: Float64Array;
}

/**
 * Row stats of `rows` rows of (C, inner) values of `x`, position n·inner + s into out
 * (kernel/row-stats.ts, the log by kernel/log.ts). Returns how many positions it left to the
 * scalar path (a NaN max), or -1 when the kernel is off or a class column does not fit a region.
 */
export function kernelRowStats(x: FloatArray, rows: number, C: number, inner: number, out: StatsOut): number {
  const v = kernel();
  if (!v || C === 0) return -1;
  const wide = isWide(x);
  if (C > regionValues(v, wide)) return inner === 1 ? wideRowStats(v, x, rows, C, out) : -1;
  let flagged = 0;
  inSlices(v, x, rows, C, inner, v.cap64, (at, sliceRows, sliceInner, first, stride) => {
    const count = sliceRows * sliceInner;
    // the stats made at region B (max) and C (sums): the logs, then out
    flagged += sliceStats(v, at, sliceRows, C, sliceInner, stride, wide, v.b, v.c);
    out.max.set(v.f64.subarray(v.b / 8, v.b / 8 + count), first);
    out.logSum.set(v.f64.subarray(v.c / 8, v.c / 8 + count), first);
  });
  return flagged;
}

/**
 * Contiguous rows of more classes than a region holds, each in pieces: the max, then the sum
 * as kernelRowSum makes it (the bits of a whole row). Returns the positions left to the
 * scalar path, as kernelRowStats.
 */
function wideRowStats(v: Views, x: FloatArray, rows: number, C: number, out: StatsOut): number {
  const wide = isWide(x);
  const cap = regionValues(v, wide);
  let flagged = 0;
  for (let n = 0; n < rows; n++) {
    let m = -Infinity;
    for (let c = 0; c < C; c += cap) {
      const count = Math.min(cap, C - c);
      m = Math.max(m, (wide ? v.k.pieceMaxF64 : v.k.pieceMaxF32)(copyIn(v, x, n * C + c, n * C + c + count, v.a, wide), count));
    }
    if (!Number.isFinite(m)) {
      out.max[n] = NaN;
      flagged++;
      continue;
    }
    const sum = kernelRowSum(C, m)!;
    sum.add(x.subarray(n * C, (n + 1) * C), 0);
    out.max[n] = m;
    out.logSum[n] = sum.logSum;
  }
  return flagged;
}

/** A row's log Σ exp(x_c - m), its classes handed in order, in pieces. */
export interface RowSum {
  /** The row's classes c0 .. c0 + piece.length. */
  add(piece: FloatArray, c0: number): void;
  /** log Σ exp(x_c - m), once the last class was added. */
  readonly logSum: number;
}

/**
 * log Σ exp(x_c - m) of a row of `classes` finite values read in pieces, with the bits the
 * kernel's row stats give the whole row (kernel/row-stats.ts rowSumPiece, then its log);
 * undefined when the kernel is off.
 */
export function kernelRowSum(classes: number, m: number): RowSum | undefined {
  const v = kernel();
  if (!v) return undefined;
  v.k.rowSumStart();
  const at = v.k.ROW_SUM.value / 8 + 4;
  return {
    add(piece, c0) {
      const wide = isWide(piece);
      const cap = regionValues(v, wide);
      for (let i = 0; i < piece.length; i += cap) {
        const n = Math.min(cap, piece.length - i);
        (wide ? v.k.rowSumPieceF64 : v.k.rowSumPieceF32)(copyIn(v, piece, i, i + n, v.a, wide), n, c0 + i, classes, m);
      }
    },
    get logSum() {
      return v.k.log(v.f64[at]);
    },
  };
}

/** What a pass found (NaN and ±inf, or values out of a range): how many, and the first one's index (-1 if none). */
export interface Found {
  count: number;
  first: number;
}

/** The non-finite values of x (kernel/scan.ts), or undefined when the kernel is off. */
export function kernelNonFinite(x: FloatArray): Found | undefined {
  const v = kernel();
  if (!v) return undefined;
  const scan = isWide(x) ? v.k.nonFiniteF64 : v.k.nonFiniteF32;
  return regionCounts(v, x, 1, (at, n) => [scan(at, n)])[0];
}

/**
 * The non-finite values of x and, in the same pass, those below lo or above hi (NaN is
 * neither, ±inf are), as [non-finite, outside] (kernel/scan.ts); undefined when the kernel is off.
 */
export function kernelNonFiniteOutside(x: FloatArray, lo: number, hi: number): Found[] | undefined {
  const v = kernel();
  if (!v) return undefined;
  const scan = isWide(x) ? v.k.nonFiniteOutsideF64 : v.k.nonFiniteOutsideF32;
  return regionCounts(v, x, 2, (at, n) => [scan(at, n, lo, hi), v.i32[v.scratch / 4 + 2]]);
}

/**
 * A counting pass of the kernel over x, a region at a time: `count(at, n)` gives how many of
 * each of `kinds` kinds a region holds, the first one's index of kind k in the scratch word k.
 * How many of each, and the first's index in x.
 */
function regionCounts(v: Views, x: FloatArray, kinds: number, count: (at: number, n: number) => number[]): Found[] {
  const wide = isWide(x);
  const cap = regionValues(v, wide);
  const found = Array.from({ length: kinds }, () => ({ count: 0, first: -1 }));
  for (let i = 0; i < x.length; i += cap) {
    const n = Math.min(cap, x.length - i);
    const seen = count(copyIn(v, x, i, i + n, v.a, wide), n);
    found.forEach((f, k) => {
      if (seen[k] > 0 && f.count === 0) f.first = i + v.i32[v.scratch / 4 + k];
      f.count += seen[k];
    });
  }
  return found;
}

/** What a block of class labels holds (quickClasses in losses/targets.ts). */
export interface ClassLabels {
  /** Every label is ignore_index or a class. */
  valid: boolean;
  /** One is not ignore_index. */
  contributing: boolean;
  /** One that is not ignore_index is 0. */
  zero: boolean;
}

/** uint8 class labels of C classes, looked at by the kernel 16 at a time (kernel/scan.ts classLabelsU8); undefined when it is off. */
export function kernelClassLabels(labels: Uint8Array, C: number, ignoreIndex: number): ClassLabels | undefined {
  const v = kernel();
  if (!v) return undefined;
  // an ignore_index no uint8 equals (not an int32 in [0, 255]) goes in as -1, which none does either
  const ignore = Number.isInteger(ignoreIndex) && ignoreIndex >= 0 && ignoreIndex <= 255 ? ignoreIndex : -1;
  const bytes = new Uint8Array(v.f64.buffer);
  const cap = v.cap64 * 8;
  let flags = 1;
  for (let i = 0; i < labels.length; i += cap) {
    const part = labels.subarray(i, i + cap);
    bytes.set(part, v.a);
    const f = v.k.classLabelsU8(v.a, part.length, Math.min(C, 256), ignore);
    flags = (flags & f & 1) | ((flags | f) & 6);
  }
  return { valid: (flags & 1) !== 0, contributing: (flags & 2) !== 0, zero: (flags & 4) !== 0 };
}

/**
 * Elementwise losses of x and t (of equal length) by the kernel's `fn`, handed to `visit` a
 * piece at a time as a view of the kernel's memory (valid during the call) with the index of
 * its first value. `fn` returns -1, or the index of a value it refuses (the piece is then not
 * visited and that index is returned). Undefined when the kernel is off.
 */
function elementwise(
  x: FloatArray,
  t: FloatArray,
  fn: (v: Views, wide: boolean) => (x: number, t: number, n: number, out: number) => number | void,
  visit: (losses: Float64Array, first: number) => void,
): number | undefined {
  const v = kernel();
  if (!v) return undefined;
  const wide = !(x instanceof Float32Array && t instanceof Float32Array);
  const call = fn(v, wide);
  const per = v.cap64;
  for (let i = 0; i < x.length; i += per) {
    const n = Math.min(per, x.length - i);
    const refused = call(copyIn(v, x, i, i + n, v.a, wide), copyIn(v, t, i, i + n, v.b, wide), n, v.c);
    if (typeof refused === 'number' && refused >= 0) return i + refused;
    visit(v.f64.subarray(v.c / 8, v.c / 8 + n), i);
  }
  return -1;
}

/**
 * Unweighted bce-logits losses of a block (kernel/binary.ts), computed and summed by the
 * kernel in one pass: `visit(first, n, piece)` for each piece of the block the kernel holds,
 * values [first, first + n), whose `piece` adds any part of them into lane sums (SumPiece).
 * False when the kernel is off.
 * When x or t is being scanned (scanning.ts), the pass counts for the scan too: a NaN or ±inf
 * logit or target makes its loss NaN or ±inf (x·(1 - t), m and the tail carry it; a target of
 * ±inf with a logit of 0 gives 0·inf = NaN), so a piece whose losses are all finite holds none;
 * and none of its targets is outside the scan's range when the least and the greatest are
 * inside. Only a piece where either fails is scanned by a pass of its own.
 */
export function kernelBceLogits(x: FloatArray, t: FloatArray, visit: (first: number, n: number, piece: SumPiece) => void): boolean {
  const v = withSoftplus(kernel());
  if (!v) return false;
  const wide = !(x instanceof Float32Array && t instanceof Float32Array);
  const [size, call] = wide ? [8, v.k.bceLogitsSumF64] : [4, v.k.bceLogitsSumF32];
  const scans = [scannedPart(x), scannedPart(t)];
  const per = v.cap64;
  for (let i = 0; i < x.length; i += per) {
    const n = Math.min(per, x.length - i);
    const [xAt, tAt] = [copyIn(v, x, i, i + n, v.a, wide), copyIn(v, t, i, i + n, v.b, wide)];
    let nonFinite = 0;
    let [lo, hi] = [Infinity, -Infinity];
    visit(i, n, (j, count, lanes, lane, keep) => {
      const part = summed(v, lanes, keep, count, () => call(xAt + j * size, tAt + j * size, count, lane, keep ? v.c : 0));
      nonFinite += part.count;
      lo = Math.min(lo, v.f64[v.bounds]);
      hi = Math.max(hi, v.f64[v.bounds + 1]);
      return part;
    });
    scans.forEach((part, k) => {
      if (!part) return;
      const { scan, offset } = part;
      const range = scan.range;
      if (nonFinite === 0 && (!range || (lo >= range[0] && hi <= range[1]))) return tally(scan, offset + i, n, NONE, range && NONE);
      const values = (k === 0 ? x : t).subarray(i, i + n);
      const [bad, outside] = range ? kernelNonFiniteOutside(values, ...range)! : [kernelNonFinite(values)!];
      tally(scan, offset + i, n, bad, outside);
    });
  }
  return true;
}

/** Nothing found. */
const NONE: Found = { count: 0, first: -1 };

/**
 * Unweighted binary-cross-entropy losses of a block; undefined when the kernel is off, else -1,
 * or the index of the first p outside [0, 1] (the scalar path then says so).
 */
export function kernelBinaryCrossEntropy(p: FloatArray, t: FloatArray, visit: (losses: Float64Array, first: number) => void): number | undefined {
  return elementwise(p, t, (v, wide) => (wide ? v.k.binaryCrossEntropyF64 : v.k.binaryCrossEntropyF32), visit);
}

/** A Neumaier sum's state: the sum and its compensation. */
export interface SumState {
  s: number;
  c: number;
}

/** What a piece added into lane sums held: its NaN and infinite values, and the values when kept. */
export interface Summed extends Found {
  /** The first NaN or infinite value. */
  firstValue: number;
  /** The piece's values (a view valid until the next call into the kernel), when asked for. */
  values?: Float64Array;
}

/** How many Neumaier sums a kernel adds side by side (kernel/sum.ts): the lanes of a chunk's sum (reduce.ts). */
export const SUM_LANES = 2;

/**
 * Values [i, i + count) of a piece, added into two Neumaier sums side by side (`lanes`, the
 * first value into lane `lane`, the next into the other, and so on: CompensatedSum.add's steps
 * on each lane); with `keep`, the values are handed back too.
 */
export type SumPiece = (i: number, count: number, lanes: readonly SumState[], lane: number, keep: boolean) => Summed;

/**
 * Runs `call`, a kernel function adding `count` values into its lane sums (kernel/sum.ts
 * addLanes, storing them in region C when `keep`), with `lanes` as their state before and after.
 */
function summed(v: Views, lanes: readonly SumState[], keep: boolean, count: number, call: () => number): Summed {
  const at = v.lanes;
  const f = v.f64;
  for (let k = 0; k < SUM_LANES; k++) {
    f[at + k] = lanes[k].s;
    f[at + SUM_LANES + k] = lanes[k].c;
  }
  const bad = call();
  for (let k = 0; k < SUM_LANES; k++) {
    lanes[k].s = f[at + k];
    lanes[k].c = f[at + SUM_LANES + k];
  }
  const sc = v.scratch / 8;
  const values = keep ? f.subarray(v.c / 8, v.c / 8 + count) : undefined;
  return { count: bad, first: bad > 0 ? v.i32[v.scratch / 4 + 4] : -1, firstValue: f[sc + 3], values };
}

/**
 * Adds xs into two Neumaier sums side by side, xs[0] into lane `lane` (SumPiece, kernel/sum.ts);
 * undefined when the kernel is off. xs in the kernel's memory is summed where it is; anything
 * else is copied in.
 */
export function kernelSumLanes(lanes: readonly SumState[], lane: number, xs: Float64Array): Summed | undefined {
  const v = kernel();
  if (!v) return undefined;
  const found: Summed = { count: 0, first: -1, firstValue: 0 };
  for (let i = 0; i < xs.length; i += v.cap64) {
    const n = Math.min(v.cap64, xs.length - i);
    const at = copyIn(v, xs, i, i + n, v.a, true);
    const part = summed(v, lanes, false, n, () => v.k.sumLanes(at, n, (lane + i) % SUM_LANES));
    if (part.count > 0 && found.count === 0) [found.first, found.firstValue] = [i + part.first, part.firstValue];
    found.count += part.count;
  }
  return found;
}

/** The kernel's exp, log and bce-logits tail of one value (for tests and the bench); undefined when off. */
export function kernelMath(): { exp(x: number): number; log(x: number): number; softplusTail(x: number): number } | undefined {
  return withSoftplus(kernel())?.k;
}

let softplusFilled = false;

/** The kernel with bce-logits' table filled in (kernel/softplus.ts), on first use: other modes never need it. */
function withSoftplus(v: Views | undefined): Views | undefined {
  if (v && !softplusFilled) {
    v.k.fillSoftplusTable();
    softplusFilled = true;
  }
  return v;
}
