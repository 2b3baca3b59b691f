// Row stats of log_softmax: m = max_c x_c and s = Σ_c exp(x_c - m) for each row of a block,
// then log s (logSums); src/losses/log-softmax.ts derives the identity.
//
// A row whose max is NaN or ±inf (a NaN or +inf in it, or every value -inf) gets m = NaN,
// s = 0: the caller computes it with the scalar rowStats, which stays the reference. A -inf
// among finite values (or an x - m that overflows to -inf in float64) needs nothing: its term
// is below 2^-1021 here (exp.ts, subnormal false) and 0 in rowStats, lost in a sum >= 1 either way.
//
// The sum's order is fixed by the row alone, never by where a block starts: contiguous rows
// (inner = 1) as rowSumPiece says, whole or in pieces; strided rows (inner > 1) put positions
// side by side, each summing its classes in order, as the scalar loop does.
import { expV, exp1 } from './exp';
import { logV } from './log';
import { finite, load1, load2 } from './lanes';
import { ROW_SUM } from './memory';

const NEG_INF = -Infinity;

/** The max of the row's C values from `p` (contiguous): NaN if any is NaN, as Math.max. */
// @ts-ignore: decorator
@inline
function rowMax<T>(p: usize, C: i32): f64 {
  let mx: f64 = NEG_INF;
  let i = 0;
  if (sizeof<T>() == 4) {
    let v0 = f32x4.splat(<f32>NEG_INF);
    let v1 = f32x4.splat(<f32>NEG_INF);
    for (; i + 8 <= C; i += 8) {
      v0 = f32x4.max(v0, v128.load(p + (<usize>i << 2)));
      v1 = f32x4.max(v1, v128.load(p + (<usize>i << 2), 16));
    }
    v0 = f32x4.max(v0, v1);
    mx = <f64>max(max(f32x4.extract_lane(v0, 0), f32x4.extract_lane(v0, 1)), max(f32x4.extract_lane(v0, 2), f32x4.extract_lane(v0, 3)));
  } else {
    let v0 = f64x2.splat(NEG_INF);
    let v1 = f64x2.splat(NEG_INF);
    for (; i + 4 <= C; i += 4) {
      v0 = f64x2.max(v0, v128.load(p + (<usize>i << 3)));
      v1 = f64x2.max(v1, v128.load(p + (<usize>i << 3), 16));
    }
    v0 = f64x2.max(v0, v1);
    mx = max(f64x2.extract_lane(v0, 0), f64x2.extract_lane(v0, 1));
  }
  for (; i < C; i++) mx = max(mx, load1<T>(p + (<usize>i * sizeof<T>())));
  return mx;
}

/** The max of n values from p (a piece of a row wider than a region): NaN if any is NaN. */
export function pieceMax<T>(p: usize, n: i32): f64 {
  return rowMax<T>(p, n);
}

/** `rows` contiguous rows of C values at x: m into maxOut[n], s into sumOut[n]. */
export function rowStats<T>(x: usize, rows: i32, C: i32, maxOut: usize, sumOut: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  for (let n = 0; n < rows; n++) {
    const p = x + ((<usize>n * <usize>C) << shift);
    const m = rowMax<T>(p, C);
    if (!finite(m)) {
      store<f64>(maxOut + (<usize>n << 3), NaN);
      store<f64>(sumOut + (<usize>n << 3), 0);
      continue;
    }
    rowSumStart();
    rowSumPiece<T>(p, C, 0, C, m);
    store<f64>(sumOut + (<usize>n << 3), load<f64>(ROW_SUM, 32));
    store<f64>(maxOut + (<usize>n << 3), m);
  }
}

/**
 * `rows` rows of (C, inner) positions at x, a position's classes `stride` values apart (inner
 * for whole rows; more for a slice of positions of a longer row, read where it lies), rows
 * C·stride values apart: the stats of position (n, s) along the classes into
 * maxOut[n·inner + s] and sumOut[n·inner + s], positions side by side (eight of float32, then
 * four, two, one: each lane does the same operations, so a position's bits do not depend on
 * which). A group reads its positions' values of every class twice (the max, then the sums):
 * C cache lines, still in L1 for the second pass.
 */
export function stridedStats<T>(x: usize, rows: i32, C: i32, inner: i32, stride: i32, maxOut: usize, sumOut: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  for (let n = 0; n < rows; n++) {
    const out = (<usize>n * <usize>inner) << 3;
    stridedRange<T>(x + ((<usize>n * <usize>C * <usize>stride) << shift), C, stride, 0, inner, maxOut + out, sumOut + out);
  }
}

/**
 * Positions from .. to of one row at `row` whose classes are `inner` values apart: the stats
 * of position s into maxOut[s] and sumOut[s], as stridedStats computes them.
 * The max is taken by pmax (a < b ? b : a: one instruction, where max's NaN and ±0 rules take
 * several), which passes a NaN by: a NaN value then makes its exp and the sum NaN, and a
 * position whose sum is NaN is left to the scalar path as one whose max is NaN or ±inf is, so
 * the same positions are. A max of 0 may come out -0 where max's would be +0: x - (-0) is
 * x - (+0) for every x, so no loss changes.
 */
export function stridedRange<T>(row: usize, C: i32, inner: i32, from: i32, to: i32, maxOut: usize, sumOut: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  const stride = <usize>inner << shift;
  let s = from;
  if (sizeof<T>() == 4) {
    for (; s + 8 <= to; s += 8) oct(row + (<usize>s << shift), C, stride, maxOut + (<usize>s << 3), sumOut + (<usize>s << 3));
    for (; s + 4 <= to; s += 4) quad(row + (<usize>s << shift), C, stride, maxOut + (<usize>s << 3), sumOut + (<usize>s << 3));
  }
  for (; s + 2 <= to; s += 2) pair<T>(row + (<usize>s << shift), C, stride, maxOut + (<usize>s << 3), sumOut + (<usize>s << 3));
  if (s < to) {
    // the last position alone: a pair of it with itself, so it gets the bits of a lane
    single<T>(row + (<usize>s << shift), C, stride, maxOut + (<usize>s << 3), sumOut + (<usize>s << 3));
  }
}

// @ts-ignore: decorator
@inline
function pair<T>(p: usize, C: i32, stride: usize, maxOut: usize, sumOut: usize): void {
  let mx = f64x2.splat(NEG_INF);
  for (let c = 0, q = p; c < C; c++, q += stride) mx = f64x2.pmax(mx, load2<T>(q));
  let acc = f64x2.splat(0);
  for (let c = 0, q = p; c < C; c++, q += stride) acc = f64x2.add(acc, expV(f64x2.sub(load2<T>(q), mx), false));
  storeStats(maxOut, sumOut, mx, acc);
}

/** Four float32 positions: the max in f32x4, then two pairs; each lane as pair's. */
// @ts-ignore: decorator
@inline
function quad(p: usize, C: i32, stride: usize, maxOut: usize, sumOut: usize): void {
  let mx4 = f32x4.splat(<f32>NEG_INF);
  for (let c = 0, q = p; c < C; c++, q += stride) mx4 = f32x4.pmax(mx4, v128.load(q));
  const mx0 = f64x2.promote_low_f32x4(mx4);
  const mx1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(mx4, mx4, 2, 3, 0, 1));
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  for (let c = 0, q = p; c < C; c++, q += stride) {
    const v = v128.load(q);
    acc0 = f64x2.add(acc0, expV(f64x2.sub(f64x2.promote_low_f32x4(v), mx0), false));
    acc1 = f64x2.add(acc1, expV(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), mx1), false));
  }
  storeStats(maxOut, sumOut, mx0, acc0);
  storeStats(maxOut + 16, sumOut + 16, mx1, acc1);
}

/**
 * Eight float32 positions: quad's operations on two f32x4 at once, four sums in flight (a
 * whole cache line of each class per group, and more independent work between the loads).
 */
// @ts-ignore: decorator
@inline
function oct(p: usize, C: i32, stride: usize, maxOut: usize, sumOut: usize): void {
  let mxa = f32x4.splat(<f32>NEG_INF);
  let mxb = f32x4.splat(<f32>NEG_INF);
  for (let c = 0, q = p; c < C; c++, q += stride) {
    mxa = f32x4.pmax(mxa, v128.load(q));
    mxb = f32x4.pmax(mxb, v128.load(q, 16));
  }
  const mx0 = f64x2.promote_low_f32x4(mxa);
  const mx1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(mxa, mxa, 2, 3, 0, 1));
  const mx2 = f64x2.promote_low_f32x4(mxb);
  const mx3 = f64x2.promote_low_f32x4(v128.shuffle<f32>(mxb, mxb, 2, 3, 0, 1));
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let acc2 = f64x2.splat(0);
  let acc3 = f64x2.splat(0);
  for (let c = 0, q = p; c < C; c++, q += stride) {
    const a = v128.load(q);
    const b = v128.load(q, 16);
    acc0 = f64x2.add(acc0, expV(f64x2.sub(f64x2.promote_low_f32x4(a), mx0), false));
    acc1 = f64x2.add(acc1, expV(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 0, 1)), mx1), false));
    acc2 = f64x2.add(acc2, expV(f64x2.sub(f64x2.promote_low_f32x4(b), mx2), false));
    acc3 = f64x2.add(acc3, expV(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(b, b, 2, 3, 0, 1)), mx3), false));
  }
  storeStats(maxOut, sumOut, mx0, acc0);
  storeStats(maxOut + 16, sumOut + 16, mx1, acc1);
  storeStats(maxOut + 32, sumOut + 32, mx2, acc2);
  storeStats(maxOut + 48, sumOut + 48, mx3, acc3);
}

/** Two positions' max and sum; NaN and 0 where the max is not finite or the sum is NaN (see stridedRange). */
// @ts-ignore: decorator
@inline
function storeStats(maxOut: usize, sumOut: usize, mx: v128, acc: v128): void {
  const ok = v128.and(f64x2.eq(f64x2.sub(mx, mx), f64x2.splat(0)), f64x2.eq(acc, acc));
  v128.store(maxOut, v128.bitselect(mx, f64x2.splat(NaN), ok));
  v128.store(sumOut, v128.and(acc, ok));
}

// @ts-ignore: decorator
@inline
function single<T>(p: usize, C: i32, stride: usize, maxOut: usize, sumOut: usize): void {
  let mx = f64x2.splat(NEG_INF);
  for (let c = 0, q = p; c < C; c++, q += stride) mx = f64x2.pmax(mx, f64x2.splat(load1<T>(q)));
  let acc = f64x2.splat(0);
  for (let c = 0, q = p; c < C; c++, q += stride) acc = f64x2.add(acc, expV(f64x2.sub(f64x2.splat(load1<T>(q)), mx), false));
  const m = f64x2.extract_lane(mx, 0);
  const ok = finite(m) && f64x2.extract_lane(acc, 0) == f64x2.extract_lane(acc, 0);
  store<f64>(maxOut, ok ? m : NaN);
  store<f64>(sumOut, ok ? f64x2.extract_lane(acc, 0) : 0);
}

/**
 * The n sums at sumOut replaced by their logs (log.ts, within about 1.5 ulp), two at a time;
 * returns how many positions have a NaN max: those the caller computes on the scalar path.
 */
export function logSums(maxOut: usize, sumOut: usize, n: i32): i32 {
  let flagged = 0;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const at = <usize>i << 3;
    v128.store(sumOut + at, logV(v128.load(sumOut + at)));
    const mx = v128.load(maxOut + at);
    // a NaN lane's mask is -1
    flagged -= <i32>(i64x2.extract_lane(f64x2.ne(mx, mx), 0) + i64x2.extract_lane(f64x2.ne(mx, mx), 1));
  }
  if (i < n) {
    const at = <usize>i << 3;
    store<f64>(sumOut + at, f64x2.extract_lane(logV(f64x2.splat(load<f64>(sumOut + at))), 0));
    const m = load<f64>(maxOut + at);
    if (m != m) flagged++;
  }
  return flagged;
}

/** A new row's sum (rowSumPiece). */
export function rowSumStart(): void {
  v128.store(ROW_SUM, f64x2.splat(0));
  v128.store(ROW_SUM, f64x2.splat(0), 16);
  store<f64>(ROW_SUM, 0, 32);
}

/**
 * Adds exp(x_c - m) for the n classes c0 .. c0+n of a row of C classes, from p, to the row's
 * sum: each in lane c mod 4 for c < 4·floor(C/4), the lanes then joined as (l0 + l1) + (l2 + l3),
 * the rest added in order. A row given whole or in pieces (a row wider than a block) gets the
 * same bits: each lane adds its classes in increasing order either way. After the piece
 * holding the last class, s is at ROW_SUM + 32.
 */
export function rowSumPiece<T>(p: usize, n: i32, c0: i32, C: i32, m: f64): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  const body = C & ~3;
  const M = f64x2.splat(m);
  let acc0 = v128.load(ROW_SUM);
  let acc1 = v128.load(ROW_SUM, 16);
  let s = load<f64>(ROW_SUM, 32);
  let i = 0;
  // a piece may start inside a group of 4: its first classes one by one, each into its lane
  for (; i < n && ((c0 + i) & 3) != 0 && c0 + i < body; i++) {
    const e = exp1(load1<T>(p + (<usize>i << shift)) - m, false);
    const lane = (c0 + i) & 3;
    if (lane == 1) acc0 = f64x2.replace_lane(acc0, 1, f64x2.extract_lane(acc0, 1) + e);
    else if (lane == 2) acc1 = f64x2.replace_lane(acc1, 0, f64x2.extract_lane(acc1, 0) + e);
    else acc1 = f64x2.replace_lane(acc1, 1, f64x2.extract_lane(acc1, 1) + e);
  }
  for (; i + 4 <= n && c0 + i + 4 <= body; i += 4) {
    const q = p + (<usize>i << shift);
    if (sizeof<T>() == 4) {
      const v = v128.load(q);
      acc0 = f64x2.add(acc0, expV(f64x2.sub(f64x2.promote_low_f32x4(v), M), false));
      acc1 = f64x2.add(acc1, expV(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), M), false));
    } else {
      acc0 = f64x2.add(acc0, expV(f64x2.sub(v128.load(q), M), false));
      acc1 = f64x2.add(acc1, expV(f64x2.sub(v128.load(q, 16), M), false));
    }
  }
  // a piece may end inside a group of 4
  for (; i < n && c0 + i < body; i++) {
    const e = exp1(load1<T>(p + (<usize>i << shift)) - m, false);
    const lane = (c0 + i) & 3;
    if (lane == 0) acc0 = f64x2.replace_lane(acc0, 0, f64x2.extract_lane(acc0, 0) + e);
    else if (lane == 1) acc0 = f64x2.replace_lane(acc0, 1, f64x2.extract_lane(acc0, 1) + e);
    else if (lane == 2) acc1 = f64x2.replace_lane(acc1, 0, f64x2.extract_lane(acc1, 0) + e);
    else acc1 = f64x2.replace_lane(acc1, 1, f64x2.extract_lane(acc1, 1) + e);
  }
  for (; i < n; i++) {
    if (c0 + i == body) s = joined(acc0, acc1);
    s += exp1(load1<T>(p + (<usize>i << shift)) - m, false);
  }
  if (c0 + n == C && body == C) s = joined(acc0, acc1);
  v128.store(ROW_SUM, acc0);
  v128.store(ROW_SUM, acc1, 16);
  store<f64>(ROW_SUM, s, 32);
}

// @ts-ignore: decorator
@inline
function joined(acc0: v128, acc1: v128): f64 {
  return f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1) + (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
}
