// The non-finite scan: how many of n values are NaN or ±inf, and the first one's index.
// x - x is 0 for a finite x and NaN otherwise, so a group of 16 values is finite when the
// sum of their (x - x) is 0 in every lane: 7 operations and one test per 16 float32 values.
import { SCRATCH } from './memory';
import { finite, load1 } from './lanes';

/** Returns the count; the first index goes to SCRATCH (an i32), -1 when there is none. */
export function nonFinite<T>(x: usize, n: i32): i32 {
  const size = sizeof<T>();
  const group = sizeof<T>() == 4 ? 16 : 8;
  let count = 0;
  let first = -1;
  let i = 0;
  for (; i + group <= n; i += group) {
    const p = x + <usize>i * size;
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const c = v128.load(p, 32);
    const d = v128.load(p, 48);
    let z: v128;
    if (sizeof<T>() == 4) {
      z = f32x4.add(f32x4.add(f32x4.sub(a, a), f32x4.sub(b, b)), f32x4.add(f32x4.sub(c, c), f32x4.sub(d, d)));
      if (!v128.any_true(f32x4.ne(z, z))) continue;
    } else {
      z = f64x2.add(f64x2.add(f64x2.sub(a, a), f64x2.sub(b, b)), f64x2.add(f64x2.sub(c, c), f64x2.sub(d, d)));
      if (!v128.any_true(f64x2.ne(z, z))) continue;
    }
    for (let k = i; k < i + group; k++) {
      if (!finite(load1<T>(x + <usize>k * size))) {
        if (count++ == 0) first = k;
      }
    }
  }
  for (; i < n; i++) {
    if (!finite(load1<T>(x + <usize>i * size))) {
      if (count++ == 0) first = i;
    }
  }
  store<i32>(SCRATCH, first);
  return count;
}

/**
 * How many of n values are below lo or above hi (NaN is neither), the first one's index to
 * SCRATCH (an i32), -1 when there is none: 16 float32 or 8 float64 values tested at once.
 */
export function outside<T>(x: usize, n: i32, lo: f64, hi: f64): i32 {
  const size = sizeof<T>();
  const group = sizeof<T>() == 4 ? 16 : 8;
  let count = 0;
  let first = -1;
  let i = 0;
  for (; i + group <= n; i += group) {
    const p = x + <usize>i * size;
    let out: v128;
    if (sizeof<T>() == 4) {
      const L = f32x4.splat(<f32>lo);
      const H = f32x4.splat(<f32>hi);
      const a = v128.load(p);
      const b = v128.load(p, 16);
      const c = v128.load(p, 32);
      const d = v128.load(p, 48);
      out = v128.or(
        v128.or(v128.or(f32x4.lt(a, L), f32x4.gt(a, H)), v128.or(f32x4.lt(b, L), f32x4.gt(b, H))),
        v128.or(v128.or(f32x4.lt(c, L), f32x4.gt(c, H)), v128.or(f32x4.lt(d, L), f32x4.gt(d, H))),
      );
    } else {
      const L = f64x2.splat(lo);
      const H = f64x2.splat(hi);
      const a = v128.load(p);
      const b = v128.load(p, 16);
      const c = v128.load(p, 32);
      const d = v128.load(p, 48);
      out = v128.or(
        v128.or(v128.or(f64x2.lt(a, L), f64x2.gt(a, H)), v128.or(f64x2.lt(b, L), f64x2.gt(b, H))),
        v128.or(v128.or(f64x2.lt(c, L), f64x2.gt(c, H)), v128.or(f64x2.lt(d, L), f64x2.gt(d, H))),
      );
    }
    if (!v128.any_true(out)) continue;
    for (let k = i; k < i + group; k++) {
      const v = load1<T>(x + <usize>k * size);
      if (v < lo || v > hi) {
        if (count++ == 0) first = k;
      }
    }
  }
  for (; i < n; i++) {
    const v = load1<T>(x + <usize>i * size);
    if (v < lo || v > hi) {
      if (count++ == 0) first = i;
    }
  }
  store<i32>(SCRATCH, first);
  return count;
}
