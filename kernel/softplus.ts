// The tail of bce-logits, log(1 + e^-a) for a = |x| (softplus(-a)), from a table over a and a
// polynomial: no exp and no log.
//
// a is taken to A_END = 37 at most and split as a = k/128 + d, k = round(128 a), |d| <= 2^-8;
// 128 a and k/128 are exact (powers of 2), and so is d (a multiple of a's ulp, at most a);
// k comes from the low bits of 128 a + 1.5·2^52 (that sum rounds 128 a to an integer).
// Entry k holds the degree-5 Taylor polynomial of f(a) = log(1 + e^-a) around k/128:
//   f(k/128 + d) = c0 + d·(c1 + d·(c2 + d·(c3 + d·(c4 + d·c5))))
// with s = 1/(1 + e^(k/128)), c0 = f, c1 = -s, c2 = s(1-s)/2, c3 = -s(1-s)(1-2s)/6,
// c4 = s(1-s)(1-6s+6s²)/24, c5 = -s(1-s)(1-2s)(1-12s+12s²)/120 (f' = -s, ds/da = -s(1-s)),
// computed by the loader (src/kernel/tables.ts). Error, relative to f(a):
// - truncation: |f⁽⁶⁾|/720 · d⁶ with f⁽⁶⁾ = s(1-s)(1 - 30s + 150s² - 240s³ + 120s⁴), whose
//   size is at most s (the largest (1-s)|...| on [0, 1/2] is 1, at s = 0), and s <= f
//   (log(1 + u) >= u/(1 + u) for u = e^-a): below 2^-48/720 < 2^-57 of f;
// - c0 rounded once by the loader's Math.log1p(Math.exp(-k/128)), about 1.5 ulp; the other
//   terms add at most |c1 d|/f <= |d| < 2^-8 of f, so their roundings are below 2^-60 of f;
// - the last addition, c0 + d·(...), 0.5 ulp.
// So about 2 ulp of f, which is the loss itself when x < 0 and t = 0 (or x > 0 and t = 1).
// At a >= 37, e^-a < 2^-53 and PyTorch's 1 + e^-a rounds to 1: its tail is 0, and so is
// entry 4736 here (for a in [37 - 2^-8, 37] too: there the exact tail is below 8.6e-17).
// PyTorch rounds 1 + e^-a to double before its log, so its own tail is off the exact one by
// up to 2^-53 absolute (1.1e-16) wherever e^-a is small: per element, this tail and PyTorch's
// agree within atol 1e-15 there, and to 1e-12 relative elsewhere.
// ±inf and NaN are taken to 37, tail 0 (the loss of a NaN is NaN through its (1 - t)·x).
import { SOFTPLUS_TABLE } from './memory';

/** Where the table ends: a at or above it has a tail of 0 (entry SOFTPLUS_LAST). */
const A_END: f64 = 37.0;
const MAGIC: f64 = 6755399441055744.0; // 1.5 · 2^52
/** Bytes per entry: c0 .. c5. */
const ENTRY: i32 = 48;

/** log(1 + e^-|x|) of both lanes. */
// @ts-ignore: decorator
@inline
export function softplusTailV(x: v128): v128 {
  // pmin(A_END, a) is a < A_END ? a : A_END: NaN goes to A_END
  const a = f64x2.pmin(f64x2.splat(A_END), f64x2.abs(x));
  const km = f64x2.add(f64x2.mul(a, f64x2.splat(128.0)), f64x2.splat(MAGIC));
  const d = f64x2.sub(a, f64x2.mul(f64x2.sub(km, f64x2.splat(MAGIC)), f64x2.splat(0.0078125)));
  const p0 = SOFTPLUS_TABLE + <usize>(<i32>i64x2.extract_lane(km, 0) * ENTRY);
  const p1 = SOFTPLUS_TABLE + <usize>(<i32>i64x2.extract_lane(km, 1) * ENTRY);
  const a0 = v128.load(p0);
  const a1 = v128.load(p1);
  const b0 = v128.load(p0, 16);
  const b1 = v128.load(p1, 16);
  const e0 = v128.load(p0, 32);
  const e1 = v128.load(p1, 32);
  let p = f64x2.mul(d, v128.shuffle<f64>(e0, e1, 1, 3));
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(e0, e1, 0, 2), p));
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(b0, b1, 1, 3), p));
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(b0, b1, 0, 2), p));
  p = f64x2.mul(d, f64x2.add(v128.shuffle<f64>(a0, a1, 1, 3), p));
  return f64x2.add(v128.shuffle<f64>(a0, a1, 0, 2), p);
}

/** softplusTailV on one value (lane 0 of a splat): the same operations. */
export function softplusTail1(x: f64): f64 {
  return f64x2.extract_lane(softplusTailV(f64x2.splat(x)), 0);
}
