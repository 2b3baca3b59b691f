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

/**
 * isClose's rule on integers, exactly: |a - b| <= atol + rtol·|b| with the tolerances' exact
 * float64 values, at any magnitude. (torch.isclose converts integers to floats for the
 * tolerance part, which loses differences beyond 2^53; equality it checks exactly too.)
 */
export function isCloseInteger(a: bigint, b: bigint, tol: Tolerance): boolean {
  if (a === b) return true;
  const d = a > b ? a - b : b - a;
  const absB = b < 0n ? -b : b;
  const [am, ae] = dyadic(tol.atol);
  const [rm, re] = dyadic(tol.rtol);
  // scale everything by 2^k so that both tolerances are integers
  const k = Math.max(0, -ae, -re);
  return d << BigInt(k) <= (am << BigInt(ae + k)) + (rm << BigInt(re + k)) * absB;
}

/** A finite float64 >= 0 as m·2^e, m and e integers: its exact value. */
function dyadic(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? [fraction, -1074] : [fraction | (1n << 52n), biased - 1075];
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
  /** Why a failed check may be expected (the two ways legitimately differ on this data). */
  note?: string;
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
