// The tail of bce-logits, log(1 + e^-a) for a = |x| (softplus(-a)), from a table over a and a
// polynomial: no exp and no log.
//
// a is taken to A_END = 37 at most and split as a = k/256 + d, k = round(256 a), |d| <= 2^-9;
// 256 a and k/256 are exact (powers of 2), and so is d (a multiple of a's ulp, at most a);
// k comes from the low bits of 256 a + 1.5·2^52 (that sum rounds 256 a to an integer).
// Entry k holds the degree-4 Taylor polynomial of f(a) = log(1 + e^-a) around k/256:
//   f(k/256 + d) = c0 + d·(c1 + d·(c2 + d·(c3 + d·c4)))
// with s = 1/(1 + e^(k/256)), c0 = f, c1 = -s, c2 = s(1-s)/2, c3 = -s(1-s)(1-2s)/6,
// c4 = s(1-s)(1-6s+6s²)/24 (f' = -s, ds/da = -s(1-s)), filled in once per thread by
// fillSoftplusTable (AssemblyScript's Math.exp and Math.log1p, each within 1 ulp: 0.4 ms here,
// where the same loop in JavaScript, run once and so not optimized, takes 4 ms).
// Error, relative to f(a):
// - truncation: |f⁽⁵⁾|/120 · d⁵ with f⁽⁵⁾ = -s(1-s)(1-2s)(1 - 12s + 12s²), whose size is at
//   most s (the largest (1-s)|(1-2s)(1-12s+12s²)| on [0, 1/2] is 1, at s = 0), and s <= f
//   (log(1 + u) >= u/(1 + u) for u = e^-a): below 2^-45/120 < 2^-51.9 of f, about 1 ulp;
// - c0, log1p(exp(-k/256)) rounded about twice: about 1.5 ulp; the other terms add at most
//   |c1 d|/f <= |d| <= 2^-9 of f, so their roundings are below 2^-61 of f;
// - the last addition, c0 + d·(...), 0.5 ulp.
// So about 3 ulp of f (3.2 at most against a 120-bit reference on 2e5 values), f being the loss
// itself when x < 0 and t = 0 (or x > 0 and t = 1); the accuracy asked is 1e-12, 4500 ulp.
// At a >= 37, e^-a < 2^-53 and PyTorch's 1 + e^-a rounds to 1: its tail is 0, and so is the
// last entry here (for a in [37 - 2^-9, 37] too: there the exact tail is below 8.6e-17).
// PyTorch rounds 1 + e^-a to double before its log, so its own tail is off the exact one by
// up to 2^-53 absolute (1.1e-16) wherever e^-a is small: per element, this tail and PyTorch's
// agree within atol 1e-15 there, and to 1e-12 relative elsewhere.
// ±inf and NaN are taken to 37, tail 0 (the loss of a NaN is NaN through its (1 - t)·x).
import { SOFTPLUS_TABLE } from './memory';

/** Where the table ends: a at or above it has a tail of 0 (the last entry). */
const A_END: f64 = 37.0;
const MAGIC: f64 = 6755399441055744.0; // 1.5 · 2^52
/** Bytes per entry: c0 .. c4. */
const ENTRY: i32 = 40;
const LAST: i32 = 37 * 256;

/** log(1 + e^-|x|) of both lanes. */
// @ts-ignore: decorator
@inline
export function softplusTailV(x: v128): v128 {
  // pmin(A_END, a) is a < A_END ? a : A_END: NaN goes to A_END
  const a = f64x2.pmin(f64x2.splat(A_END), f64x2.abs(x));
  const km = f64x2.add(f64x2.mul(a, f64x2.splat(256.0)), f64x2.splat(MAGIC));
  const d = f64x2.sub(a, f64x2.mul(f64x2.sub(km, f64x2.splat(MAGIC)), f64x2.splat(0.00390625)));
  const p0 = SOFTPLUS_TABLE + <usize>(<i32>i64x2.extract_lane(km, 0) * ENTRY);
  const p1 = SOFTPLUS_TABLE + <usize>(<i32>i64x2.extract_lane(km, 1) * ENTRY);
  const a0 = v128.load(p0);
  const a1 = v128.load(p1);
  const b0 = v128.load(p0, 16);
  const b1 = v128.load(p1, 16);
  const c4 = v128.load64_lane(p1, v128.load64_zero(p0, 32), 1, 32);
  let p = f64x2.mul(d, c4);
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(b0, b1, 1, 3), p));
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(b0, b1, 0, 2), p));
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(a0, a1, 1, 3), p));
  return f64x2.add(v128.shuffle<f64>(a0, a1, 0, 2), p);
}

/** softplusTailV on one value (lane 0 of a splat): the same operations. */
export function softplusTail1(x: f64): f64 {
  return f64x2.extract_lane(softplusTailV(f64x2.splat(x)), 0);
}

/** Fills the table: entry k for a = k/256, k < LAST; entry LAST (a = 37) is 0. */
export function fillSoftplusTable(): void {
  for (let k = 0; k < LAST; k++) {
    const u = Math.exp(-<f64>k / 256);
    const s = u / (1 + u);
    const q = s * (1 - s);
    const p = SOFTPLUS_TABLE + <usize>(k * ENTRY);
    store<f64>(p, Math.log1p(u));
    store<f64>(p, -s, 8);
    store<f64>(p, q / 2, 16);
    store<f64>(p, (-q * (1 - 2 * s)) / 6, 24);
    store<f64>(p, (q * (1 - 6 * s + 6 * s * s)) / 24, 32);
  }
  memory.fill(SOFTPLUS_TABLE + <usize>(LAST * ENTRY), 0, <usize>ENTRY);
}
