// log(x) for finite x > 0 in f64x2 (values below 2^-1022, 0 included, give some value below
// -708: the callers clamp at -100 or pass only x in [1, 2]; NaN and inf give a finite value,
// so the callers' other terms must carry them, as they do).
//
// x = 2^e · a with a in [sqrt2/2, sqrt2), and c = j/128 the multiple of 1/128 nearest a
// (j in 90..181). Then
//   log x = e·ln2 + log c + log1p(q),  q = (a - c) · (1/c)
// a - c is exact (|a - c| <= 2^-8 and both are multiples of a's ulp), and |q| <= 1/180. For
// a near 1, c = 1, 1/c = 1 and log c = 0: q = a - 1 exactly, so log x near 1 keeps its
// relative accuracy. log1p(q) is the degree-7 Taylor polynomial q - q²/2 + ... + q⁷/7, an
// alternating series: its error is below the next term, q⁸/8 <= |q| · (1/180)⁷/8 < 2^-55 |q|.
// round(128 a) needs no conversion: 128 a + 1.5·2^52 holds it in its low bits.
// ln2 = LN2_HI + LN2_LO (fdlibm's split: LN2_HI has 32 significant bits, so e·LN2_HI is exact
// for |e| < 2^21); log c = hi + lo to 106 bits and 1/c rounded to double, from the loader.
// The result is (e·LN2_HI + hi) + ((e·LN2_LO + lo) + log1p(q)): the first sum rounds once
// (0.5 ulp of it, at most about 1 ulp of the result, which is at least half of it), 1/c's
// rounding changes q by 2^-53 relative (below 2^-60 absolute since |q| < 2^-7.4), and the
// last addition rounds once (0.5 ulp): about 1.5 ulp in all (the tests measure at most 2 ulp
// from Math.log, itself within 1 ulp of the exact log).
import { LOG_TABLE } from './memory';

const SQRT2: f64 = 1.4142135623730951;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const MAGIC: f64 = 6755399441055744.0; // 1.5 · 2^52: an integer below 2^51 added to its bits is that integer plus it
/** Where entry j would be: the table starts at j = 90 (src/kernel/tables.ts LOG_FIRST). */
const TABLE_AT_0: usize = LOG_TABLE - 90 * 32;
const MANTISSA: i64 = 0x000fffffffffffff;
const ONE_BITS: i64 = 0x3ff0000000000000;

// @ts-ignore: decorator
@inline
export function logV(x: v128): v128 {
  const bits = x;
  let e = i64x2.sub(i64x2.shr_u(bits, 52), i64x2.splat(1023));
  let a = v128.or(v128.and(bits, i64x2.splat(MANTISSA)), i64x2.splat(ONE_BITS));
  const big = f64x2.ge(a, f64x2.splat(SQRT2));
  a = v128.bitselect(f64x2.mul(a, f64x2.splat(0.5)), a, big);
  e = i64x2.sub(e, big); // big lanes are -1: e + 1
  const ef = f64x2.sub(i64x2.add(e, f64x2.splat(MAGIC)), f64x2.splat(MAGIC));
  // j = round(128 a) in the low bits of 128 a + MAGIC, and as a double once MAGIC is taken off
  const jm = f64x2.add(f64x2.mul(a, f64x2.splat(128.0)), f64x2.splat(MAGIC));
  const jf = f64x2.sub(jm, f64x2.splat(MAGIC));
  const t0 = TABLE_AT_0 + ((<usize>i64x2.extract_lane(jm, 0) & 0xff) << 5);
  const t1 = TABLE_AT_0 + ((<usize>i64x2.extract_lane(jm, 1) & 0xff) << 5);
  // entries of 32 bytes: (1/c, log c high), (log c low, 0)
  const a0 = v128.load(t0);
  const a1 = v128.load(t1);
  const b0 = v128.load(t0, 16);
  const b1 = v128.load(t1, 16);
  const invc = v128.shuffle<f64>(a0, a1, 0, 2);
  const hi = v128.shuffle<f64>(a0, a1, 1, 3);
  const lo = v128.shuffle<f64>(b0, b1, 0, 2);
  const q = f64x2.mul(f64x2.sub(a, f64x2.mul(jf, f64x2.splat(0.0078125))), invc);
  return f64x2.add(f64x2.add(f64x2.mul(ef, f64x2.splat(LN2_HI)), hi), f64x2.add(f64x2.add(f64x2.mul(ef, f64x2.splat(LN2_LO)), lo), log1pV(q)));
}

// @ts-ignore: decorator
@inline
function log1pV(q: v128): v128 {
  // q + q²·(-1/2 + q·(1/3 + q·(-1/4 + q·(1/5 + q·(-1/6 + q/7)))))
  let p = f64x2.add(f64x2.splat(-1.0 / 6.0), f64x2.mul(q, f64x2.splat(1.0 / 7.0)));
  p = f64x2.add(f64x2.splat(1.0 / 5.0), f64x2.mul(q, p));
  p = f64x2.add(f64x2.splat(-0.25), f64x2.mul(q, p));
  p = f64x2.add(f64x2.splat(1.0 / 3.0), f64x2.mul(q, p));
  p = f64x2.add(f64x2.splat(-0.5), f64x2.mul(q, p));
  return f64x2.add(q, f64x2.mul(f64x2.mul(q, q), p));
}

/** logV on one value (lane 0 of a splat): the same operations. */
export function log1(x: f64): f64 {
  return f64x2.extract_lane(logV(f64x2.splat(x)), 0);
}
