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
    store<f64>(out + (<usize>c << 3), value);
    if (ch == delim && c < last) {
      p++;
      continue;
    }
    while (isWs(ch, ws)) ch = <u32>load<u8>(++p);
    if (c < last ? ch != delim : ch != NL) return 0;
    p++;
  }
  return p;
}
