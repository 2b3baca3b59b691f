/**
 * JSON number literals read from bytes, to the same float64 JSON.parse gives: the grammar
 * -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, each optional part taken only when complete (`1.`
 * is the number 1 followed by a '.').
 *
 * The value: a literal with at most 15 significant digits is m * 10^e with m < 10^15 < 2^53,
 * exact in float64; when |e| <= 22, 10^|e| is exact too (5^22 < 2^53), so one multiplication
 * or division rounds once, correctly (Clinger's fast path). Any other literal is converted by
 * Number() on its text, which rounds correctly as JSON.parse does.
 */
import type { Cursor } from './json-cursor.js';

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_DIGITS = 15;

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
 * beyond 2^53 (16 digits or more) gets its value; any other value is NaN, for a pass that
 * only checks and counts.
 */
export function numberAt(c: Cursor, convert = true): NumberToken | undefined {
  let k = 0;
  let b = c.at(0);
  const negative = b === 0x2d;
  if (negative) b = c.at(++k);
  if (!isDigit(b)) return undefined;
  let m = 0;
  let digits = 0; // significant digits in m
  let dropped = 0; // integer digits past MAX_DIGITS (they scale m by 10 each)
  if (b === 0x30) k++;
  else {
    for (; isDigit(b); b = c.at(++k)) {
      if (digits < MAX_DIGITS) {
        m = m * 10 + (b - 0x30);
        if (m > 0) digits++;
      } else dropped++;
    }
  }
  let integer = true;
  let scale = dropped; // the value is m * 10^scale (when nothing was dropped)
  let exact = dropped === 0;
  if (c.at(k) === 0x2e && isDigit(c.at(k + 1))) {
    integer = false;
    for (b = c.at(++k); isDigit(b); b = c.at(++k)) {
      if (digits < MAX_DIGITS) {
        m = m * 10 + (b - 0x30);
        if (m > 0) digits++;
        scale--;
      } else if (b !== 0x30) exact = false;
    }
  }
  b = c.at(k);
  if (b === 0x65 || b === 0x45) {
    let j = k + 1;
    const sign = c.at(j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (isDigit(c.at(j))) {
      integer = false;
      let e = 0;
      for (b = c.at(j); isDigit(b); b = c.at(++j)) if (e < 1e6) e = e * 10 + (b - 0x30);
      scale += sign === 0x2d ? -e : e;
      k = j;
    }
  }
  token.length = k;
  token.integer = integer;
  if (!convert && !(integer && digits + dropped > MAX_DIGITS)) token.value = NaN;
  else if (exact && scale >= -22 && scale <= 22) {
    const value = scale < 0 ? m / POW10[-scale] : m * POW10[scale];
    token.value = negative ? -value : value;
  } else token.value = Number(c.ascii(k));
  return token;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
