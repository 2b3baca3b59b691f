/**
 * JSON number literals read from bytes, to the same float64 JSON.parse gives: the grammar
 * -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, each optional part taken only when complete (`1.`
 * is the number 1 followed by a '.').
 *
 * The value is m * 10^e for the literal's digits m. With at most 15 significant digits,
 * m < 10^15 < 2^53 is exact in float64; when |e| <= 22, 10^|e| is exact too (5^22 < 2^53),
 * so one multiplication or division rounds once, correctly (Clinger's fast path). With 16 to
 * 19 digits (what printing a float32 or float64 gives), m is exact as a double-double and
 * m * 10^e is computed as one to within 2^-90 of itself; rounded to float64 that is the
 * correctly rounded value unless it lies near (2^-80) a midpoint between two doubles, which
 * is checked. Any other literal, and those near-midpoint ones, are converted by Number() on
 * their text, which rounds correctly as JSON.parse does.
 */
import type { Cursor } from './json-cursor.js';

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Significant digits of m held in `hi` (exact: 10^15 < 2^53), and in all (10^19 < 2^64). */
const HI_DIGITS = 15;
const ALL_DIGITS = 19;

export interface NumberToken {
  value: number;
  /** Bytes in the literal. */
  length: number;
  /** Whether it is an integer literal (no fraction, no exponent): one `written` may keep. */
  integer: boolean;
}

const token: NumberToken = { value: 0, length: 0, integer: true };

/**
 * The number literal at the cursor (not consumed), or undefined when none starts there. The
 * result is reused by the next call. With `convert` false only an integer literal that may be
 * beyond 2^53 (16 digits or more) gets its value; any other value is 0, for a pass that
 * only checks and counts.
 */
export function numberAt(c: Cursor, convert = true): NumberToken | undefined {
  // a literal is read from the buffer; one that runs past what is read is read again with more
  for (let want = 64; ; want *= 2) {
    if (c.lim - c.pos < want) c.ensure(want);
    const length = scan(c.buf, c.pos, c.lim, convert, c.lim - c.pos >= want);
    if (length === NONE) return undefined;
    if (length !== MORE) {
      token.length = length;
      if (Number.isNaN(token.value)) token.value = Number(c.ascii(length));
      return token;
    }
  }
}

const NONE = -1;
const MORE = -2;

/**
 * The length of the literal at buf[p0] (before `lim`), its value in `token` (NaN when
 * Number() must convert it); NONE when no literal starts there, MORE when it may run on
 * past `lim` and `partial` says the source may have more bytes.
 */
function scan(buf: Uint8Array, p0: number, lim: number, convert: boolean, partial: boolean): number {
  let i = p0;
  let b = i < lim ? buf[i] : -1;
  const negative = b === 0x2d;
  if (negative) b = ++i < lim ? buf[i] : -1;
  if (!(b >= 0x30 && b <= 0x39)) return i >= lim && partial ? MORE : NONE;
  let hi = 0; // the first HI_DIGITS significant digits
  let lo = 0; // the next ones, up to ALL_DIGITS in all
  let loDigits = 0;
  let significant = 0;
  let scale = 0; // the value is (hi * 10^loDigits + lo) * 10^scale
  let exact = true; // no nonzero digit was left out
  if (b === 0x30) i++;
  else {
    for (; i < lim && (b = buf[i]) >= 0x30 && b <= 0x39; i++) {
      if (significant < HI_DIGITS) {
        hi = hi * 10 + (b - 0x30);
        significant++;
      } else if (significant < ALL_DIGITS) {
        lo = lo * 10 + (b - 0x30);
        loDigits++;
        significant++;
      } else {
        scale++;
        if (b !== 0x30) exact = false;
      }
    }
  }
  if (i + 1 >= lim && partial) return MORE;
  let integer = true;
  // bytes at lim and past it are no part of the text (a reused buffer holds older bytes there)
  if (i + 1 < lim && buf[i] === 0x2e && buf[i + 1] >= 0x30 && buf[i + 1] <= 0x39) {
    integer = false;
    for (i++; i < lim && (b = buf[i]) >= 0x30 && b <= 0x39; i++) {
      if (significant < HI_DIGITS) {
        hi = hi * 10 + (b - 0x30);
        if (hi > 0) significant++;
        scale--;
      } else if (significant < ALL_DIGITS) {
        lo = lo * 10 + (b - 0x30);
        loDigits++;
        significant++;
        scale--;
      } else if (b !== 0x30) exact = false;
    }
  }
  if (i + 2 >= lim && partial) return MORE;
  b = i < lim ? buf[i] : -1;
  if (b === 0x65 || b === 0x45) {
    let j = i + 1;
    const sign = j < lim ? buf[j] : -1;
    if (sign === 0x2b || sign === 0x2d) j++;
    if (j < lim && buf[j] >= 0x30 && buf[j] <= 0x39) {
      integer = false;
      let e = 0;
      for (; j < lim && (b = buf[j]) >= 0x30 && b <= 0x39; j++) if (e < 1e6) e = e * 10 + (b - 0x30);
      scale += sign === 0x2d ? -e : e;
      i = j;
    }
  }
  if (i >= lim && partial) return MORE;
  token.integer = integer;
  if (!convert && !(integer && significant > HI_DIGITS)) token.value = 0;
  else if (!exact || scale < -22 || scale > 22) token.value = NaN; // Number() converts it
  else {
    const value = loDigits === 0 ? (scale < 0 ? hi / POW10[-scale] : hi * POW10[scale]) : doubleDouble(hi, loDigits, lo, scale);
    token.value = negative ? -value : value;
  }
  return i - p0;
}

// Double-double arithmetic (Dekker): a value as an unevaluated sum of two doubles; written
// out inline, as this runs once per literal.
const SPLIT = 134217729; // 2^27 + 1: splits a double into two halves of 26 bits

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0; // the word with the exponent
/** Half the spacing of doubles with each biased exponent: 2^(e - 1076). */
const HALF_ULP = Float64Array.from({ length: 2048 }, (_, e) => 2 ** (e - 1076));
const MARGIN = 2 ** -80;

/**
 * (hi * 10^loDigits + lo) * 10^scale correctly rounded, for |scale| <= 22; NaN when the
 * double-double result lies too near a midpoint (or r is a power of 2, below which the
 * spacing halves) to be sure.
 */
function doubleDouble(hi: number, loDigits: number, lo: number, scale: number): number {
  // m = mh + ml exactly: hi * 10^loDigits < 2^64 needs two doubles; lo < 10^4 is exact
  const k = POW10[loDigits];
  const p0 = hi * k;
  let t = SPLIT * hi;
  const hh = t - (t - hi);
  const hl = hi - hh; // k < 2^14 needs no split
  const e0 = hh * k - p0 + hl * k;
  const mh = p0 + lo;
  const v = mh - p0;
  const ml = e0 + (p0 - (mh - v) + (lo - v)); // integers below 2^13: exact
  const p = POW10[scale < 0 ? -scale : scale];
  const ph = SPLIT * p - (SPLIT * p - p);
  const pl = p - ph;
  let qh: number;
  let ql: number;
  if (scale >= 0) {
    qh = mh * p;
    t = SPLIT * mh;
    const ah = t - (t - mh);
    const al = mh - ah;
    ql = ah * ph - qh + ah * pl + al * ph + al * pl + ml * p;
  } else {
    qh = mh / p;
    const back = qh * p;
    t = SPLIT * qh;
    const ah = t - (t - qh);
    const al = qh - ah;
    const e = ah * ph - back + ah * pl + al * ph + al * pl; // qh * p = back + e exactly
    ql = (mh - back - e + ml) / p; // mh - back is exact (Sterbenz)
  }
  const r = qh + ql;
  const w = r - qh;
  const d = qh - (r - w) + (ql - w); // r + d = qh + ql exactly
  bits[0] = r;
  const high = words[HIGH];
  const exponent = (high >>> 20) & 0x7ff;
  if (exponent === 0 || exponent === 0x7ff || (words[1 - HIGH] === 0 && (high & 0xfffff) === 0)) return NaN;
  // the error of qh + ql is below |r| * 2^-90 (ml * p rounds at 2^-53 of a part below 2^-39 of r)
  return Math.abs((d < 0 ? -d : d) - HALF_ULP[exponent]) > (r < 0 ? -r : r) * MARGIN ? r : NaN;
}
