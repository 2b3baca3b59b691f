/**
 * `compare`: two arrays elementwise with torch.isclose's rule (see checks.ts), and the
 * statistics a reviewer wants when they do not match. Two integer arrays (int64 and uint64
 * included) are compared as integers, exactly; any float on either side compares in float64.
 */
import { isClose, isCloseInteger, type Tolerance } from './checks.js';
import { sameShape, toFloat64, type Storage, type Tensor } from './tensor.js';

export interface Mismatch {
  index: number;
  /** Both values; integers beyond 2^53 stay exact as bigint. */
  a: number | bigint;
  b: number | bigint;
  absDiff: number;
}

export interface Comparison {
  ok: boolean;
  /** Set when the shapes differ: nothing else is compared then. */
  shapes?: { a: number[]; b: number[] };
  count: number;
  mismatches: number;
  /**
   * Statistics over the elements where neither value is NaN (NaN when there are none): equal
   * values differ by 0, an infinity against anything else by inf (relative too).
   */
  maxAbsDiff: number;
  maxRelDiff: number;
  meanAbsDiff: number;
  medianAbsDiff: number;
  firstMismatches: Mismatch[];
}

/** One element pair: close or not, and how far apart (NaN when a value is NaN). */
interface Pair {
  close: boolean;
  absDiff: number;
  relDiff: number;
}

export function compareArrays(a: Tensor, b: Tensor, tol: Tolerance, keep = 10): Comparison {
  if (!sameShape(a.shape, b.shape)) {
    return {
      ok: false,
      shapes: { a: a.shape, b: b.shape },
      count: 0,
      mismatches: 0,
      maxAbsDiff: NaN,
      maxRelDiff: NaN,
      meanAbsDiff: NaN,
      medianAbsDiff: NaN,
      firstMismatches: [],
    };
  }
  const [ia, ib] = [integers(a), integers(b)];
  const ints = ia !== undefined && ib !== undefined;
  const x = ints ? ia : toFloat64(a);
  const y = ints ? ib : toFloat64(b);
  const pair = ints ? integerPair : floatPair;
  const n = x.length;
  const diffs = new Float64Array(n);
  let counted = 0;
  let mismatches = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let sumAbs = 0;
  const first: Mismatch[] = [];
  for (let i = 0; i < n; i++) {
    const p = pair(x[i], y[i], tol);
    if (!p.close) {
      mismatches++;
      if (first.length < keep) first.push({ index: i, a: exact(x[i]), b: exact(y[i]), absDiff: p.absDiff });
    }
    if (!Number.isNaN(p.absDiff)) {
      diffs[counted++] = p.absDiff;
      maxAbs = Math.max(maxAbs, p.absDiff);
      maxRel = Math.max(maxRel, p.relDiff);
      sumAbs += p.absDiff;
    }
  }
  const sorted = diffs.subarray(0, counted).sort();
  const median = counted === 0 ? NaN : counted % 2 ? sorted[(counted - 1) / 2] : (sorted[counted / 2 - 1] + sorted[counted / 2]) / 2;
  return {
    ok: mismatches === 0,
    count: n,
    mismatches,
    maxAbsDiff: counted ? maxAbs : NaN,
    maxRelDiff: counted ? maxRel : NaN,
    meanAbsDiff: counted ? sumAbs / counted : NaN,
    medianAbsDiff: median,
    firstMismatches: first,
  };
}

/** Relative to the reference b, as in isClose; equal values (0 vs 0, inf vs inf) do not differ. */
function floatPair(a: number | bigint, b: number | bigint, tol: Tolerance): Pair {
  const [x, y] = [a as number, b as number];
  const absDiff = x === y ? 0 : Math.abs(x - y);
  const relDiff = absDiff === 0 ? 0 : absDiff === Infinity ? Infinity : absDiff / Math.abs(y);
  return { close: isClose(x, y, tol), absDiff, relDiff };
}

/** Integers, exact: |a - b| is rounded once, at the end. */
function integerPair(a: number | bigint, b: number | bigint, tol: Tolerance): Pair {
  const [x, y] = [BigInt(a), BigInt(b)];
  const d = x > y ? x - y : y - x;
  const absDiff = Number(d);
  return { close: isCloseInteger(x, y, tol), absDiff, relDiff: d === 0n ? 0 : absDiff / Math.abs(Number(y)) };
}

/**
 * The values as integers, when they are: an integer dtype, or text (CSV, JSON) whose cells are
 * all integers and some beyond 2^53, which float64 cannot hold: those are taken as written, as
 * torch.tensor takes a list of Python ints. Otherwise undefined (compared in float64).
 */
function integers(t: Tensor): Storage | bigint[] | undefined {
  const { data, written } = t;
  if (!(data instanceof Float64Array || data instanceof Float32Array)) return data;
  if (written === undefined || !data.every(Number.isInteger)) return undefined;
  return Array.from(data, (v, i) => BigInt(written(i) ?? v));
}

/** A value as shown: a bigint only where a number would round it. */
function exact(v: number | bigint): number | bigint {
  return typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}
