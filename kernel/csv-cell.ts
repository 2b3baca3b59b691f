// A CSV cell parsed into float64 in the kernel's memory, as src/io/csv-cells.ts parseRow
// parses it (Number()'s value, or a token's): a plain cell (plainCell) without a loop over its
// bytes, any other by anyCell. Used by csv.ts's rows.
import { CSV_DIGIT_ORDER } from './memory';

export const NL: u32 = 10;

/** Exact powers of ten: every 10^k for k <= 22 is a double. */
const POW10 = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

/** Whitespace (String.prototype.trim's, less the delimiter) is bit ch - 1 of `ws`, for ch in 1..32. */
// @ts-ignore: decorator
@inline
export function isWs(ch: u32, ws: u32): bool {
  return ch - 1 < 32 && ((ws >>> (ch - 1)) & 1) != 0;
}

/**
 * plainCell's vectors, loaded from memory (one instruction each, where a constant costs three):
 * '0', 10 and '.' in every byte, 0x00ff, 10, (100, 1) and (10000, 1) in 16-bit lanes.
 */
const CONSTANTS = memory.data<u8>([
  48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48,
  10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
  46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46, 46,
  255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0,
  10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10, 0,
  100, 0, 1, 0, 100, 0, 1, 0, 100, 0, 1, 0, 100, 0, 1, 0,
  16, 39, 1, 0, 16, 39, 1, 0, 16, 39, 1, 0, 16, 39, 1, 0,
], 16);

/** Whether digitOrder's table is filled. */
let digitOrderFilled = false;

/** Fills the table of swizzles plainCell takes, once (fillDigitOrder). */
// @ts-ignore: decorator
@inline
export function needDigitOrder(): void {
  if (!digitOrderFilled) fillDigitOrder();
}

/**
 * The swizzle that gathers a plain cell's digits (plainCell), for each sign length s
 * (0 or 1), cell length L (0 to 15) and point position P (16 for none), at CSV_DIGIT_ORDER +
 * 16 * ((16 * s + L) * 17 + P): its n digits to the last n lanes, most significant first, the
 * point left out; 255 (a zero from the swizzle) in the lanes before them.
 */
function fillDigitOrder(): void {
  for (let s = 0; s < 2; s++) {
    for (let L = 0; L < 16; L++) {
      for (let P = 0; P <= 16; P++) {
        const at = CSV_DIGIT_ORDER + (<usize>(((16 * s + L) * 17 + P) << 4));
        const n = L - s - <i32>(P < 16);
        for (let j = 0; j < 16; j++) {
          const i = j - (16 - n); // the digit's index among the cell's digits
          const byte = s + i + <i32>(P < 16 && s + i >= P);
          store<u8>(at + <usize>j, i < 0 ? 255 : byte);
        }
      }
    }
  }
  digitOrderFilled = true;
}

/**
 * The cell of L bytes at p when it is plain: [sign] digits with at most one point, at most
 * 15 digits, no exponent, no whitespace, L < 16: its value to out, and true; else false
 * (anyCell reads it). No loop over its bytes: from one 16-byte load, the bitmasks of its point
 * and its bytes that are not digits; a swizzle from a table (fillDigitOrder) gathers its n
 * digits into the last n lanes, which are joined into lanes of two, four and eight digits
 * (each lane times 10, 100 or 10^4 plus its neighbour; at most 99,999,999 in 32 bits), then
 * m. The value is m / 10^k for k digits after the point: m < 10^15 and 10^k (k <= 15) are
 * exact doubles, so the one division rounds as Number() does (Clinger's fast path, as
 * anyCell's).
 */
// @ts-ignore: decorator
@inline
export function plainCell(p: usize, L: u32, out: usize): bool {
  if (L >= 16) return false;
  const v = v128.load(p);
  const b0 = <u32>load<u8>(p);
  const negative = b0 == 45;
  const s = <u32>(negative || b0 == 43); // a sign
  const body = ((<u32>1 << L) - 1) & ~((<u32>1 << s) - 1);
  const other = i8x16.bitmask(i8x16.ge_u(i8x16.sub(v, v128.load(CONSTANTS, 0)), v128.load(CONSTANTS, 16))) & body;
  const points = i8x16.bitmask(i8x16.eq(v, v128.load(CONSTANTS, 32))) & body;
  if (other != points || (points & (points - 1)) != 0) return false;
  const n = L - s - <u32>(points != 0); // digits
  if (n - 1 >= 15) return false;
  const point = points != 0 ? ctz(points) : 16;
  const k = points != 0 ? L - 1 - point : 0; // digits after it
  const index = v128.load(CSV_DIGIT_ORDER + (<usize>(((16 * s + L) * 17 + point) << 4)));
  const digits = i8x16.sub_sat_u(i8x16.swizzle(v, index), v128.load(CONSTANTS, 0));
  // pairs of lanes (the first the more significant) to 16-bit lanes, fours to 32-bit, those
  // narrowed to 16-bit (at most 9999) and joined into eights in 32-bit lanes 0 and 1
  const pairs = i16x8.add(i16x8.mul(v128.and(digits, v128.load(CONSTANTS, 48)), v128.load(CONSTANTS, 64)), i16x8.shr_u(digits, 8));
  const fours = i32x4.dot_i16x8_s(pairs, v128.load(CONSTANTS, 80));
  const eights = i32x4.dot_i16x8_s(i16x8.narrow_i32x4_s(fours, fours), v128.load(CONSTANTS, 96));
  // m < 10^15 < 2^53: both its halves and their sum are exact doubles
  const halves = f64x2.convert_low_i32x4_s(eights);
  const m = f64x2.extract_lane(halves, 0) * 1e8 + f64x2.extract_lane(halves, 1);
  // the sign by its bit, not a branch (signs are random in data: a branch on them mispredicts)
  const signed = reinterpret<f64>(reinterpret<u64>(m) | (<u64>negative << 63));
  store<f64>(out, signed / load<f64>(POW10 + (<usize>k << 3)));
  return true;
}

/** Any cell at p as parseRow reads it, ended by `end`: its value to out, and the offset after `end`; 0 if it is not taken. */
export function anyCell(p: usize, out: usize, end: u32, ws: u32): usize {
  let ch = <u32>load<u8>(p);
  while (isWs(ch, ws)) ch = <u32>load<u8>(++p);
  // the sign without a branch (signs are random in data: a branch on them mispredicts)
  const negative = ch == 45;
  p += <usize>negative;
  p += <usize>(<u32>load<u8>(p) == 43 && !negative);
  ch = <u32>load<u8>(p);
  let value: f64;
  let d = ch - 48;
  if (d < 10 || d == <u32>-2) {
    // digits [. digits] [(e|E) [+-] digits], with at least one digit before the exponent;
    // m wraps beyond 19 digits, which never take the fast path
    let m: u64 = 0;
    let exponent: i32 = 0;
    const first = p;
    while (d < 10) {
      m = m * 10 + <u64>d;
      d = <u32>load<u8>(++p) - 48;
    }
    let digits = <i32>(p - first);
    if (d == <u32>-2) {
      const fraction = ++p;
      d = <u32>load<u8>(p) - 48;
      while (d < 10) {
        m = m * 10 + <u64>d;
        d = <u32>load<u8>(++p) - 48;
      }
      exponent = <i32>(fraction - p);
      digits -= exponent;
    }
    if (digits == 0) return 0;
    ch = d + 48;
    if ((ch | 0x20) == 101) {
      ch = <u32>load<u8>(++p);
      let negativeExponent = false;
      if (ch == 45) {
        negativeExponent = true;
        ch = <u32>load<u8>(++p);
      } else if (ch == 43) {
        ch = <u32>load<u8>(++p);
      }
      if (ch - 48 >= 10) return 0;
      let x: i32 = 0;
      while (ch - 48 < 10) {
        if (x < 1000000) x = x * 10 + <i32>(ch - 48);
        ch = <u32>load<u8>(++p);
      }
      exponent += negativeExponent ? -x : x;
    }
    // Clinger's fast path: m < 10^15 and 10^|e| (|e| <= 22) are exact doubles, so one
    // operation rounds once, as Number() does; the sign is exact
    if (digits > 15 || exponent < -22 || exponent > 22) return 0;
    const signed = select<f64>(-<f64>m, <f64>m, negative);
    value = exponent < 0 ? signed / load<f64>(POW10 + (<usize>-exponent << 3)) : signed * load<f64>(POW10 + (<usize>exponent << 3));
  } else {
    // nan, inf, infinity, in any case
    const l0 = ch | 0x20;
    if (l0 == 110 && (<u32>load<u8>(p + 1) | 0x20) == 97 && (<u32>load<u8>(p + 2) | 0x20) == 110) {
      value = NaN;
      p += 3;
    } else if (l0 == 105 && (<u32>load<u8>(p + 1) | 0x20) == 110 && (<u32>load<u8>(p + 2) | 0x20) == 102) {
      p += 3;
      if (
        (<u32>load<u8>(p) | 0x20) == 105 &&
        (<u32>load<u8>(p + 1) | 0x20) == 110 &&
        (<u32>load<u8>(p + 2) | 0x20) == 105 &&
        (<u32>load<u8>(p + 3) | 0x20) == 116 &&
        (<u32>load<u8>(p + 4) | 0x20) == 121
      ) {
        p += 5;
      }
      value = negative ? -Infinity : Infinity;
    } else {
      return 0;
    }
    ch = <u32>load<u8>(p);
  }
  store<f64>(out, value);
  while (isWs(ch, ws)) ch = <u32>load<u8>(++p);
  return ch == end ? p + 1 : 0;
}
