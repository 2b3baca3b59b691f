// Row stats of log_softmax: m = max_c x_c and s = Σ_c exp(x_c - m) (the caller takes log s)
// for each row of a block (see src/losses/log-softmax.ts for the identity).
//
// A row holding NaN or ±inf gets m = NaN, s = 0: the caller computes it with the scalar
// rowStats, which stays the reference. A row is finite when max - min is (a NaN makes both
// NaN; an infinity makes the span infinite or NaN); rows of float64 spanning more than the
// largest double also go to the scalar path, which is only slower.
//
// The sum's order is fixed by the row alone, never by where a block starts: contiguous rows
// (inner = 1) as rowSumPiece says, whole or in pieces; strided rows (inner > 1) put positions
// side by side, each summing its classes in order, as the scalar loop does.
import { expV, exp1 } from './exp';
import { finite, load1, load2 } from './lanes';
import { ROW_SUM } from './memory';

const NEG_INF = -Infinity;
const POS_INF = Infinity;

/** Max and min of the row's C values from `p` (contiguous). */
// @ts-ignore: decorator
@inline
function extremes<T>(p: usize, C: i32): v128 {
  let mx: f64 = NEG_INF;
  let mn: f64 = POS_INF;
  let i = 0;
  if (sizeof<T>() == 4) {
    let vmx = f32x4.splat(<f32>NEG_INF);
    let vmn = f32x4.splat(<f32>POS_INF);
    for (; i + 4 <= C; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      vmx = f32x4.max(vmx, v);
      vmn = f32x4.min(vmn, v);
    }
    mx = <f64>max(max(f32x4.extract_lane(vmx, 0), f32x4.extract_lane(vmx, 1)), max(f32x4.extract_lane(vmx, 2), f32x4.extract_lane(vmx, 3)));
    mn = <f64>min(min(f32x4.extract_lane(vmn, 0), f32x4.extract_lane(vmn, 1)), min(f32x4.extract_lane(vmn, 2), f32x4.extract_lane(vmn, 3)));
  } else {
    let vmx = f64x2.splat(NEG_INF);
    let vmn = f64x2.splat(POS_INF);
    for (; i + 2 <= C; i += 2) {
      const v = v128.load(p + (<usize>i << 3));
      vmx = f64x2.max(vmx, v);
      vmn = f64x2.min(vmn, v);
    }
    mx = max(f64x2.extract_lane(vmx, 0), f64x2.extract_lane(vmx, 1));
    mn = min(f64x2.extract_lane(vmn, 0), f64x2.extract_lane(vmn, 1));
  }
  for (; i < C; i++) {
    const v = load1<T>(p + (<usize>i * sizeof<T>()));
    mx = max(mx, v);
    mn = min(mn, v);
  }
  return f64x2.replace_lane(f64x2.splat(mx), 1, mn);
}

/** `rows` contiguous rows of C values at x: m into maxOut[n], s into sumOut[n]. */
export function rowStats<T>(x: usize, rows: i32, C: i32, maxOut: usize, sumOut: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  for (let n = 0; n < rows; n++) {
    const p = x + ((<usize>n * <usize>C) << shift);
    const ends = extremes<T>(p, C);
    const m = f64x2.extract_lane(ends, 0);
    if (!finite(m - f64x2.extract_lane(ends, 1))) {
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
 * `rows` rows of (C, inner) values at x: the stats of position (n, s) along the classes into
 * maxOut[n·inner + s] and sumOut[n·inner + s], two positions side by side.
 */
export function stridedStats<T>(x: usize, rows: i32, C: i32, inner: i32, maxOut: usize, sumOut: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  const stride = <usize>inner << shift;
  for (let n = 0; n < rows; n++) {
    const row = x + ((<usize>n * <usize>C * <usize>inner) << shift);
    const out = <usize>n * <usize>inner;
    let s = 0;
    for (; s + 2 <= inner; s += 2) pair<T>(row + (<usize>s << shift), C, stride, maxOut + ((out + s) << 3), sumOut + ((out + s) << 3));
    if (s < inner) {
      // the last position alone: a pair of it with itself, so it gets the bits of a lane
      single<T>(row + (<usize>s << shift), C, stride, maxOut + ((out + s) << 3), sumOut + ((out + s) << 3));
    }
  }
}

// @ts-ignore: decorator
@inline
function pair<T>(p: usize, C: i32, stride: usize, maxOut: usize, sumOut: usize): void {
  let mx = f64x2.splat(NEG_INF);
  let mn = f64x2.splat(POS_INF);
  for (let c = 0, q = p; c < C; c++, q += stride) {
    const v = load2<T>(q);
    mx = f64x2.max(mx, v);
    mn = f64x2.min(mn, v);
  }
  let acc = f64x2.splat(0);
  for (let c = 0, q = p; c < C; c++, q += stride) acc = f64x2.add(acc, expV(f64x2.sub(load2<T>(q), mx)));
  const span = f64x2.sub(mx, mn);
  const ok = f64x2.eq(f64x2.sub(span, span), f64x2.splat(0));
  v128.store(maxOut, v128.bitselect(mx, f64x2.splat(NaN), ok));
  v128.store(sumOut, v128.and(acc, ok));
}

// @ts-ignore: decorator
@inline
function single<T>(p: usize, C: i32, stride: usize, maxOut: usize, sumOut: usize): void {
  let mx = f64x2.splat(NEG_INF);
  let mn = f64x2.splat(POS_INF);
  for (let c = 0, q = p; c < C; c++, q += stride) {
    const v = f64x2.splat(load1<T>(q));
    mx = f64x2.max(mx, v);
    mn = f64x2.min(mn, v);
  }
  let acc = f64x2.splat(0);
  for (let c = 0, q = p; c < C; c++, q += stride) acc = f64x2.add(acc, expV(f64x2.sub(f64x2.splat(load1<T>(q)), mx)));
  const m = f64x2.extract_lane(mx, 0);
  const ok = finite(m - f64x2.extract_lane(mn, 0));
  store<f64>(maxOut, ok ? m : NaN);
  store<f64>(sumOut, ok ? f64x2.extract_lane(acc, 0) : 0);
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
    const e = exp1(load1<T>(p + (<usize>i << shift)) - m);
    const lane = (c0 + i) & 3;
    if (lane == 1) acc0 = f64x2.replace_lane(acc0, 1, f64x2.extract_lane(acc0, 1) + e);
    else if (lane == 2) acc1 = f64x2.replace_lane(acc1, 0, f64x2.extract_lane(acc1, 0) + e);
    else acc1 = f64x2.replace_lane(acc1, 1, f64x2.extract_lane(acc1, 1) + e);
  }
  for (; i + 4 <= n && c0 + i + 4 <= body; i += 4) {
    const q = p + (<usize>i << shift);
    if (sizeof<T>() == 4) {
      const v = v128.load(q);
      acc0 = f64x2.add(acc0, expV(f64x2.sub(f64x2.promote_low_f32x4(v), M)));
      acc1 = f64x2.add(acc1, expV(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), M)));
    } else {
      acc0 = f64x2.add(acc0, expV(f64x2.sub(v128.load(q), M)));
      acc1 = f64x2.add(acc1, expV(f64x2.sub(v128.load(q, 16), M)));
    }
  }
  // a piece may end inside a group of 4
  for (; i < n && c0 + i < body; i++) {
    const e = exp1(load1<T>(p + (<usize>i << shift)) - m);
    const lane = (c0 + i) & 3;
    if (lane == 0) acc0 = f64x2.replace_lane(acc0, 0, f64x2.extract_lane(acc0, 0) + e);
    else if (lane == 1) acc0 = f64x2.replace_lane(acc0, 1, f64x2.extract_lane(acc0, 1) + e);
    else if (lane == 2) acc1 = f64x2.replace_lane(acc1, 0, f64x2.extract_lane(acc1, 0) + e);
    else acc1 = f64x2.replace_lane(acc1, 1, f64x2.extract_lane(acc1, 1) + e);
  }
  for (; i < n; i++) {
    if (c0 + i == body) s = joined(acc0, acc1);
    s += exp1(load1<T>(p + (<usize>i << shift)) - m);
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
