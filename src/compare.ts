/**
 * `compare`: two arrays elementwise with torch.isclose's rule (see checks.ts), and the
 * statistics a reviewer wants when they do not match. Two integer arrays (int64 and uint64
 * included) are compared as integers, exactly; any float on either side compares in float64.
 *
 * Both arrays are read side by side in blocks, in one pass that keeps O(1) state: counts, maxima,
 * the sum, the first mismatches. The median |a - b| is exact: up to `medianValues` differences
 * are kept and sorted in that pass; beyond that the arrays are read again, a few times at most,
 * to select it (median.ts). Memory is a few blocks whatever the size of the arrays.
 */
import { isClose, isCloseInteger, type Tolerance } from './checks.js';
import { MedianSelection } from './median.js';
import { asFloats, numel, sameShape, type FloatArray, type Storage, type Tensor } from './tensor.js';
import { asValues, readTogether, type Values } from './values.js';

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

export interface CompareSettings {
  /** How many mismatches to list, the first in flat order (10). */
  keep?: number;
  /** How many differences the median may keep in memory before it reads the arrays again (2^21: 16 MB). */
  medianValues?: number;
}

/** One element pair: close or not, and how far apart (NaN when a value is NaN). */
interface Pair {
  close: boolean;
  absDiff: number;
  relDiff: number;
}

export function compareArrays(a: Tensor | Values, b: Tensor | Values, tol: Tolerance, settings: CompareSettings = {}): Comparison {
  const [x, y] = [asValues(a), asValues(b)];
  if (!sameShape(x.shape, y.shape)) return differentShapes(x.shape, y.shape);
  const n = numel(x.shape);
  const tally = () => new Tally(new MedianSelection(n, settings.medianValues ?? 1 << 21), settings.keep ?? 10);
  const sides = [integerSide(x), integerSide(y)];
  const integral = sides[0] && sides[1] ? ([sides[0], sides[1]] as const) : undefined;
  // text of integers is compared as integers only if it turns out so: both ways until then
  let ints = integral && tally();
  const floats = integral && !integral[0].text && !integral[1].text ? undefined : tally();
  readTogether([x, y], 1, ([da, db], first) => {
    if (floats) floatBlock(asFloats(da), asFloats(db), first, floats, tol);
    if (ints && !integerBlock(da, db, first, integral!, ints, tol)) ints = undefined;
  });
  // as torch.tensor takes Python ints: text is integers when some are beyond what float64 holds
  if (ints && integral!.some((s) => s.text && !s.beyondFloat64)) ints = undefined;
  const chosen = ints ?? floats!;
  chosen.refining = true;
  while (!chosen.median.endPass()) {
    readTogether([x, y], 1, ([da, db], first) => {
      if (ints) integerBlock(da, db, first, integral!, ints, tol);
      else floatBlock(asFloats(da), asFloats(db), first, chosen, tol);
    });
  }
  return chosen.result(n);
}

function differentShapes(a: number[], b: number[]): Comparison {
  return {
    ok: false,
    shapes: { a, b },
    count: 0,
    mismatches: 0,
    maxAbsDiff: NaN,
    maxRelDiff: NaN,
    meanAbsDiff: NaN,
    medianAbsDiff: NaN,
    firstMismatches: [],
  };
}

/** The statistics of one way of comparing (as floats, or as integers), fed pair by pair. */
class Tally {
  mismatches = 0;
  counted = 0;
  maxAbs = 0;
  maxRel = 0;
  sumAbs = 0;
  readonly first: Mismatch[] = [];
  /** Set after the first pass: the pairs are fed again for the median only. */
  refining = false;

  constructor(
    readonly median: MedianSelection,
    private readonly keep: number,
  ) {}

  add(index: number, p: Pair, a: number | bigint, b: number | bigint): void {
    if (this.refining) {
      if (!Number.isNaN(p.absDiff)) this.median.add(p.absDiff);
      return;
    }
    if (!p.close) {
      this.mismatches++;
      if (this.first.length < this.keep) this.first.push({ index, a: exact(a), b: exact(b), absDiff: p.absDiff });
    }
    if (!Number.isNaN(p.absDiff)) {
      this.counted++;
      this.maxAbs = Math.max(this.maxAbs, p.absDiff);
      this.maxRel = Math.max(this.maxRel, p.relDiff);
      this.sumAbs += p.absDiff;
      this.median.add(p.absDiff);
    }
  }

  result(count: number): Comparison {
    const counted = this.counted;
    return {
      ok: this.mismatches === 0,
      count,
      mismatches: this.mismatches,
      maxAbsDiff: counted ? this.maxAbs : NaN,
      maxRelDiff: counted ? this.maxRel : NaN,
      meanAbsDiff: counted ? this.sumAbs / counted : NaN,
      medianAbsDiff: this.median.value,
      firstMismatches: this.first,
    };
  }
}

function floatBlock(x: FloatArray, y: FloatArray, first: number, tally: Tally, tol: Tolerance): void {
  const p: Pair = { close: false, absDiff: 0, relDiff: 0 };
  for (let i = 0; i < x.length; i++) {
    floatPair(x[i], y[i], tol, p);
    tally.add(first + i, p, x[i], y[i]);
  }
}

/** Relative to the reference b, as in isClose; equal values (0 vs 0, inf vs inf) do not differ. */
function floatPair(x: number, y: number, tol: Tolerance, p: Pair): void {
  const absDiff = x === y ? 0 : Math.abs(x - y);
  p.close = isClose(x, y, tol);
  p.absDiff = absDiff;
  p.relDiff = absDiff === 0 ? 0 : absDiff === Infinity ? Infinity : absDiff / Math.abs(y);
}

/**
 * One operand's values as integers: an integer dtype, or text (CSV, JSON, read as float64)
 * that may turn out to be integers; undefined for any other float.
 */
interface IntegerSide {
  text: boolean;
  written?: (index: number) => string | undefined;
  /** Text only: whether a value was written beyond 2^53, which float64 cannot hold. */
  beyondFloat64: boolean;
}

function integerSide(v: Values): IntegerSide | undefined {
  const float = v.dtype.startsWith('float') || v.dtype === 'bfloat16';
  if (float && v.written === undefined) return undefined;
  return { text: float, written: v.written, beyondFloat64: false };
}

/** A block compared as integers; false when a text operand has a value that is not an integer. */
function integerBlock(da: Storage, db: Storage, first: number, sides: readonly [IntegerSide, IntegerSide], tally: Tally, tol: Tolerance): boolean {
  const p: Pair = { close: false, absDiff: 0, relDiff: 0 };
  for (let i = 0; i < da.length; i++) {
    const x = integerAt(da[i], first + i, sides[0]);
    const y = integerAt(db[i], first + i, sides[1]);
    if (x === undefined || y === undefined) return false;
    integerPair(x, y, tol, p);
    tally.add(first + i, p, x, y);
  }
  return true;
}

/** A text value beyond 2^53 is taken as written (torch.tensor of a Python int); undefined when not an integer. */
function integerAt(v: number | bigint, index: number, side: IntegerSide): number | bigint | undefined {
  if (!side.text) return v;
  if (!Number.isInteger(v)) return undefined;
  if (Number.isSafeInteger(v)) return v;
  const written = side.written!(index);
  if (written === undefined) return BigInt(v);
  side.beyondFloat64 = true;
  return BigInt(written);
}

/** Integers, exact: |a - b| is rounded once, at the end. */
function integerPair(a: number | bigint, b: number | bigint, tol: Tolerance, p: Pair): void {
  if (a === b) {
    p.close = true;
    p.absDiff = p.relDiff = 0;
    return;
  }
  const [x, y] = [BigInt(a), BigInt(b)];
  const d = x > y ? x - y : y - x;
  p.close = isCloseInteger(x, y, tol);
  p.absDiff = Number(d);
  p.relDiff = d === 0n ? 0 : p.absDiff / Math.abs(Number(y));
}

/** A value as shown: a bigint only where a number would round it. */
function exact(v: number | bigint): number | bigint {
  return typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}
