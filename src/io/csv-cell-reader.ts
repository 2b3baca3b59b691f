/**
 * The cells of CSV/TSV bytes, one at a time, as papaparse reads them (csv.ts), through one
 * reused buffer (csv-window.ts): each cell whole in the buffer (which grows only for a cell
 * longer than itself, never for a row), for any UTF-8 content.
 *
 * - a row ends at a '\n' outside quotes ("\r\n" too: the CR is whitespace around the last cell);
 * - a cell that starts with '"' is quoted: it runs to the next '"' not doubled ("" is one
 *   quote), may hold delimiters and line breaks, and its closing quote may be followed by
 *   whitespace, then the delimiter or the line break; a quote anywhere else is text.
 *
 * Only cells that are not plain ASCII numbers are decoded, to be read by parseNumber. A quote
 * papaparse would report (left open, or followed by text) is BAD, with its words in `bad`.
 */
import { CR, NL, parseNumber, parseRow, QUOTE } from './csv-cells.js';
import { ByteWindow } from './csv-window.js';

/** How a cell ended. */
export const DELIMITER = 0;
export const ROW_END = 1;
export const BAD = 2;
export type CellEnd = typeof DELIMITER | typeof ROW_END | typeof BAD;

export class CsvCells {
  readonly w: ByteWindow;
  /** The last cell read by cell(): its text is buf[cellStart, cellEnd), with "" for each quote if `escaped`. */
  cellStart = 0;
  cellEnd = 0;
  quoted = false;
  escaped = false;
  /** Line breaks that end rows, blank lines and comments (outside quotes), and those of them after a CR. */
  breaks = 0;
  crBreaks = 0;
  /** A quote that does not open a cell (inside an unquoted cell, or in a comment): text to papaparse. */
  strayQuote = false;
  /** The 1-based line of the next byte, counting every '\n' passed (a file read as papaparse reads it has no other line break). */
  line = 1;
  /** The last cell read ended its row; a cell was BAD (the rows after it are not papaparse's). */
  rowEnded = true;
  broken = false;
  /** Why the last cell was BAD, in papaparse's words. */
  bad: 'quoted field unterminated' | 'trailing quote on quoted field is malformed' = 'quoted field unterminated';
  /** The first quote at or after some index of the buffer, or len if none; for the window's `generation`. */
  private quoteAt = 0;
  private quoteGeneration = -1;

  constructor(
    fd: number,
    start: number,
    chunkBytes: number,
    source: string,
    protected readonly delim: number,
    protected readonly ws: Uint8Array,
    check = false,
  ) {
    this.w = new ByteWindow(fd, start, chunkBytes, source, check);
  }

  /** The file offset of the next byte to read. */
  offset(): number {
    return this.w.offset();
  }

  /** The index of the first quote in buf[from, len), or len. */
  protected quote(from: number): number {
    const { w } = this;
    if (this.quoteGeneration !== w.generation || this.quoteAt < from) {
      const q = w.buf.indexOf(QUOTE, from);
      this.quoteAt = q === -1 || q >= w.len ? w.len : q;
      this.quoteGeneration = w.generation;
    }
    return this.quoteAt;
  }

  /** Count the line break at buf[nl], in a line that starts at buf[from]. */
  protected lineBreak(nl: number, from: number): void {
    if (nl === this.w.virtualNewline) return;
    this.line++;
    this.breaks++;
    if (nl > from && this.w.buf[nl - 1] === CR) this.crBreaks++;
  }

  /**
   * The next cell of the row at pos: its bytes whole in the buffer (cellStart, cellEnd), pos
   * past the delimiter or line break that ends it. BAD when papaparse would report an error.
   */
  cell(): CellEnd {
    const end = this.readCell();
    this.rowEnded = end === ROW_END;
    if (end === BAD) this.broken = true;
    return end;
  }

  /** The cells left in the row of the last cell read; false if one is BAD. */
  restOfRow(): boolean {
    while (!this.rowEnded) if (this.cell() === BAD) return false;
    return !this.broken;
  }

  private readCell(): CellEnd {
    const { w, delim } = this;
    if (w.pos >= w.len && w.reach(w.pos) === -1) return BAD;
    if (w.buf[w.pos] === QUOTE) return this.quotedCell();
    let i = w.pos;
    for (;;) {
      if (i >= w.len) {
        const moved = w.reach(i);
        if (moved === -1) return BAD;
        i -= moved;
      }
      const b = w.buf[i];
      if (b === delim || b === NL) break;
      if (b === QUOTE) this.strayQuote = true;
      i++;
    }
    this.quoted = false;
    this.escaped = false;
    this.cellStart = w.pos;
    this.cellEnd = i;
    w.pos = i + 1;
    if (w.buf[i] === delim) return DELIMITER;
    this.lineBreak(i, this.cellStart);
    return ROW_END;
  }

  private quotedCell(): CellEnd {
    const { w, ws, delim } = this;
    let i = w.pos + 1;
    let escaped = false;
    let lines = 0; // line breaks inside the quotes
    this.bad = 'quoted field unterminated';
    for (;;) {
      if (i + 1 >= w.len) {
        // the quote and the byte after it
        const moved = w.reach(i + 1);
        if (moved === -1) return BAD;
        i -= moved;
      }
      const b = w.buf[i];
      if (b === QUOTE) {
        if (w.buf[i + 1] !== QUOTE) break;
        escaped = true;
        i += 2;
      } else {
        if (b === NL) lines++;
        i++;
      }
    }
    this.bad = 'trailing quote on quoted field is malformed';
    // after the closing quote at i: whitespace, then the delimiter or the line break
    let j = i + 1;
    for (;;) {
      if (j >= w.len) {
        const moved = w.reach(j);
        if (moved === -1) return BAD;
        i -= moved;
        j -= moved;
      }
      if (ws[w.buf[j]] !== 1) break;
      j++;
    }
    const end = w.buf[j];
    if (end !== delim && end !== NL) return BAD;
    // spaces after the closing quote and then the end of the file, without a line break: malformed too
    if (end === NL && j === w.virtualNewline && j > i + 1) return BAD;
    this.line += lines;
    this.quoted = true;
    this.escaped = escaped;
    this.cellStart = w.pos + 1;
    this.cellEnd = i;
    w.pos = j + 1;
    if (end === delim) return DELIMITER;
    this.lineBreak(j, i);
    return ROW_END;
  }

  /** The last cell's text, decoded (UTF-8, invalid bytes as U+FFFD, as TextDecoder decodes them). */
  text(): string {
    const s = this.w.buf.toString('utf8', this.cellStart, this.cellEnd);
    return this.escaped ? s.replaceAll('""', '"') : s;
  }

  /** The last cell as parseNumber reads it, into out[o]; false if it is not a number. */
  number(out: Float64Array, o: number): boolean {
    if (!this.escaped) {
      const end = this.quoted ? QUOTE : this.w.buf[this.cellEnd];
      if (parseRow(this.w.buf, this.cellStart, out, o, 1, this.delim, this.ws, end) === this.cellEnd + 1) return true;
    }
    const v = parseNumber(this.text());
    if (v === undefined) return false;
    out[o] = v;
    return true;
  }

  /** Whether the last cell, the only one of its row, is blank: the row is skipped. */
  blank(): boolean {
    return this.text().trim() === '';
  }
}
