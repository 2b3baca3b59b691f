/**
 * A block of rows of (C, inner) values into the kernel's region A a slice at a time, and the
 * row stats of a slice (kernel/row-stats.ts, the logs by kernel/log.ts).
 */
import type { FloatArray } from '../tensor.js';
import { copyIn, copyTo, inKernel, isWide, regionValues, type Views } from './views.js';

/**
 * A slice of a block where the kernel reads it: `rows` rows of `inner` positions each from byte
 * `at`, the block's positions first .. first + rows·inner, a position's classes `stride` values
 * apart and rows C·stride apart; `stride` is 0 for contiguous rows (the block's inner is 1),
 * which the kernel sums in their own order (kernel/row-stats.ts rowStats).
 */
export type Slice = (at: number, rows: number, inner: number, first: number, stride: number) => void;

/**
 * Positions of a slice read where it lies, at most: a call of the kernel on 8192 positions of
 * 21 classes takes about 0.4 ms. V8 runs a WebAssembly function's first calls on its baseline
 * code (Liftoff, about 3 times slower here) and its optimized code only from a call that starts
 * after that code is ready: a segmentation row of 65,536 positions in one call took 13 ms
 * instead of 4.5 the first time, and 9 the second.
 */
const IN_PLACE_POSITIONS = 8192;

/**
 * The block's values a slice at a time (at most `most` positions each): whole batch rows when
 * one fits region A; else `inner` positions of every class at a time, as a (1, C, inner) slice,
 * where the block lies when it is in the kernel's memory (a read region), else copied to
 * region A class by class. C must fit a region.
 */
export function inSlices(v: Views, x: FloatArray, rows: number, C: number, inner: number, most: number, each: Slice): void {
  const wide = isWide(x);
  const cap = regionValues(v, wide);
  const row = C * inner;
  const contiguous = inner === 1 ? 0 : inner;
  if (row <= cap && inner <= most) {
    const per = Math.min(Math.floor(cap / row), Math.floor(most / inner));
    for (let n = 0; n < rows; n += per) {
      const count = Math.min(per, rows - n);
      each(copyIn(v, x, n * row, (n + count) * row, v.a, wide), count, inner, n * inner, contiguous);
    }
    return;
  }
  const size = wide ? 8 : 4;
  const inPlace = inKernel(v, x, wide);
  const per = inPlace ? Math.min(most, IN_PLACE_POSITIONS) : Math.min(Math.floor(cap / C), most);
  for (let n = 0; n < rows; n++) {
    for (let s = 0; s < inner; s += per) {
      const count = Math.min(per, inner - s);
      if (inPlace) {
        each(x.byteOffset + (n * row + s) * size, 1, count, n * inner + s, contiguous);
        continue;
      }
      for (let c = 0; c < C; c++) {
        const from = n * row + c * inner + s;
        copyTo(v, x, from, from + count, v.a + c * count * size, wide);
      }
      each(v.a, 1, count, n * inner + s, inner === 1 ? 0 : count);
    }
  }
}

/** The stats of a slice (inSlices) at `at`: max into maxAt, log Σ exp into sumAt; returns the positions of NaN max. */
export function sliceStats(v: Views, at: number, rows: number, C: number, inner: number, stride: number, wide: boolean, maxAt: number, sumAt: number): number {
  const { k } = v;
  if (stride === 0) (wide ? k.rowStatsF64 : k.rowStatsF32)(at, rows, C, maxAt, sumAt);
  else (wide ? k.stridedStatsF64 : k.stridedStatsF32)(at, rows, C, inner, stride, maxAt, sumAt);
  return k.logSums(maxAt, sumAt, rows * inner);
}
