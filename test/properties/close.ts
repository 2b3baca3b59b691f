/**
 * The one comparison the property tests use (src/checks.ts's isClose, elementwise) and the
 * error models that set its tolerances. Each tolerance is a bound derived below, not a
 * number widened until green: u = 2^-53 is float64's unit roundoff, a correctly rounded
 * operation errs by at most u relative; exp, log and log1p are taken as within 1 ulp (2u).
 */
import { isClose, type Tolerance } from '../../src/checks.js';
import type { PerSample, Reduction } from '../../src/losses/reduce.js';

export const U = 2 ** -53;

/** Bitwise equality (NaN = NaN): for results that read exactly the same numbers in the same order. */
export const EXACT: Tolerance = { rtol: 0, atol: 0, equalNan: true };

/** Throws, naming the first element that is not close, so fast-check reports it with the counterexample. */
/** A loss as the kernels give it: a number, or the unreduced losses (in memory in tests). */
type Loss = number | Float64Array | PerSample | undefined;

function asArray(v: Loss): number | Float64Array {
  if (v === undefined) throw new Error('no unreduced losses');
  return typeof v === 'number' || v instanceof Float64Array ? v : v.toArray();
}

export function expectClose(actual: Loss, expected: Loss, tol: Tolerance, what: string): void {
  [actual, expected] = [asArray(actual), asArray(expected)];
  if (typeof actual !== typeof expected) throw new Error(`${what}: ${String(actual)} vs ${String(expected)}`);
  const a = typeof actual === 'number' ? [actual] : actual;
  const b = typeof expected === 'number' ? [expected] : expected;
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} values, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!isClose(a[i], b[i], tol)) {
      const allowed = tol.atol + tol.rtol * Math.abs(b[i]);
      throw new Error(`${what}: [${i}] ${a[i]} vs ${b[i]}: |diff| ${Math.abs(a[i] - b[i])} > ${allowed}`);
    }
  }
}

export function maxAbs(...arrays: Float64Array[]): number {
  let m = 0;
  for (const xs of arrays) for (const v of xs) m = Math.max(m, Math.abs(v));
  return m;
}

export function sumAbs(xs: Float64Array): number {
  let s = 0;
  for (const v of xs) s += Math.abs(v);
  return s;
}

/**
 * Two evaluations of log_softmax-based cross-entropy (fused vs materialised, shifted vs not,
 * indices vs one-hot, weights of 1 vs none). With m = max_c x_c, |x| <= B, C classes:
 *   -log p_y = (m - x_y) + log Σ_c exp(x_c - m),   both addends >= 0 (no cancellation).
 * - x_c - m (and, for a shifted input, the rounding of x_c + k itself) errs by <= 4uB absolute;
 *   that moves each exp by a relative 4uB, so log Σ by an absolute 4uB; together <= 8uB.
 * - The C exps (2u each) and C - 1 additions put Σ off by (3C)u relative, log Σ by 3Cu
 *   absolute, and log's own rounding adds 2u·log C <= 4u: <= (3C + 4)u.
 * - What is left is relative to the loss: the final subtractions, the weight product, label
 *   smoothing's C-term sum and (1-ε), (ε/C) products: <= (C + 8)u <= 14u per evaluation.
 * Weights (Σ of class weights the element uses <= wmax) scale the absolute part. Two
 * evaluations, rounded to: rtol = 32u, atol per element = wmax·u·(16B + 8C + 8).
 * sum adds `count` of those (compensated summation adds only ~2u relative); mean divides
 * that by Σ w_y >= count·wmin.
 */
export function ceTolerance(reduction: Reduction, m: { B: number; C: number; count: number; wmax?: number; wmin?: number }): Tolerance {
  const wmax = m.wmax ?? 1;
  const wmin = m.wmin ?? 1;
  const elem = wmax * U * (16 * m.B + 8 * m.C + 8);
  const atol = reduction === 'none' ? elem : reduction === 'sum' ? m.count * elem : elem / wmin;
  return { rtol: 32 * U, atol, equalNan: true };
}

/**
 * bce-with-logits against another evaluation (the two-class cross-entropy, or itself with
 * weights of 1). l = w·[(1 - t)x - (1 + (p - 1)t)·log σ(x)], log σ(x) = min(x, 0) - log1p(e^-|x|).
 * For x << 0 the two terms are each ~|x| and cancel to ~e^x: the error is absolute, ~u|x|, not
 * relative to the loss. Per unit weight: log σ errs by <= 3u(|x| + 1), times 1 + (p-1)t <= pmax;
 * (1 - t)x by 2u|x|; the final subtraction by u(1 + pmax)(|x| + 1): <= (1 + pmax)·u·(6B + 6).
 * The two-class cross-entropy on [0, x] (C = 2) adds 8uB + 14u (see ceTolerance) and its
 * rounded target 1 - t another u(B + 1). Rounded up: atol per element
 * wmax·(1 + pmax)·u·(16B + 32), rtol 32u; sum adds `count` of those, mean (Σ l / numel) none.
 */
export function bceTolerance(reduction: Reduction, m: { B: number; count: number; wmax?: number; pmax?: number }): Tolerance {
  const elem = (m.wmax ?? 1) * (1 + (m.pmax ?? 1)) * U * (16 * m.B + 32);
  return { rtol: 32 * U, atol: reduction === 'sum' ? m.count * elem : elem, equalNan: true };
}

/**
 * A reduction recomputed in the test from the unreduced losses l_1..l_n by a naive loop,
 * against the library's compensated one. A naive sum errs by <= (n - 1)u·Σ|l|, the
 * compensated one by <= 2u|Σ l| + O(nu²)Σ|l|: sum within (n + 2)u·Σ|l|. A mean divides two
 * such sums (the denominators are sums of weights >= 0, each off by <= (n + 2)u relative) and
 * rounds once more: within (2n + 6)u·Σ|l| / denominator.
 */
export function reductionTolerance(reduction: 'sum' | 'mean', losses: Float64Array, denominator: number): Tolerance {
  const n = losses.length;
  const atol = reduction === 'sum' ? (n + 2) * U * sumAbs(losses) : ((2 * n + 6) * U * sumAbs(losses)) / denominator;
  return { rtol: 0, atol, equalNan: true };
}

/**
 * Shards merged vs one run: both reduce the same losses with compensated sums, the merge in two
 * stages (each shard, then the shards' sums). Each stage errs by <= 2u|Σ| + O(nu²)Σ|l|, so the
 * two sums differ by <= 6u·Σ|l|: atol 8u·Σ|l| (divided by Σ w for mean); the mean's
 * denominators (sums of weights >= 0) add 2·4u relative, its division u: rtol 16u.
 */
export function mergeTolerance(perSample: Loss, denominator = 1): Tolerance {
  return { rtol: 16 * U, atol: (8 * U * sumAbs(asArray(perSample) as Float64Array)) / denominator, equalNan: true };
}
