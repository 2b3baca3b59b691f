// Two Neumaier compensated sums side by side, continuing their state at LANE_SUMS: value i of
// a piece goes to lane (lane + i) % 2, with the same operations, in the same order, as
// CompensatedSum.add (src/losses/reduce.ts: the error of each addition by TwoSum, no branch)
// on that lane, so a chunk's sums have the same bits whichever adds them and wherever its
// pieces start. Two lanes take turns, so one addition need not wait for the one before (a
// single chain of additions costs an addition's latency a value, about 1 ns). The values are
// given (sumLanes), or computed on the way as losses (binary.ts), so that they need not be
// stored and read again. Once a sum is NaN or ±inf its compensation means nothing, and no
// result uses it (CompensatedSum.value, flushInto).
import { LANE_SUMS, SCRATCH, TARGET_BOUNDS } from './memory';
import { finite, load1, load2 } from './lanes';
import { bceLogitsV } from './binary';

/** What the values are: float64 values given at x, or the bce-logits losses of x and t. */
export const GIVEN = 0;
export const BCE_LOGITS = 1;

/** Targets i and i + 1 of the losses (0 for given values). */
// @ts-ignore: decorator
@inline
function targets<T>(kind: i32, t: usize, i: i32): v128 {
  return kind == GIVEN ? f64x2.splat(0) : load2<T>(t + <usize>i * sizeof<T>());
}

/** Values i and i + 1 (lanes 0 and 1 when i is even), the losses' targets tv. */
// @ts-ignore: decorator
@inline
function pair<T>(kind: i32, x: usize, tv: v128, i: i32): v128 {
  if (kind == GIVEN) return v128.load(x + (<usize>i << 3));
  return bceLogitsV(load2<T>(x + <usize>i * sizeof<T>()), tv);
}

/** Value i, with the operations of a lane (lane 0 of a splat), the loss's target tv in both lanes. */
// @ts-ignore: decorator
@inline
function one<T>(kind: i32, x: usize, tv: v128, i: i32): f64 {
  if (kind == GIVEN) return load<f64>(x + (<usize>i << 3));
  return f64x2.extract_lane(bceLogitsV(f64x2.splat(load1<T>(x + <usize>i * sizeof<T>())), tv), 0);
}

/** Target i in both lanes (0 for given values). */
// @ts-ignore: decorator
@inline
function target1<T>(kind: i32, t: usize, i: i32): v128 {
  return kind == GIVEN ? f64x2.splat(0) : f64x2.splat(load1<T>(t + <usize>i * sizeof<T>()));
}

/** The error of s + v rounded to u, in each lane: (s - (u - z)) + (v - z), z = u - s (TwoSum, as CompensatedSum.add). */
// @ts-ignore: decorator
@inline
function compensation(s: v128, v: v128, u: v128): v128 {
  const z = f64x2.sub(u, s);
  return f64x2.add(f64x2.sub(s, f64x2.sub(u, z)), f64x2.sub(v, z));
}

/**
 * Adds n values of the `kind` (of x, and t for losses) into the lanes, the first into lane
 * `lane`, storing each at `out` too unless out is 0. Returns how many are NaN or ±inf, the first one's index at
 * SCRATCH + 16 (an i32) and value at SCRATCH + 24 (an f64): counted in a second pass over the
 * piece, made only when a lane's sum is not finite at the end (a NaN or ±inf value makes its
 * lane's sum so, for good). For losses, the least and the greatest target go to TARGET_BOUNDS
 * (by pmin and pmax, which pass a NaN by: a NaN target makes a NaN loss, counted above).
 */
// @ts-ignore: decorator
@inline
export function addLanes<T>(kind: i32, x: usize, t: usize, n: i32, lane: i32, out: usize): i32 {
  let s = v128.load(LANE_SUMS);
  let c = v128.load(LANE_SUMS, 16);
  let lo = f64x2.splat(Infinity);
  let hi = f64x2.splat(-Infinity);
  let i = 0;
  // a value alone in its lane (the piece's first, in lane 1, or its last, in lane 0): the other
  // lane adds +0, which leaves its sum and compensation as they are (neither is ever -0)
  if (lane == 1 && n > 0) {
    const tv = target1<T>(kind, t, 0);
    lo = f64x2.pmin(lo, tv);
    hi = f64x2.pmax(hi, tv);
    const l = one<T>(kind, x, tv, 0);
    if (out) store<f64>(out, l);
    const v = f64x2.replace_lane(f64x2.splat(0), 1, l);
    const u = f64x2.add(s, v);
    c = f64x2.add(c, compensation(s, v, u));
    s = u;
    i = 1;
  }
  // two pairs a turn, for the work of one to overlap the other's
  for (; i + 4 <= n; i += 4) {
    const tv = targets<T>(kind, t, i);
    const tw = targets<T>(kind, t, i + 2);
    const v = pair<T>(kind, x, tv, i);
    const w = pair<T>(kind, x, tw, i + 2);
    if (kind != GIVEN) {
      lo = f64x2.pmin(lo, f64x2.pmin(tv, tw));
      hi = f64x2.pmax(hi, f64x2.pmax(tv, tw));
    }
    if (out) {
      v128.store(out + (<usize>i << 3), v);
      v128.store(out + (<usize>i << 3), w, 16);
    }
    const u = f64x2.add(s, v);
    c = f64x2.add(c, compensation(s, v, u));
    s = f64x2.add(u, w);
    c = f64x2.add(c, compensation(u, w, s));
  }
  if (i + 2 <= n) {
    const tv = targets<T>(kind, t, i);
    lo = f64x2.pmin(lo, tv);
    hi = f64x2.pmax(hi, tv);
    const v = pair<T>(kind, x, tv, i);
    if (out) v128.store(out + (<usize>i << 3), v);
    const u = f64x2.add(s, v);
    c = f64x2.add(c, compensation(s, v, u));
    s = u;
    i += 2;
  }
  if (i < n) {
    const tv = target1<T>(kind, t, i);
    lo = f64x2.pmin(lo, tv);
    hi = f64x2.pmax(hi, tv);
    const l = one<T>(kind, x, tv, i);
    if (out) store<f64>(out + (<usize>i << 3), l);
    const v = f64x2.replace_lane(f64x2.splat(0), 0, l);
    const u = f64x2.add(s, v);
    c = f64x2.add(c, compensation(s, v, u));
    s = u;
  }
  v128.store(LANE_SUMS, s);
  v128.store(LANE_SUMS, c, 16);
  if (kind != GIVEN) {
    store<f64>(TARGET_BOUNDS, min(f64x2.extract_lane(lo, 0), f64x2.extract_lane(lo, 1)));
    store<f64>(TARGET_BOUNDS, max(f64x2.extract_lane(hi, 0), f64x2.extract_lane(hi, 1)), 8);
  }
  // NaN or ±inf values make their lane's sum so for good: only then are they looked for
  let count = 0;
  let first = -1;
  let firstValue: f64 = 0;
  if (!finite(f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1))) {
    for (let k = 0; k < n; k++) {
      const l = one<T>(kind, x, target1<T>(kind, t, k), k);
      if (!finite(l) && count++ == 0) {
        first = k;
        firstValue = l;
      }
    }
  }
  store<i32>(SCRATCH, first, 16);
  store<f64>(SCRATCH, firstValue, 24);
  return count;
}

/** Adds n float64 values at x into the lanes, the first into lane `lane` (addLanes). */
export function sumLanes(x: usize, n: i32, lane: i32): i32 {
  return addLanes<f64>(GIVEN, x, 0, n, lane, 0);
}
