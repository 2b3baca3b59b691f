/**
 * The one definition of "close", and the checks built on it: --expect, --reference and the
 * equivalences that `check` proves on the user's data.
 */
import { asFloats, numel } from './tensor.js';
import { inMemory, readTogether, type Values } from './values.js';

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

/**
 * Compare a result with a reference, elementwise for arrays, which are read side by side in
 * blocks (a run's unreduced losses may be larger than memory). Sizes must already match.
 */
export function compareValues(name: string, a: number | Float64Array | Values, b: number | Float64Array | Values, tol: Tolerance): Check {
  if (typeof a === 'number' && typeof b === 'number') {
    return { name, a, b, diff: Math.abs(a - b), ok: isClose(a, b, tol) };
  }
  const array = (data: Float64Array): Values => inMemory({ data, shape: [data.length], dtype: 'float64' });
  const flat = (v: number | Float64Array | Values, n: number): Values =>
    reshaped(typeof v === 'number' ? array(Float64Array.of(v)) : v instanceof Float64Array ? array(v) : v, n);
  const n = typeof a === 'number' ? 1 : a instanceof Float64Array ? a.length : numel(a.shape);
  // report the first element that is not close, else the one farthest apart
  let worst = { a: NaN, b: NaN, diff: -1, index: 0 };
  let failed: Check | undefined;
  readTogether([flat(a, n), flat(b, n)], 1, ([xb, yb], first, count) => {
    if (failed) return;
    const xs = asFloats(xb);
    const ys = asFloats(yb);
    for (let k = 0; k < count; k++) {
      const [x, y] = [xs[k], ys[k]];
      if (!isClose(x, y, tol)) {
        failed = { name, a: x, b: y, diff: Math.abs(x - y), ok: false, index: first + k };
        return;
      }
      const d = Math.abs(x - y);
      if (d > worst.diff) worst = { a: x, b: y, diff: d, index: first + k };
    }
  });
  return failed ?? { name, a: worst.a, b: worst.b, diff: Math.max(worst.diff, 0), ok: true, index: worst.index };
}

/** `v`'s values read flat (n of them), whatever its shape. */
function reshaped(v: Values, n: number): Values {
  return { shape: [n], dtype: v.dtype, read: (unit, start, end, visit) => v.read(unit, start, end, visit) };
}
