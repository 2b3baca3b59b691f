/**
 * The cells of CSV: `parseNumber` reads one cell's text (csv.ts and every CSV reader), and
 * `parseRow` the cells of one line of plain numeric CSV, in place from the bytes, to the bit
 * as parseNumber reads them: a decimal of at most 15 digits with an exponent within ±22
 * takes Clinger's fast path (m * 10^e or m / 10^-e, both exact doubles: one correctly rounded
 * operation); any other goes through Number() on its text. parseRow is used by csv-rows.ts
 * (whole rows) and csv-cell-reader.ts (one cell).
 */

// one way to match a string of digits: `\d+\.?\d*` would try every split of it (quadratic on a long bad cell)
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

/** A decimal number or a non-finite token (nan, inf, -inf, +inf, infinity, any case); surrounding spaces allowed. */
export function parseNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (DECIMAL.test(s)) return Number(s);
  const m = NON_FINITE.exec(s);
  if (!m) return undefined;
  if (m[2].toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

export const NL = 10;
export const CR = 13;
export const HASH = 35;
export const QUOTE = 34;

/** The bytes String.prototype.trim removes inside a line, less the delimiter. */
export function whitespace(delimiter: number): Uint8Array {
  const ws = new Uint8Array(256);
  for (const b of [0x09, 0x0b, 0x0c, 0x0d, 0x20]) ws[b] = 1;
  ws[delimiter] = 0;
  return ws;
}

/** Exact powers of ten: every 10^k for k <= 22 is a double. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Parse `columns` cells of the line at b[p] into out[o...]: each a number as parseNumber
 * reads it, with optional whitespace around it, separated by `delim`, the last followed by
 * `end` ('\n', or the byte after one cell when a row is read a cell at a time). Returns the
 * offset after `end`, or -1 if the line is anything else. `end` must follow inside `b`:
 * nothing here reads past it.
 */
export function parseRow(b: Buffer, p: number, out: Float64Array, o: number, columns: number, delim: number, ws: Uint8Array, end = NL): number {
  const last = columns - 1;
  for (let c = 0; c < columns; c++) {
    let ch = b[p];
    while (ch <= 32 && ws[ch] === 1) ch = b[++p];
    const s = p;
    // the sign without a branch (signs are random in data: a branch on them mispredicts)
    const negative = ((ch ^ 45) - 1) >>> 31; // 1 for '-', else 0
    p += negative;
    ch = b[p];
    if (ch === 43 && negative === 0) ch = b[++p];
    let value: number;
    let d = ch - 48; // a digit when d >>> 0 < 10; '.' is -2
    if (d >>> 0 < 10 || d === -2) {
      // digits [. digits] [(e|E) [+-] digits], with at least one digit before the exponent
      let m = 0;
      let exponent = 0;
      const first = p;
      while (d >>> 0 < 10) {
        m = m * 10 + d;
        d = b[++p] - 48;
      }
      let digits = p - first;
      if (d === -2) {
        const fraction = ++p;
        d = b[p] - 48;
        while (d >>> 0 < 10) {
          m = m * 10 + d;
          d = b[++p] - 48;
        }
        exponent = fraction - p; // minus the number of fraction digits
        digits -= exponent;
      }
      if (digits === 0) return -1;
      ch = d + 48;
      if ((ch | 0x20) === 101) {
        ch = b[++p];
        let negativeExponent = false;
        if (ch === 45) {
          negativeExponent = true;
          ch = b[++p];
        } else if (ch === 43) {
          ch = b[++p];
        }
        if (ch - 48 >>> 0 >= 10) return -1;
        let x = 0;
        while (ch - 48 >>> 0 < 10) {
          if (x < 1e6) x = x * 10 + (ch - 48);
          ch = b[++p];
        }
        exponent += negativeExponent ? -x : x;
      }
      if (digits <= 15 && exponent >= -22 && exponent <= 22) {
        // Clinger's fast path: ±m (|m| < 10^15) and 10^|e| are exact doubles, so one operation
        // rounds once; the sign enters exactly, by a multiplication by ±1
        const signed = m * (1 - 2 * negative);
        value = exponent < 0 ? signed / POW10[-exponent] : signed * POW10[exponent];
      } else {
        value = slowNumber(b, s, p);
      }
    } else {
      // nan, inf, infinity, in any case
      const l0 = ch | 0x20;
      if (l0 === 110 && (b[p + 1] | 0x20) === 97 && (b[p + 2] | 0x20) === 110) {
        value = NaN;
        p += 3;
      } else if (l0 === 105 && (b[p + 1] | 0x20) === 110 && (b[p + 2] | 0x20) === 102) {
        p += 3;
        if (
          (b[p] | 0x20) === 105 &&
          (b[p + 1] | 0x20) === 110 &&
          (b[p + 2] | 0x20) === 105 &&
          (b[p + 3] | 0x20) === 116 &&
          (b[p + 4] | 0x20) === 121
        ) {
          p += 5;
        }
        value = negative === 0 ? Infinity : -Infinity;
      } else {
        return -1;
      }
      ch = b[p];
    }
    out[o + c] = value;
    if (ch === delim && c < last) {
      p++;
      continue;
    }
    while (ch <= 32 && ws[ch] === 1) ch = b[++p];
    if (c < last ? ch !== delim : ch !== end) return -1;
    p++;
  }
  return p;
}

/** A decimal the fast path cannot round exactly: Number() on its text, as parseNumber does. */
function slowNumber(b: Buffer, start: number, end: number): number {
  return Number(b.toString('latin1', start, end));
}

