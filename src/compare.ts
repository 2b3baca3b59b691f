/**
 * `compare`: two arrays elementwise with torch.allclose's rule (see checks.ts), and the
 * statistics a reviewer wants when they do not match.
 */
import { isClose, type Tolerance } from './checks.js';
import { sameShape, toFloat64, type Tensor } from './tensor.js';

export interface Mismatch {
  index: number;
  a: number;
  b: number;
  absDiff: number;
}

export interface Comparison {
  ok: boolean;
  /** Set when the shapes differ: nothing else is compared then. */
  shapes?: { a: number[]; b: number[] };
  count: number;
  mismatches: number;
  /** Statistics over the elements where both values are finite (absent when there are none). */
  maxAbsDiff: number;
  maxRelDiff: number;
  meanAbsDiff: number;
  medianAbsDiff: number;
  firstMismatches: Mismatch[];
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
  const x = toFloat64(a);
  const y = toFloat64(b);
  const diffs = new Float64Array(x.length);
  let finite = 0;
  let mismatches = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let sumAbs = 0;
  const first: Mismatch[] = [];
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (!isClose(x[i], y[i], tol)) {
      mismatches++;
      if (first.length < keep) first.push({ index: i, a: x[i], b: y[i], absDiff: d });
    }
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      diffs[finite++] = d;
      maxAbs = Math.max(maxAbs, d);
      sumAbs += d;
      // relative to the reference b, as in isClose; 0 vs 0 is no difference
      if (d > 0) maxRel = Math.max(maxRel, d / Math.abs(y[i]));
    }
  }
  const sorted = diffs.subarray(0, finite).sort();
  const median = finite === 0 ? NaN : finite % 2 ? sorted[(finite - 1) / 2] : (sorted[finite / 2 - 1] + sorted[finite / 2]) / 2;
  return {
    ok: mismatches === 0,
    count: x.length,
    mismatches,
    maxAbsDiff: finite ? maxAbs : NaN,
    maxRelDiff: finite ? maxRel : NaN,
    meanAbsDiff: finite ? sumAbs / finite : NaN,
    medianAbsDiff: median,
    firstMismatches: first,
  };
}
