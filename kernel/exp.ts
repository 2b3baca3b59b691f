// exp(d) for d <= 0 (and NaN) in f64x2, and the same operations on one f64 for the tails, so a
// value's exp does not depend on the lane it is computed in.
//
// With N = 128, d = (k N + j) ln2 / N + r, k and j integers, 0 <= j < N, |r| <= ln2 / 2N:
//   exp(d) = 2^k · 2^(j/N) · exp(r)
// kd = round(d N / ln2) comes from adding and subtracting 1.5·2^52 (round to nearest even);
// r = d - kd·ln2/N with ln2/N split as hi + lo: hi is a multiple of 2^-43, and so is kd·hi,
// which for |d| < 1024 is below 2^10, where doubles are spaced 2^-43 or less: kd·hi is exact;
// d - kd·hi is exact too (Sterbenz: the two are within a factor 2, or kd = 0). The table
// holds, for each j, the bits of T_j = 2^(j/N) rounded to double, minus j << 45 (the low bits
// of kd's bits are kN + j: adding them << 45 adds k to the exponent and takes j off again),
// and tail_j = (2^(j/N) - T_j)/T_j, both computed by the loader from 2^(j/N) to 128 bits. Then
//   exp(d) = s · (1 + tail + p(r)),  s = 2^k T_j,  p(r) = r + r²/2 + r³/6 + r⁴/24 + r⁵/120
// p is the degree-5 Taylor polynomial of exp(r) - 1: its error is at most
// r⁶/720 · e^|r| <= (ln2/256)⁶/720 · 1.003 < 5.5e-19 < 2^-60.6 for |r| <= ln2/256.
// Error bound, relative to exp(d): truncation 2^-60.6, r's rounding (kd·lo) 2^-53·|r| <= 2^-61.5,
// tail's rounding 2^-106, the roundings inside tmp = tail + p(r) about 2^-53·|tmp| <= 2^-61.5, and
// s·tmp's 2^-53·2^-8.5: together < 2^-59.5, under 0.011 ulp; the last addition s + s·tmp rounds
// once more (0.5 ulp): at most 0.52 ulp from the exact exp(d) (Math.exp itself is within 1 ulp).
// exp(0) = s + s·0 = 1 exactly (k = j = 0, r = 0, tail 0).
// Below d = -708.39 the result is subnormal (or 0 below -745.13) and 2^k is not a normal double:
// there s is formed as 2^(k + 1022) T_j and the result multiplied by 2^-1022, which rounds it a
// second time (at most 1 ulp of the subnormal, 2^-1074 absolute). d is first raised to -746,
// whose exp rounds to 0, so -inf gives 0 and kd stays small; NaN stays NaN (max propagates it).
import { EXP_TABLE } from './memory';

const INV_LN2_N: f64 = 184.6649652337873; // N / ln2
const SHIFT: f64 = 6755399441055744.0; // 1.5 · 2^52
const LN2_HI_N: f64 = 0.005415212348111709; // ln2 / N, 36 significant bits
const LN2_LO_N: f64 = 1.2864023111638346e-14; // ln2 / N - LN2_HI_N
const C2: f64 = 0.5;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;
const LOWEST: f64 = -746.0;
const SUBNORMAL: f64 = -708.0; // below it (with margin), the scaled path
const BIAS_1022: i64 = 1022 << 52;
const TWO_M1022: f64 = 2.2250738585072014e-308; // 2^-1022

/**
 * exp of both lanes; with `subnormal` false, d below -708 is taken as -708 (a result below
 * 2^-1021 instead of a subnormal one, and no branch): for the terms of a sum that also holds
 * exp(0) = 1 (row sums), where any term below 2^-1021 is lost in the sum's rounding
 * either way (C of them add less than C·2^-1021, far below half an ulp of a sum >= 1).
 */
// @ts-ignore: decorator
@inline
export function expV(x: v128, subnormal: bool = true): v128 {
  // pmax(x, c) is x < c ? c : x: max's value for every x, NaN included (NaN < c is false),
  // in one instruction where max's NaN and ±0 rules take several
  const d = f64x2.pmax(x, f64x2.splat(subnormal ? LOWEST : SUBNORMAL));
  let kd = f64x2.add(f64x2.mul(d, f64x2.splat(INV_LN2_N)), f64x2.splat(SHIFT));
  const ki = kd;
  kd = f64x2.sub(kd, f64x2.splat(SHIFT));
  const r = f64x2.sub(f64x2.sub(d, f64x2.mul(kd, f64x2.splat(LN2_HI_N))), f64x2.mul(kd, f64x2.splat(LN2_LO_N)));
  // the entries (tail, bits) of both lanes, then the tails side by side and the bits side by side
  const e0 = v128.load(EXP_TABLE + ((<usize>i64x2.extract_lane(ki, 0) & 127) << 4));
  const e1 = v128.load(EXP_TABLE + ((<usize>i64x2.extract_lane(ki, 1) & 127) << 4));
  const tail = v128.shuffle<i64>(e0, e1, 0, 2);
  const base = v128.shuffle<i64>(e0, e1, 1, 3);
  const sbits = i64x2.add(base, i64x2.shl(ki, 45));
  const r2 = f64x2.mul(r, r);
  const p = f64x2.add(
    f64x2.add(r, f64x2.mul(r2, f64x2.add(f64x2.splat(C2), f64x2.mul(r, f64x2.splat(C3))))),
    f64x2.mul(f64x2.mul(r2, r2), f64x2.add(f64x2.splat(C4), f64x2.mul(r, f64x2.splat(C5)))),
  );
  const tmp = f64x2.add(tail, p);
  if (!subnormal) return f64x2.add(sbits, f64x2.mul(sbits, tmp));
  const low = f64x2.lt(d, f64x2.splat(SUBNORMAL));
  if (!v128.any_true(low)) return f64x2.add(sbits, f64x2.mul(sbits, tmp));
  const scaled = i64x2.add(sbits, i64x2.splat(BIAS_1022));
  const tiny = f64x2.mul(f64x2.add(scaled, f64x2.mul(scaled, tmp)), f64x2.splat(TWO_M1022));
  return v128.bitselect(tiny, f64x2.add(sbits, f64x2.mul(sbits, tmp)), low);
}

/** expV on one value (lane 0 of a splat): the same operations, so a tail gets the bits a lane would. */
// @ts-ignore: decorator
@inline
export function exp1(x: f64, subnormal: bool = true): f64 {
  return f64x2.extract_lane(expV(f64x2.splat(x), subnormal), 0);
}
