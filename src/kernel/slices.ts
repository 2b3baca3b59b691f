/**
 * A block of rows of (C, inner) values into the kernel's region A a slice at a time, and the
 * row stats of a slice (kernel/row-stats.ts, the logs by kernel/log.ts).
 */
import type { FloatArray } from '../tensor.js';
import { copyIn, copyTo, isWide, regionValues, type Views } from './views.js';

/**
 * The block's values a slice at a time into region A, each slice `rows` rows of (C, inner)
 * values whose positions are the block's first .. first + rows·inner (at most `most`): whole
 * batch rows when one fits, else `inner` positions of every class at a time, as a (1, C, inner)
 * slice. C must fit a region.
 */
export function inSlices(
  v: Views,
  x: FloatArray,
  rows: number,
  C: number,
  inner: number,
  most: number,
  each: (at: number, rows: number, inner: number, first: number) => void,
): void {
  const wide = isWide(x);
  const cap = regionValues(v, wide);
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
        copyTo(v, x, from, from + count, v.a + c * count * (wide ? 8 : 4), wide);
      }
      each(v.a, 1, count, n * inner + s);
    }
  }
}

/** The stats of a slice at `at`: max into maxAt, log Σ exp into sumAt; returns the positions of NaN max. */
export function sliceStats(v: Views, at: number, rows: number, C: number, inner: number, wide: boolean, maxAt: number, sumAt: number): number {
  const { k } = v;
  if (inner === 1) (wide ? k.rowStatsF64 : k.rowStatsF32)(at, rows, C, maxAt, sumAt);
  else (wide ? k.stridedStatsF64 : k.stridedStatsF32)(at, rows, C, inner, maxAt, sumAt);
  return k.logSums(maxAt, sumAt, rows * inner);
}
