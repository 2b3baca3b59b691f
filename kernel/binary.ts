// The elementwise binary losses, two elements side by side, each in PyTorch 1.13's order of
// operations (src/losses/bce-with-logits.ts and binary-cross-entropy.ts derive them).
import { logV } from './log';
import { softplusTailV } from './softplus';
import { load2, load1 } from './lanes';

/**
 * bce-logits without weights: l = ((1 - t)·x + m) + log(e^-m + e^(-x - m)), m = max(-x, 0).
 * One of the two exps is e^0 = 1 exactly (x >= 0: m = 0; x < 0: -x - m = 0) and the other is
 * e^-|x|, so the log is log(1 + e^-|x|), the tail (softplus.ts); but for x = -inf, where
 * -x - m is NaN.
 */
// @ts-ignore: decorator
@inline
export function bceLogitsV(x: v128, t: v128): v128 {
  const one = f64x2.splat(1);
  // pmax(0, -x) is 0 < -x ? -x : 0: max(-x, 0) but for x = NaN, whose loss (1 - t)·x makes NaN
  const m = f64x2.pmax(f64x2.splat(0), f64x2.neg(x));
  // x = -inf: -x - m is inf - inf, and PyTorch's loss NaN whatever the target; min(x, 0) + m
  // is +0 (min(x, 0) = -m exactly) but there (-inf + inf) and for a NaN, so m + it is m or NaN
  const mn = f64x2.add(m, f64x2.add(f64x2.pmin(f64x2.splat(0), x), m));
  return f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(one, t), x), mn), softplusTailV(x));
}

/** l = (t - 1)·max(log(1 - p), -100) - t·max(log p, -100); log 0 (here below -708) clamps to -100. */
// @ts-ignore: decorator
@inline
function bceV(p: v128, t: v128): v128 {
  const one = f64x2.splat(1);
  const floor = f64x2.splat(-100);
  const a = f64x2.mul(f64x2.sub(t, one), f64x2.max(logV(f64x2.sub(one, p)), floor));
  // |p|: a p of -0 (a valid probability) has its sign bit set, which logV would read as an exponent
  return f64x2.sub(a, f64x2.mul(t, f64x2.max(logV(f64x2.abs(p)), floor)));
}

/**
 * Returns the index of the first p outside [0, 1] (NaN too), the losses before it written;
 * else -1, every loss written.
 */
export function binaryCrossEntropy<T>(p: usize, t: usize, n: i32, out: usize): i32 {
  const size = sizeof<T>();
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const pv = load2<T>(p + <usize>i * size);
    if (!i64x2.all_true(v128.and(f64x2.ge(pv, f64x2.splat(0)), f64x2.le(pv, f64x2.splat(1))))) break;
    v128.store(out + (<usize>i << 3), bceV(pv, load2<T>(t + <usize>i * size)));
  }
  for (; i < n; i++) {
    const v = load1<T>(p + <usize>i * size);
    if (!(v >= 0 && v <= 1)) return i;
    const l = bceV(f64x2.splat(v), f64x2.splat(load1<T>(t + <usize>i * size)));
    store<f64>(out + (<usize>i << 3), f64x2.extract_lane(l, 0));
  }
  return -1;
}
