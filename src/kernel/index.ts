/**
 * The kernel's hot loops over blocks, typed (kernel/ holds the WebAssembly source; load.ts
 * loads it). A block is copied into the kernel's memory in pieces that fit its regions (1 MiB
 * each): the copy is a memcpy when the types match (TypedArray.set), about 0.1 ns per float32
 * value here, a few percent of the work done on it; float32 next to float64 goes in as float64.
 * Each function returns false (or undefined) when the kernel is off, so the caller takes the
 * scalar path.
 */
import type { FloatArray } from '../tensor.js';
import { kernelMode, loadKernel, type KernelExports } from './load.js';

export { kernelMode };

interface Views {
  k: KernelExports;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  /** Values of 8 bytes a region holds. */
  cap64: number;
  a: number;
  b: number;
  c: number;
  scratch: number;
}

let views: Views | undefined;

/** The kernel with views on its memory (never grown, so they stay valid), or undefined. */
function kernel(): Views | undefined {
  const k = loadKernel();
  if (!k) return undefined;
  views ??= {
    k,
    f32: new Float32Array(k.memory.buffer),
    f64: new Float64Array(k.memory.buffer),
    i32: new Int32Array(k.memory.buffer),
    cap64: k.REGION_BYTES.value / 8,
    a: k.REGION_A.value,
    b: k.REGION_B.value,
    c: k.REGION_C.value,
    scratch: k.SCRATCH.value,
  };
  return views;
}

/** Whether the kernel runs in this thread. */
export function kernelOn(): boolean {
  return kernel() !== undefined;
}

/**
 * The one copy: values [from, to) of `x` into the region at byte `at`, as float32 when `wide`
 * is false (x is then a Float32Array), else as float64. Returns the region's byte offset.
 */
function copyIn(v: Views, x: FloatArray, from: number, to: number, at: number, wide: boolean): number {
  const piece = x.subarray(from, to);
  if (wide) v.f64.set(piece, at / 8);
  else v.f32.set(piece, at / 4);
  return at;
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
  const wide = !(x instanceof Float32Array);
  if (C > (wide ? v.cap64 : 2 * v.cap64)) return inner === 1 ? wideRowStats(v, x, rows, C, out) : -1;
  let flagged = 0;
  inSlices(v, x, rows, C, inner, v.cap64, (at, sliceRows, sliceInner, first) => {
    const count = sliceRows * sliceInner;
    // the stats made at region B (max) and C (sums): the logs, then out
    flagged += sliceStats(v, at, sliceRows, C, sliceInner, wide, v.b, v.c);
    out.max.set(v.f64.subarray(v.b / 8, v.b / 8 + count), first);
    out.logSum.set(v.f64.subarray(v.c / 8, v.c / 8 + count), first);
  });
  return flagged;
}

/**
 * The block's values a slice at a time into region A, each slice `rows` rows of (C, inner)
 * values whose positions are the block's first .. first + rows·inner (at most `most`): whole
 * batch rows when one fits, else `inner` positions of every class at a time, as a (1, C, inner)
 * slice. C must fit a region.
 */
function inSlices(
  v: Views,
  x: FloatArray,
  rows: number,
  C: number,
  inner: number,
  most: number,
  each: (at: number, rows: number, inner: number, first: number) => void,
): void {
  const wide = !(x instanceof Float32Array);
  const cap = wide ? v.cap64 : 2 * v.cap64;
  const row = C * inner;
  if (row <= cap && inner <= most) {
    const per = Math.min(Math.floor(cap / row), Math.floor(most / inner));
    for (let n = 0; n < rows; n += per) {
      const count = Math.min(per, rows - n);
      each(copyIn(v, x, n * row, (n + count) * row, v.a, wide), count, inner, n * inner);
    }
    return;
  }
  const per = Math.min(Math.floor(cap / C), most);
  for (let n = 0; n < rows; n++) {
    for (let s = 0; s < inner; s += per) {
      const count = Math.min(per, inner - s);
      for (let c = 0; c < C; c++) {
        const from = n * row + c * inner + s;
        copyIn(v, x, from, from + count, v.a + c * count * (wide ? 8 : 4), wide);
      }
      each(v.a, 1, count, n * inner + s);
    }
  }
}

/** The stats of a slice at `at`: max into maxAt, log Σ exp into sumAt; returns the positions of NaN max. */
function sliceStats(v: Views, at: number, rows: number, C: number, inner: number, wide: boolean, maxAt: number, sumAt: number): number {
  const { k } = v;
  if (inner === 1) (wide ? k.rowStatsF64 : k.rowStatsF32)(at, rows, C, maxAt, sumAt);
  else (wide ? k.stridedStatsF64 : k.stridedStatsF32)(at, rows, C, inner, maxAt, sumAt);
  return k.logSums(maxAt, sumAt, rows * inner);
}

/** Per-position losses of a block, a slice at a time, as views of the kernel's memory (valid during the call). */
export interface IndexLosses {
  /** -w_y log p_y of each position; 0 where ignored. */
  losses: Float64Array;
  /** w_y of each position (1 without class weights); 0 where ignored. */
  weights: Float64Array;
  /** The block's position of losses[0]. */
  first: number;
  /** How many positions are not ignored. */
  contributing: number;
}

/**
 * Class-index cross-entropy's loss of each position of `rows` rows of (C, inner) logits, with
 * the labels of those positions (ignoreIndex or a class, as checkedIndices leaves them) and
 * optional class weights: the stats as kernelRowStats makes them, and the losses from them, in
 * one call a slice (kernel/index-losses.ts).
 * A position the kernel leaves to the scalar path (NaN or ±inf among its values) gets
 * scalarLoss(position). Returns false when the kernel is off or C does not fit (the caller
 * computes the block itself).
 */
export function kernelIndexLosses(
  x: FloatArray,
  rows: number,
  C: number,
  inner: number,
  labels: Float64Array,
  weight: Float64Array | undefined,
  ignoreIndex: number,
  scalarLoss: (position: number) => number,
  visit: (part: IndexLosses) => void,
): boolean {
  const v = kernel();
  if (!v || C === 0) return false;
  const wide = !(x instanceof Float32Array);
  // region B: max, labels, class weights; region C: log-sums, losses, weights
  const most = Math.min(Math.floor(v.cap64 / 3), Math.floor((v.cap64 - C) / 2));
  if (most < 1 || C > (wide ? v.cap64 : 2 * v.cap64)) return false;
  const { k, f64 } = v;
  const [maxAt, labelsAt, weightsAt] = [v.b, v.b + 8 * most, v.b + 16 * most];
  const [sumAt, lossAt, weightOutAt] = [v.c, v.c + 8 * most, v.c + 16 * most];
  if (weight) f64.set(weight, weightsAt / 8);
  const counting = scanning?.x === x ? scanning : undefined;
  inSlices(v, x, rows, C, inner, most, (at, sliceRows, sliceInner, first) => {
    const count = sliceRows * sliceInner;
    if (counting) countSlice(v, counting, wide, at, C, inner, sliceInner, first, sliceRows * C * sliceInner);
    f64.set(labels.subarray(first, first + count), labelsAt / 8);
    const contributing = (wide ? k.indexLossesF64 : k.indexLossesF32)(at, sliceRows, C, sliceInner, labelsAt, weight ? weightsAt : 0, ignoreIndex, maxAt, sumAt, lossAt, weightOutAt);
    // checkedIndices lets no such label through
    if (contributing < 0) throw new Error('a label that is no class reached the kernel');
    const flagged = v.i32[v.scratch / 4 + 6];
    const losses = f64.subarray(lossAt / 8, lossAt / 8 + count);
    if (flagged > 0) {
      for (let i = 0; i < count; i++) {
        if (f64[maxAt / 8 + i] !== f64[maxAt / 8 + i] && labels[first + i] !== ignoreIndex) losses[i] = scalarLoss(first + i);
      }
    }
    visit({ losses, weights: f64.subarray(weightOutAt / 8, weightOutAt / 8 + count), first, contributing });
  });
  return true;
}

/**
 * Contiguous rows of more classes than a region holds, each in pieces: the max, then the sum
 * as kernelRowSum makes it (the bits of a whole row). Returns the positions left to the
 * scalar path, as kernelRowStats.
 */
function wideRowStats(v: Views, x: FloatArray, rows: number, C: number, out: StatsOut): number {
  const wide = !(x instanceof Float32Array);
  const cap = wide ? v.cap64 : 2 * v.cap64;
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
      const wide = !(piece instanceof Float32Array);
      const cap = wide ? v.cap64 : 2 * v.cap64;
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

/** An array whose NaN and ±inf the kernel counts on the copies a loss makes of it (kernelScanning). */
interface Scanning {
  x: FloatArray;
  found: Found;
  /** Values counted so far. */
  counted: number;
}

let scanning: Scanning | undefined;

/**
 * Calls `visit`, which hands x to a loss, while the kernel counts x's NaN and ±inf on the
 * copies that loss makes of it anyway (kernelIndexLosses copies each value once): no copy and
 * no pass of their own. Returns what was found (the first as an index into x), or undefined
 * when not every value was counted so (another loss, or the kernel off): the caller counts them.
 */
export function kernelScanning(x: FloatArray, visit: () => void): Found | undefined {
  const outer = scanning;
  const mine: Scanning = { x, found: { count: 0, first: -1 }, counted: 0 };
  scanning = mine;
  try {
    visit();
  } finally {
    scanning = outer;
  }
  return mine.counted === x.length ? mine.found : undefined;
}

/**
 * Counts the NaN and ±inf of a slice just copied to `at` (inSlices): `rows` whole batch rows
 * from position `first` when sliceInner is inner, else positions first .. first + sliceInner of
 * one batch row, class by class. The first in x's order is the smallest flat index: in a slice
 * of positions, the first class holding one holds it.
 */
function countSlice(v: Views, counting: Scanning, wide: boolean, at: number, C: number, inner: number, sliceInner: number, first: number, values: number): void {
  const scan = wide ? v.k.nonFiniteF64 : v.k.nonFiniteF32;
  counting.counted += values;
  const seen = scan(at, values);
  if (seen === 0) return;
  const firstAt = () => v.i32[v.scratch / 4];
  let index = first * C + firstAt();
  if (sliceInner !== inner) {
    const n = Math.floor(first / inner);
    const s = first - n * inner;
    let c = 0;
    while (scan(at + c * sliceInner * (wide ? 8 : 4), sliceInner) === 0) c++;
    index = (n * C + c) * inner + s + firstAt();
  }
  const { found } = counting;
  found.first = found.count === 0 ? index : Math.min(found.first, index);
  found.count += seen;
}

/** The non-finite values of x (kernel/scan.ts), or undefined when the kernel is off. */
export function kernelNonFinite(x: FloatArray): Found | undefined {
  return scan(x, (k, wide) => (wide ? k.nonFiniteF64 : k.nonFiniteF32));
}

/** The values of x below lo or above hi, NaN not counted (kernel/scan.ts); undefined when off. */
export function kernelOutside(x: FloatArray, lo: number, hi: number): Found | undefined {
  return scan(x, (k, wide) => (at, n) => (wide ? k.outsideF64 : k.outsideF32)(at, n, lo, hi));
}

/** A counting pass of the kernel over x, a region at a time: how many, and the first's index. */
function scan(x: FloatArray, fn: (k: KernelExports, wide: boolean) => (at: number, n: number) => number): Found | undefined {
  const v = kernel();
  if (!v) return undefined;
  const wide = !(x instanceof Float32Array);
  const cap = wide ? v.cap64 : 2 * v.cap64;
  const count = fn(v.k, wide);
  const found = { count: 0, first: -1 };
  for (let i = 0; i < x.length; i += cap) {
    const n = Math.min(cap, x.length - i);
    const seen = count(copyIn(v, x, i, i + n, v.a, wide), n);
    if (seen > 0 && found.count === 0) found.first = i + v.i32[v.scratch / 4];
    found.count += seen;
  }
  return found;
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
    copyIn(v, x, i, i + n, v.a, wide);
    copyIn(v, t, i, i + n, v.b, wide);
    const refused = call(v.a, v.b, n, v.c);
    if (typeof refused === 'number' && refused >= 0) return i + refused;
    visit(v.f64.subarray(v.c / 8, v.c / 8 + n), i);
  }
  return -1;
}

/** Unweighted bce-logits losses of a block (kernel/binary.ts); false when the kernel is off. */
export function kernelBceLogits(x: FloatArray, t: FloatArray, visit: (losses: Float64Array, first: number) => void): boolean {
  return elementwise(x, t, (v, wide) => (wide ? v.k.bceLogitsF64 : v.k.bceLogitsF32), visit) !== undefined;
}

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

/**
 * Adds xs into `state` with Neumaier's steps (kernel/sum.ts, the same as CompensatedSum.add);
 * returns the non-finite values among xs, or undefined when the kernel is off. xs in the
 * kernel's memory (losses it made) is summed where it is; anything else is copied in.
 */
export function kernelNeumaier(state: SumState, xs: Float64Array): Found | undefined {
  const v = kernel();
  if (!v) return undefined;
  const found = { count: 0, first: -1 };
  const inPlace = xs.buffer === v.f64.buffer;
  const sc = v.scratch / 8;
  for (let i = 0; i < xs.length; i += v.cap64) {
    const n = Math.min(v.cap64, xs.length - i);
    const at = inPlace ? xs.byteOffset + 8 * i : copyIn(v, xs, i, i + n, v.a, true);
    v.f64[sc] = state.s;
    v.f64[sc + 1] = state.c;
    const count = v.k.neumaier(at, n);
    state.s = v.f64[sc];
    state.c = v.f64[sc + 1];
    if (count > 0 && found.count === 0) found.first = i + v.i32[v.scratch / 4 + 4];
    found.count += count;
  }
  return found;
}

/** The kernel's exp and log of one value (for tests and the bench); undefined when off. */
export function kernelMath(): { exp(x: number): number; log(x: number): number } | undefined {
  return kernel()?.k;
}
