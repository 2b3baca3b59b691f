/**
 * The stable log-sum-exp, shared by every loss on raw logits.
 *
 *   log Σ_c exp(x_c) = m + log Σ_c exp(x_c - m),   m = max_c x_c
 *
 * Each exp argument is <= 0, so nothing overflows, and the largest term is exactly
 * exp(0) = 1, so the log's argument is >= 1 and nothing underflows to log(0). As PyTorch
 * does, log_softmax(x)_c is formed as (x_c - m) - log Σ exp(x_c - m), not x_c - lse, so a
 * confident row's tiny loss comes out bit-for-bit the way PyTorch rounds it.
 * A NaN anywhere in the row makes the row NaN (Math.max propagates it).
 *
 * blockStats computes the stats of a whole block in the WebAssembly kernel when it runs
 * (src/kernel/, kernel/row-stats.ts: exp within 0.52 ulp, sums in lanes fixed by the row, log
 * within about 1.5 ulp), and
 * rowStats, the reference, for rows holding NaN or ±inf and when the kernel is off.
 */
import { kernelRowStats } from '../kernel/index.js';
import { asFloats, classLayout, type FloatArray, type Tensor } from '../tensor.js';
import type { Values } from '../values.js';

export interface RowStats {
  /** m = max_c x_c */
  max: number;
  /** log Σ_c exp(x_c - m) */
  logSum: number;
}

/** Stats of the row of `classes` values starting at `base`, `stride` apart. */
export function rowStats(x: FloatArray, base: number, classes: number, stride: number, out: RowStats): RowStats {
  let m = -Infinity;
  for (let c = 0, i = base; c < classes; c++, i += stride) m = Math.max(m, x[i]);
  let s = 0;
  for (let c = 0, i = base; c < classes; c++, i += stride) s += Math.exp(x[i] - m);
  out.max = m;
  out.logSum = Math.log(s);
  return out;
}

/** The stats of every position (n·inner + s) of a block, in arrays reused from block to block. */
export class BlockStats {
  max = new Float64Array(0);
  logSum = new Float64Array(0);

  /** Room for `positions` positions. */
  fit(positions: number): void {
    if (this.max.length < positions) {
      this.max = new Float64Array(positions);
      this.logSum = new Float64Array(positions);
    }
  }
}

/** How a loss gets its block's stats: blockStats on logits, asGivenStats on log-probabilities. */
export type StatsOf = (x: FloatArray, rows: number, classes: number, inner: number, out: BlockStats) => void;

/** rowStats of every position of `rows` rows of (C, inner) values, by the kernel when it runs. */
export function blockStats(x: FloatArray, rows: number, classes: number, inner: number, out: BlockStats): void {
  const positions = rows * inner;
  out.fit(positions);
  // the kernel leaves a NaN max where a position holds NaN or ±inf: those are rowStats' to do
  const left = kernelRowStats(x, rows, classes, inner, out);
  if (left === 0) return;
  const st: RowStats = { max: 0, logSum: 0 };
  for (let k = 0; k < positions; k++) {
    if (left > 0 && out.max[k] === out.max[k]) continue;
    const n = Math.floor(k / inner);
    rowStats(x, n * classes * inner + (k - n * inner), classes, inner, st);
    out.max[k] = st.max;
    out.logSum[k] = st.logSum;
  }
}

/** Stats that leave x as it is: x_c - 0 - 0 = x_c, exactly (log-probabilities as given). */
export function asGivenStats(_x: FloatArray, rows: number, _classes: number, inner: number, out: BlockStats): void {
  out.fit(rows * inner);
  out.max.fill(0, 0, rows * inner);
  out.logSum.fill(0, 0, rows * inner);
}

/** log_softmax over the class dim of `rows` rows of (C, inner) values, into a new array. */
export function logSoftmaxRows(x: FloatArray, rows: number, classes: number, inner: number): Float64Array {
  const out = new Float64Array(rows * classes * inner);
  const st = new BlockStats();
  blockStats(x, rows, classes, inner, st);
  for (let n = 0; n < rows; n++) {
    for (let s = 0; s < inner; s++) {
      const base = n * classes * inner + s;
      const k = n * inner + s;
      for (let c = 0, i = base; c < classes; c++, i += inner) out[i] = x[i] - st.max[k] - st.logSum[k];
    }
  }
  return out;
}

/** F.log_softmax(input, dim) over the class dim (PyTorch's, 0 for (C) and 1 otherwise, unless given), in float64. */
export function logSoftmax(input: Tensor, classDim?: number): Tensor {
  const { outer, classes, inner } = classLayout(input.shape, classDim);
  const data = logSoftmaxRows(asFloats(input.data), outer, classes, inner);
  return { data, shape: [...input.shape], dtype: 'float64' };
}

/**
 * log_softmax applied to each block as it is read: F.nll_loss(F.log_softmax(x, 1), y) over a
 * file without holding log_softmax(x) whole. Readers must ask for whole rows (C x inner values).
 */
export function logSoftmaxValues(v: Values, classDim?: number): Values {
  const { classes, inner } = classLayout(v.shape, classDim);
  const row = classes * inner;
  return {
    shape: v.shape,
    dtype: 'float64',
    read(unit, start, end, visit) {
      v.read(unit, start, end, (d, first, count) => visit(logSoftmaxRows(asFloats(d), (count * unit) / row, classes, inner), first, count));
    },
  };
}
