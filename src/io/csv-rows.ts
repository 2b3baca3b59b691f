/**
 * The rows of CSV/TSV bytes, read as papaparse reads them (csv.ts), through one reused buffer
 * (csv-window.ts), for any UTF-8 content and rows of any width:
 *
 * - a row ends at a '\n' outside quotes ("\r\n" too: the CR is whitespace around the last cell);
 * - a line whose first byte is '#' is a comment, to its '\n';
 * - a row of one cell that is only whitespace (by String.prototype.trim) is blank, and skipped;
 * - a cell that starts with '"' is quoted: it runs to the next '"' not doubled ("" is one
 *   quote), may hold delimiters and line breaks, and its closing quote may be followed by
 *   whitespace, then the delimiter or the line break; a quote anywhere else is text.
 *
 * A row that lies whole in the buffer with no quote is parsed in place by parseRow, the fast
 * path; any other is read a cell at a time, each cell whole in the buffer (the buffer grows
 * only for a cell longer than itself, never for a row). Only cells that are not plain ASCII
 * numbers are decoded, to be read by parseNumber. Anything papaparse would report (a quote
 * left open or followed by text) is BAD: the caller reads the file whole, for its error.
 */
import { CR, HASH, NL, parseNumber, parseRow, QUOTE } from './csv-cells.js';
import { ByteWindow } from './csv-window.js';

/** How a cell ended. */
export const DELIMITER = 0;
export const ROW_END = 1;
export const BAD = 2;
export type CellEnd = typeof DELIMITER | typeof ROW_END | typeof BAD;

export class CsvRows {
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
  /** The first byte of the row at pos that is not ASCII whitespace, as startRow found it (0x80 when it did not look). */
  private lead = 0;
  /** The first quote at or after some index of the buffer, or len if none; for the window's `generation`. */
  private quoteAt = 0;
  private quoteGeneration = -1;

  constructor(
    fd: number,
    start: number,
    chunkBytes: number,
    source: string,
    private readonly delim: number,
    private readonly ws: Uint8Array,
    check = false,
  ) {
    this.w = new ByteWindow(fd, start, chunkBytes, source, check);
  }

  /** The file offset of the next byte to read. */
  offset(): number {
    return this.w.offset();
  }

  /** Skip a UTF-8 byte order mark at the start of the file; false if another follows it (papaparse's input would keep one). */
  skipBom(): boolean {
    const { w } = this;
    if (w.reach(w.pos + 5) === -1 && w.len - w.pos < 3) return true;
    const b = w.buf;
    const at = (i: number): boolean => i + 2 < w.len && b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf;
    if (!at(w.pos)) return true;
    w.pos += 3;
    return !at(w.pos);
  }

  /**
   * Move past comment lines and blank lines to the start of the next row; false at the end of
   * the file. A row that is blank only by Unicode whitespace or quotes, or too long for the
   * buffer, is left to the reader of its cells.
   */
  startRow(): boolean {
    const { w, ws } = this;
    for (;;) {
      if (w.pos >= w.len) {
        w.compact();
        if (!w.fill()) return false;
      }
      const { buf } = w;
      const p = w.pos;
      if (buf[p] === HASH) {
        this.skipComment();
        continue;
      }
      let q = p;
      while (q < w.len && ws[buf[q]] === 1) q++;
      if (q === w.len) {
        // whitespace up to the end of what is read: read on, unless it fills the buffer
        this.lead = 0x80;
        if (p === 0 && w.len === buf.length) return true;
        w.compact();
        if (!w.fill()) return false;
        continue;
      }
      this.lead = buf[q];
      if (buf[q] !== NL) return true;
      this.lineBreak(q, p);
      w.pos = q + 1;
    }
  }

  /** Skip the comment line at pos, to its '\n' (quotes and all). */
  private skipComment(): void {
    const { w } = this;
    for (;;) {
      const { buf } = w;
      const nl = buf.indexOf(NL, w.pos);
      const end = nl === -1 || nl >= w.len ? w.len : nl;
      if (this.quote(w.pos) < end) this.strayQuote = true;
      if (end < w.len) {
        this.lineBreak(end, w.pos);
        w.pos = end + 1;
        return;
      }
      w.pos = w.len - 1; // its last byte kept: a CR before the '\n' still to come
      w.compact();
      if (!w.fill()) return;
    }
  }

  /** The index of the first quote in buf[from, len), or len. */
  private quote(from: number): number {
    const { w } = this;
    if (this.quoteGeneration !== w.generation || this.quoteAt < from) {
      const q = w.buf.indexOf(QUOTE, from);
      this.quoteAt = q === -1 || q >= w.len ? w.len : q;
      this.quoteGeneration = w.generation;
    }
    return this.quoteAt;
  }

  /** Count the line break at buf[nl], in a line that starts at buf[from]. */
  private lineBreak(nl: number, from: number): void {
    if (nl === this.w.virtualNewline) return;
    this.line++;
    this.breaks++;
    if (nl > from && this.w.buf[nl - 1] === CR) this.crBreaks++;
  }

  /**
   * The row at pos (after startRow) parsed by parseRow into out[o, o + columns), when it lies
   * whole in the buffer with no quote, and its cells are plain numbers: true, and pos moves
   * past it. False leaves pos where it was, for cell().
   */
  fastRow(out: Float64Array, o: number, columns: number): boolean {
    const { w } = this;
    const { buf } = w;
    let nl = buf.indexOf(NL, w.pos);
    if (nl === -1 || nl >= w.len) {
      if (w.pos === 0 && w.len === buf.length) return false; // a row wider than the buffer
      w.compact();
      if (!w.fill()) return false;
      nl = w.buf.indexOf(NL, w.pos);
      if (nl === -1 || nl >= w.len) return false;
    }
    if (this.quote(w.pos) < nl) return false;
    const end = parseRow(w.buf, w.pos, out, o, columns, this.delim, this.ws);
    if (end < 0) return false;
    this.lineBreak(nl, w.pos);
    w.pos = end;
    return true;
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

  /**
   * The next data row into out[o, o + columns); with `pick`, cell c into out[o + pick[c]],
   * not read at all where pick[c] is -1. False on anything parseCsv would report (not a
   * number, a ragged row, a bad quote); undefined at the end of the file.
   */
  row(out: Float64Array, o: number, columns: number, pick?: Int32Array): boolean | undefined {
    for (;;) {
      if (!this.startRow()) return undefined;
      if (pick === undefined && this.fastRow(out, o, columns)) return true;
      const parsed = this.cells(out, o, columns, pick);
      if (parsed !== 'blank') return parsed;
    }
  }

  /** The row at pos a cell at a time; 'blank' for a blank row. */
  private cells(out: Float64Array, o: number, columns: number, pick: Int32Array | undefined): boolean | 'blank' {
    for (let c = 0; ; c++) {
      const end = this.cell();
      if (end === BAD) return false;
      const at = pick === undefined ? c : pick[c];
      const alone = c === 0 && end === ROW_END;
      if (at >= 0 ? !this.number(out, o + at) : alone && this.blank()) return alone && this.blank() ? 'blank' : false;
      if (end === ROW_END) return c === columns - 1;
      if (c === columns - 1) return false; // more cells than columns
    }
  }

  /** Move past the next data row without reading its numbers; false on a bad quote, undefined at the end of the file. */
  skipRow(): boolean | undefined {
    const { w } = this;
    for (;;) {
      if (!this.startRow()) return undefined;
      // a row whole in the buffer without a quote is one line; one whose first byte after
      // whitespace is ASCII is not blank (the whitespace-only lines startRow skipped)
      const nl = w.buf.indexOf(NL, w.pos);
      if (nl !== -1 && nl < w.len && this.lead < 0x80 && this.quote(w.pos) > nl) {
        this.lineBreak(nl, w.pos);
        w.pos = nl + 1;
        return true;
      }
      let end = this.cell();
      if (end === BAD) return false;
      if (end === ROW_END && this.blank()) continue;
      while (end === DELIMITER) end = this.cell();
      return end === ROW_END;
    }
  }
}
