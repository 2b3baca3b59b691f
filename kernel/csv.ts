// The two byte loops of a CSV file read in blocks (src/io/csv-kernel.ts), over a window buffer
// in this memory (memory.ts CSV_WINDOWS): counting rows and their delimiters (the open pass),
// and parsing rows of plain numbers into float64 (CSV_VALUES). Both go row by row from p and
// stop at the first row they do not take whole, which the JavaScript path (src/io/csv-plain.ts,
// the reference) then reads; each returns the rows taken, and leaves in CSV_SCRATCH the offset
// after them (an i32) and how many of them ended in "\r\n" (an i32).
//
// Every row taken starts before `stop`, and `stop` is at most one past a '\n' the caller has
// seen: no row taken reads past it, and a 16-byte load at most 15 bytes further, inside the
// window's padding.
import { CSV_SCRATCH } from './memory';

const NL: u32 = 10;
const CR: u32 = 13;
const QUOTE: u32 = 34;
const HASH: u32 = 35;

/** Exact powers of ten: every 10^k for k <= 22 is a double. */
const POW10 = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

/** Whitespace (String.prototype.trim's, less the delimiter) is bit ch - 1 of `ws`, for ch in 1..32. */
// @ts-ignore: decorator
@inline
function isWs(ch: u32, ws: u32): bool {
  return ch - 1 < 32 && ((ws >>> (ch - 1)) & 1) != 0;
}

// @ts-ignore: decorator
@inline
function done(p: usize, cr: i32, n: i32): i32 {
  store<i32>(CSV_SCRATCH, <i32>p);
  store<i32>(CSV_SCRATCH, cr, 4);
  return n;
}

/**
 * Up to `rows` rows from p passed unread, as countRows does: each starts before `stop` with a
 * byte that is neither '#' nor '\n' nor whitespace nor beyond ASCII, holds no quote, and has
 * `columns` - 1 delimiters. Sixteen bytes a step: the bitmasks of '\n', the delimiter and '"'
 * in them; each '\n' ends a row whose delimiters are those counted before it.
 */
export function csvCountRows(p: usize, stop: usize, rows: i32, columns: i32, delim: u32, ws: u32): i32 {
  let n = 0;
  let cr = 0;
  if (rows <= 0 || p >= stop || !firstByteOk(p, ws)) return done(p, 0, 0);
  const NLS = i8x16.splat(<i8>NL);
  const DELIMS = i8x16.splat(<i8>delim);
  const QUOTES = i8x16.splat(<i8>QUOTE);
  const want = columns - 1;
  let start = p; // the row being counted
  let delims = 0; // its delimiters before q
  let q = p;
  // every row taken ends at a '\n' before stop: the loop ends by a return
  while (true) {
    const v = v128.load(q);
    let nls = i8x16.bitmask(i8x16.eq(v, NLS));
    let ds = i8x16.bitmask(i8x16.eq(v, DELIMS));
    let qs = i8x16.bitmask(i8x16.eq(v, QUOTES));
    while (nls != 0) {
      const bit = ctz(nls);
      const before = (<u32>1 << bit) - 1;
      if ((qs & before) != 0) return done(start, cr, n);
      delims += popcnt(ds & before);
      if (delims != want) return done(start, cr, n);
      const nl = q + <usize>bit;
      if (nl > start && <u32>load<u8>(nl - 1) == CR) cr++;
      n++;
      start = nl + 1;
      if (n >= rows || start >= stop || !firstByteOk(start, ws)) return done(start, cr, n);
      const through = ~((before << 1) | 1); // the bits after this '\n'
      nls &= through;
      ds &= through;
      qs &= through;
      delims = 0;
    }
    if (qs != 0) return done(start, cr, n);
    delims += popcnt(ds);
    q += 16;
  }
  return unreachable();
}

// @ts-ignore: decorator
@inline
function firstByteOk(p: usize, ws: u32): bool {
  const b = <u32>load<u8>(p);
  return b != HASH && b != NL && b < 0x80 && !isWs(b, ws);
}

/**
 * Up to `rows` rows from p parsed into out (`columns` float64 a row), as parseRow parses them
 * (src/io/csv-cells.ts), while each starts before `stop` and every cell takes Clinger's fast
 * path or is a token: a row with a cell of more than 15 digits or an exponent beyond ±22, or
 * anything parseRow refuses, is the first one not taken.
 */
export function csvParseRows(p: usize, stop: usize, rows: i32, columns: i32, delim: u32, ws: u32, out: usize): i32 {
  let n = 0;
  let cr = 0;
  while (n < rows && p < stop) {
    const end = parseRow(p, out + (<usize>n * <usize>columns << 3), columns, delim, ws);
    if (end == 0) break;
    if (end - 2 >= p && <u32>load<u8>(end - 2) == CR) cr++;
    p = end;
    n++;
  }
  return done(p, cr, n);
}

/** The row at p into out: the offset after its '\n', or 0 if it is not taken. */
// @ts-ignore: decorator
@inline
function parseRow(p: usize, out: usize, columns: i32, delim: u32, ws: u32): usize {
  const last = columns - 1;
  for (let c = 0; c < columns; c++) {
    const end = c < last ? delim : NL;
    const o = out + (<usize>c << 3);
    let q = plainCell(p, o, end, delim);
    if (q == 0) q = anyCell(p, o, end, ws);
    if (q == 0) return 0;
    p = q;
  }
  return p;
}

const IOTA = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

/**
 * The cell at p when it is plain: [sign] digits with at most one point, at most 15 digits, no
 * exponent, no whitespace, ended by `end` within 16 bytes: its value to out, and the offset
 * after `end`; else 0 (anyCell reads it). No loop over its bytes: from one 16-byte load, the
 * bitmasks of its end, its point and its bytes that are not digits; a swizzle gathers its n
 * digits into the last n lanes (the point left out, zeros before them), which are joined into
 * lanes of two, four and eight digits (each lane times 10, 100 or 10^4 plus its neighbour; at
 * most 99,999,999 in 32 bits), then m. The value is m / 10^k for k digits after the point:
 * m < 10^15 and 10^k (k <= 15) are exact doubles, so the one division rounds as Number()
 * does (Clinger's fast path, as anyCell's).
 */
// @ts-ignore: decorator
@inline
function plainCell(p: usize, out: usize, end: u32, delim: u32): usize {
  const v = v128.load(p);
  const ends = i8x16.bitmask(v128.or(i8x16.eq(v, i8x16.splat(<i8>delim)), i8x16.eq(v, i8x16.splat(<i8>NL))));
  const L = ctz(ends); // the cell's length; 32 when it has no end within 16 bytes
  if (L >= 16 || <u32>load<u8>(p + L) != end) return 0;
  const b0 = <u32>load<u8>(p);
  const negative = b0 == 45;
  const s = <u32>(negative || b0 == 43); // a sign
  const body = ((<u32>1 << L) - 1) & ~((<u32>1 << s) - 1);
  const other = i8x16.bitmask(i8x16.gt_u(i8x16.sub(v, i8x16.splat(48)), i8x16.splat(9))) & body;
  const points = i8x16.bitmask(i8x16.eq(v, i8x16.splat(46))) & body;
  if (other != points || popcnt(points) > 1) return 0;
  const n = <i32>(L - s - popcnt(points)); // digits
  if (n == 0 || n > 15) return 0;
  const point = ctz(points); // 32 without one
  const k = points != 0 ? L - 1 - point : 0; // digits after it
  // lane j takes digit j - (16 - n), at byte s + j - (16 - n), one further from the point on;
  // the lanes before the digits take index 255, which the swizzle makes 0
  let index = i8x16.add(IOTA, i8x16.splat(<i8>(<i32>s - 16 + n)));
  index = i8x16.sub(index, i8x16.ge_s(index, i8x16.splat(<i8>point)));
  index = v128.or(index, i8x16.lt_s(IOTA, i8x16.splat(<i8>(16 - n))));
  const digits = i8x16.sub_sat_u(i8x16.swizzle(v, index), i8x16.splat(48));
  // pairs of lanes (the first the more significant) to 16-bit lanes, fours to 32-bit, eights to 64-bit
  const pairs = i16x8.add(i16x8.mul(v128.and(digits, i16x8.splat(0xff)), i16x8.splat(10)), i16x8.shr_u(digits, 8));
  const fours = i32x4.dot_i16x8_s(pairs, i16x8(100, 1, 100, 1, 100, 1, 100, 1));
  const scaled = i32x4.mul(fours, i32x4(10000, 1, 10000, 1));
  const eights = i64x2.add(v128.and(scaled, i64x2.splat(0xffffffff)), i64x2.shr_u(scaled, 32));
  const m = <u64>i64x2.extract_lane(eights, 0) * 100000000 + <u64>i64x2.extract_lane(eights, 1);
  store<f64>(out, select<f64>(-<f64>m, <f64>m, negative) / load<f64>(POW10 + (<usize>k << 3)));
  return p + L + 1;
}

/** Any cell at p as parseRow reads it, ended by `end`: its value to out, and the offset after `end`; 0 if it is not taken. */
function anyCell(p: usize, out: usize, end: u32, ws: u32): usize {
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
