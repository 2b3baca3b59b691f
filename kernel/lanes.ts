// Loading values of either input type as f64x2.

// @ts-ignore: decorator
@inline
export function load2<T>(p: usize): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(p));
  return v128.load(p);
}

// @ts-ignore: decorator
@inline
export function load1<T>(p: usize): f64 {
  return <f64>load<T>(p);
}

/** Whether x is finite (x - x is NaN for NaN and ±inf). */
// @ts-ignore: decorator
@inline
export function finite(x: f64): bool {
  return x - x == 0;
}
