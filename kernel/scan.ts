// Counting passes: how many of n values are NaN or ±inf, and, when asked in the same pass, how
// many lie outside [lo, hi], with the first one's index. x - x is 0 for a finite x and NaN
// otherwise, so a group of values is finite when the sum of their (x - x) is 0 in every lane:
// 7 operations and one test per 16 float32 values; a range takes two comparisons a vector.
// Only a group that holds one is looked at value by value. And a check of uint8 class labels.
import { SCRATCH } from './memory';
import { finite, load1 } from './lanes';

/** What a pass counts. */
const NON_FINITE = 1;
const RANGE = 2;

/** NaN or ±inf among n values; the first index goes to SCRATCH (an i32), -1 when there is none. */
export function nonFinite<T>(x: usize, n: i32): i32 {
  return count<T>(x, n, NON_FINITE, 0, 0);
}

/**
 * nonFinite, and in the same pass the values below lo or above hi (NaN is neither, ±inf may
 * be): their count goes to SCRATCH + 8 (an i32), the first one's index to SCRATCH + 4.
 */
export function nonFiniteOutside<T>(x: usize, n: i32, lo: f64, hi: f64): i32 {
  return count<T>(x, n, NON_FINITE | RANGE, lo, hi);
}

// @ts-ignore: decorator
@inline
function count<T>(x: usize, n: i32, what: i32, lo: f64, hi: f64): i32 {
  const size = sizeof<T>();
  const group = sizeof<T>() == 4 ? 16 : 8;
  let count = 0;
  let first = -1;
  let out = 0;
  let outFirst = -1;
  let i = 0;
  for (; i + group <= n; i += group) {
    const p = x + <usize>i * size;
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const c = v128.load(p, 32);
    const d = v128.load(p, 48);
    const seen = ((what & NON_FINITE) != 0 && nonFiniteHit<T>(a, b, c, d)) || ((what & RANGE) != 0 && rangeHit<T>(a, b, c, d, lo, hi));
    if (!seen) continue;
    for (let k = i; k < i + group; k++) {
      const v = load1<T>(x + <usize>k * size);
      if ((what & NON_FINITE) != 0 && !finite(v) && count++ == 0) first = k;
      if ((what & RANGE) != 0 && (v < lo || v > hi) && out++ == 0) outFirst = k;
    }
  }
  for (; i < n; i++) {
    const v = load1<T>(x + <usize>i * size);
    if ((what & NON_FINITE) != 0 && !finite(v) && count++ == 0) first = i;
    if ((what & RANGE) != 0 && (v < lo || v > hi) && out++ == 0) outFirst = i;
  }
  store<i32>(SCRATCH, first);
  store<i32>(SCRATCH, outFirst, 4);
  store<i32>(SCRATCH, out, 8);
  return count;
}

/** Whether any of the four vectors holds NaN or ±inf. */
// @ts-ignore: decorator
@inline
function nonFiniteHit<T>(a: v128, b: v128, c: v128, d: v128): bool {
  if (sizeof<T>() == 4) {
    const z = f32x4.add(f32x4.add(f32x4.sub(a, a), f32x4.sub(b, b)), f32x4.add(f32x4.sub(c, c), f32x4.sub(d, d)));
    return v128.any_true(f32x4.ne(z, z));
  }
  const z = f64x2.add(f64x2.add(f64x2.sub(a, a), f64x2.sub(b, b)), f64x2.add(f64x2.sub(c, c), f64x2.sub(d, d)));
  return v128.any_true(f64x2.ne(z, z));
}

/** Whether any of the four vectors holds a value below lo or above hi. */
// @ts-ignore: decorator
@inline
function rangeHit<T>(a: v128, b: v128, c: v128, d: v128, lo: f64, hi: f64): bool {
  if (sizeof<T>() == 4) {
    const L = f32x4.splat(<f32>lo);
    const H = f32x4.splat(<f32>hi);
    const ab = v128.or(v128.or(f32x4.lt(a, L), f32x4.gt(a, H)), v128.or(f32x4.lt(b, L), f32x4.gt(b, H)));
    const cd = v128.or(v128.or(f32x4.lt(c, L), f32x4.gt(c, H)), v128.or(f32x4.lt(d, L), f32x4.gt(d, H)));
    return v128.any_true(v128.or(ab, cd));
  }
  const L = f64x2.splat(lo);
  const H = f64x2.splat(hi);
  const ab = v128.or(v128.or(f64x2.lt(a, L), f64x2.gt(a, H)), v128.or(f64x2.lt(b, L), f64x2.gt(b, H)));
  const cd = v128.or(v128.or(f64x2.lt(c, L), f64x2.gt(c, H)), v128.or(f64x2.lt(d, L), f64x2.gt(d, H)));
  return v128.any_true(v128.or(ab, cd));
}

/** classLabelsU8's flags: every label is ignore or a class; one is not ignore; one not ignored is 0. */
const VALID = 1;
const CONTRIBUTING = 2;
const ZERO = 4;

/**
 * n uint8 class labels at p against C classes and ignore_index `ignore` (a value no uint8 equals
 * when it is outside [0, 255]): VALID when each is `ignore` or below C, CONTRIBUTING when one
 * is not `ignore`, ZERO when one of those is 0. Sixteen labels a vector.
 */
export function classLabelsU8(p: usize, n: i32, C: i32, ignore: i32): i32 {
  const fits = ignore >= 0 && ignore <= 255;
  const ign = i8x16.splat(<i8>(fits ? ignore : 0));
  const top = i8x16.splat(<i8>min(C, 255));
  const all = C > 255;
  let bad = i8x16.splat(0);
  let kept = i8x16.splat(0);
  let zero = i8x16.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(p + <usize>i);
    const ignored = fits ? i8x16.eq(v, ign) : i8x16.splat(0);
    const ok = all ? i8x16.splat(-1) : i8x16.lt_u(v, top);
    bad = v128.or(bad, v128.andnot(v128.not(ok), ignored));
    kept = v128.or(kept, v128.not(ignored));
    zero = v128.or(zero, v128.andnot(i8x16.eq(v, i8x16.splat(0)), ignored));
  }
  let flags = (v128.any_true(bad) ? 0 : VALID) | (v128.any_true(kept) ? CONTRIBUTING : 0) | (v128.any_true(zero) ? ZERO : 0);
  for (; i < n; i++) {
    const t = <i32>load<u8>(p + <usize>i);
    if (t == ignore) continue;
    flags |= CONTRIBUTING;
    if (t >= C) flags &= ~VALID;
    if (t == 0) flags |= ZERO;
  }
  return flags;
}
