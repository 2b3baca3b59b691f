// The two byte loops of a CSV file read in blocks (src/io/csv-kernel.ts), over a window buffer
// in this memory (memory.ts CSV_WINDOWS): counting rows and their delimiters (the open pass),
// and parsing rows of plain numbers into float64. Both go row by row from p and
// stop at the first row they do not take whole, which the JavaScript path (src/io/csv-plain.ts,
// the reference) then reads; each returns the rows taken, and leaves in CSV_SCRATCH the offset
// after them (an i32) and how many of them ended in "\r\n" (an i32).
//
// Every row taken starts before `stop`, and `stop` is at most one past a '\n' the caller has
// seen: no row taken reads past it, and the loads at most 31 bytes further (two of 16 bytes in
// csvCountRows), inside the window's padding. csvParseRows writes a block of rows to `out`:
// CSV_VALUES, or a block in a read region (src/io/csv-values.ts).
import { anyCell, isWs, needDigitOrder, NL, plainCell } from './csv-cell';
import { CSV_SCRATCH } from './memory';

const CR: u32 = 13;
const QUOTE: u32 = 34;
const HASH: u32 = 35;

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
 * `columns` - 1 delimiters. 32 bytes a step: the bitmasks of '\n', the delimiter and '"' in
 * them; each '\n' ends a row whose delimiters are those counted before it.
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
    const w = v128.load(q, 16);
    let nls = i8x16.bitmask(i8x16.eq(v, NLS)) | (i8x16.bitmask(i8x16.eq(w, NLS)) << 16);
    let ds = i8x16.bitmask(i8x16.eq(v, DELIMS)) | (i8x16.bitmask(i8x16.eq(w, DELIMS)) << 16);
    let qs = i8x16.bitmask(i8x16.eq(v, QUOTES)) | (i8x16.bitmask(i8x16.eq(w, QUOTES)) << 16);
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
    q += 32;
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
  needDigitOrder();
  while (n < rows && p < stop) {
    const end = parseRow(p, out + (<usize>n * <usize>columns << 3), columns, delim, ws);
    if (end == 0) break;
    if (end - 2 >= p && <u32>load<u8>(end - 2) == CR) cr++;
    p = end;
    n++;
  }
  return done(p, cr, n);
}

/**
 * The row at p into out: the offset after its '\n', or 0 if it is not taken. Its cells' ends
 * come from the bitmasks of the delimiters and '\n's of 16 bytes at a time, so that no cell's
 * parsing waits for the one before it to find its end.
 */
// @ts-ignore: decorator
@inline
function parseRow(p: usize, out: usize, columns: i32, delim: u32, ws: u32): usize {
  const last = columns - 1;
  let c = 0;
  let start = p; // the cell being found
  let q = p;
  while (true) {
    const v = v128.load(q);
    let ends = i8x16.bitmask(v128.or(i8x16.eq(v, i8x16.splat(<i8>delim)), i8x16.eq(v, i8x16.splat(<i8>NL))));
    while (ends != 0) {
      const end = q + <usize>ctz(ends);
      ends &= ends - 1;
      // the last cell ends in '\n', every other in a delimiter
      if ((<u32>load<u8>(end) == NL) != (c == last)) return 0;
      const o = out + (<usize>c << 3);
      if (!plainCell(start, <u32>(end - start), o) && anyCell(start, o, <u32>load<u8>(end), ws) != end + 1) return 0;
      start = end + 1;
      if (++c == columns) return start;
    }
    q += 16;
  }
  return unreachable();
}
