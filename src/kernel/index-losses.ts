/**
 * Class-index cross-entropy's loss of each position in the kernel (kernel/index-losses.ts),
 * and the non-finite scan of the logits (scanning.ts) on the slices it reads.
 */
import type { FloatArray } from '../tensor.js';
import { inSlices } from './slices.js';
import { scannedPart, type Scanning } from './scanning.js';
import { isWide, kernel, regionValues, type Views } from './views.js';

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
  /** Whether every weight is 1 or 0 (no class weights). */
  unitWeights: boolean;
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
  const wide = isWide(x);
  // region B: max, labels, class weights; region C: log-sums, losses, weights
  const most = Math.min(Math.floor(v.cap64 / 3), Math.floor((v.cap64 - C) / 2));
  if (most < 1 || C > regionValues(v, wide)) return false;
  const { k, f64 } = v;
  const [maxAt, labelsAt, weightsAt] = [v.b, v.b + 8 * most, v.b + 16 * most];
  const [sumAt, lossAt, weightOutAt] = [v.c, v.c + 8 * most, v.c + 16 * most];
  if (weight) f64.set(weight, weightsAt / 8);
  // x's NaN and ±inf counted on the slices the kernel reads (when x is scanned whole, without a range)
  const part = scannedPart(x);
  const counting = part && part.offset === 0 && part.scan.x.length === x.length && !part.scan.range ? part.scan : undefined;
  inSlices(v, x, rows, C, inner, most, (at, sliceRows, sliceInner, first, stride) => {
    const count = sliceRows * sliceInner;
    if (counting) countSlice(v, counting, wide, at, C, inner, sliceInner, first, stride, count * C);
    f64.set(labels.subarray(first, first + count), labelsAt / 8);
    const contributing = (wide ? k.indexLossesF64 : k.indexLossesF32)(at, sliceRows, C, sliceInner, stride, labelsAt, weight ? weightsAt : 0, ignoreIndex, maxAt, sumAt, lossAt, weightOutAt);
    // checkedIndices lets no such label through
    if (contributing < 0) throw new Error('a label that is no class reached the kernel');
    const flagged = v.i32[v.scratch / 4 + 6];
    const losses = f64.subarray(lossAt / 8, lossAt / 8 + count);
    if (flagged > 0) {
      for (let i = 0; i < count; i++) {
        if (f64[maxAt / 8 + i] !== f64[maxAt / 8 + i] && labels[first + i] !== ignoreIndex) losses[i] = scalarLoss(first + i);
      }
    }
    visit({ losses, weights: f64.subarray(weightOutAt / 8, weightOutAt / 8 + count), first, contributing, unitWeights: !weight });
  });
  return true;
}

/**
 * Counts the NaN and ±inf of a slice (inSlices) at `at`: `rows` whole batch rows from position
 * `first` when sliceInner is inner; else positions first .. first + sliceInner of one batch
 * row, class by class when they were copied (stride sliceInner), or, when the slices lie where
 * the block does (stride inner), the whole batch row at its first slice and nothing at the
 * others. The first in x's order is the smallest flat index: in a slice of positions, the
 * first class holding one holds it.
 */
function countSlice(v: Views, counting: Scanning, wide: boolean, at: number, C: number, inner: number, sliceInner: number, first: number, stride: number, values: number): void {
  const scan = wide ? v.k.nonFiniteF64 : v.k.nonFiniteF32;
  const n = Math.floor(first / inner);
  const s = first - n * inner;
  const copied = sliceInner === inner || stride === sliceInner;
  if (!copied && s !== 0) return;
  const counted = copied ? values : C * inner;
  counting.counted += counted;
  const seen = scan(at, counted);
  if (seen === 0) return;
  const firstAt = () => v.i32[v.scratch / 4];
  let index = first * C + firstAt();
  if (copied && sliceInner !== inner) {
    let c = 0;
    while (scan(at + c * sliceInner * (wide ? 8 : 4), sliceInner) === 0) c++;
    index = (n * C + c) * inner + s + firstAt();
  }
  const { found } = counting;
  found.first = found.count === 0 ? index : Math.min(found.first, index);
  found.count += seen;
}
