/**
 * The one definition of "close", and the checks built on it: --expect, --reference and the
 * equivalences that `check` proves on the user's data.
 */
export interface Tolerance {
  rtol: number;
  atol: number;
  /** NaN equals NaN only when set (torch.allclose's equal_nan). */
  equalNan?: boolean;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-8 };

/**
 * torch.isclose: |a - b| <= atol + rtol·|b|, with b the reference. An infinity is close
 * only to the same infinity; NaN only to NaN, and only with equalNan.
 */
export function isClose(a: number, b: number, tol: Tolerance): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Boolean(tol.equalNan) && Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);
}

/** One compared pair: both values (for arrays: at the worst element) and how far apart. */
export interface Check {
  name: string;
  a: number;
  b: number;
  /** |a - b| (for arrays: the largest over the elements; NaN when a value is NaN). */
  diff: number;
  ok: boolean;
  /** For arrays: the flat index of the reported element. */
  index?: number;
}

/** Compare a result with a reference, elementwise for arrays. Sizes must already match. */
export function compareValues(name: string, a: number | Float64Array, b: number | Float64Array, tol: Tolerance): Check {
  if (typeof a === 'number' && typeof b === 'number') {
    return { name, a, b, diff: Math.abs(a - b), ok: isClose(a, b, tol) };
  }
  const xs = typeof a === 'number' ? Float64Array.of(a) : a;
  const ys = typeof b === 'number' ? Float64Array.of(b) : b;
  // report the first element that is not close, else the one farthest apart
  let worst = 0;
  let worstDiff = -1;
  for (let i = 0; i < xs.length; i++) {
    if (!isClose(xs[i], ys[i], tol)) {
      return { name, a: xs[i], b: ys[i], diff: Math.abs(xs[i] - ys[i]), ok: false, index: i };
    }
    const d = Math.abs(xs[i] - ys[i]);
    if (d > worstDiff) {
      worstDiff = d;
      worst = i;
    }
  }
  return { name, a: xs[worst] ?? NaN, b: ys[worst] ?? NaN, diff: Math.max(worstDiff, 0), ok: true, index: worst };
}
