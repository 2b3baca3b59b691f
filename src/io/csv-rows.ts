/**
 * The rows of CSV/TSV bytes, as papaparse reads them (csv.ts), for any UTF-8 content and rows
 * of any width, over the cells of csv-cell-reader.ts:
 *
 * - a line whose first byte is '#' is a comment, to its '\n';
 * - a row of one cell that is only whitespace (by String.prototype.trim) is blank, and skipped.
 *
 * A row that lies whole in the buffer with no quote is parsed in place by parseRow, the fast
 * path; any other is read a cell at a time.
 */
import { HASH, NL, parseRow } from './csv-cells.js';
import { BAD, CsvCells, DELIMITER, ROW_END } from './csv-cell-reader.js';

export { BAD, DELIMITER, ROW_END, type CellEnd } from './csv-cell-reader.js';

export class CsvRows extends CsvCells {
  /** The first byte of the row at pos that is not ASCII whitespace, as startRow found it (0x80 when it did not look). */
  private lead = 0;
  /** The last '\n' in the buffer, for the window's `generation`. */
  private lastNLAt = -1;
  private lastNLGeneration = -1;
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

  /**
   * The row at pos (after startRow) parsed by parseRow into out[o, o + columns), when it lies
   * whole in the buffer with no quote, and its cells are plain numbers: true, and pos moves
   * past it. False leaves pos where it was, for cell().
   */
  fastRow(out: Float64Array, o: number, columns: number): boolean {
    const { w } = this;
    // rows before the buffer's last line break and its first quote need no search for their
    // end: parseRow stops at it
    if (this.lastNL(w.pos) < w.pos) {
      if (w.pos === 0 && w.len === w.buf.length) return false; // a row wider than the buffer
      w.compact();
      if (!w.fill() || this.lastNL(w.pos) < w.pos) return false;
    }
    const quote = this.quote(w.pos);
    if (quote < this.lastNL(w.pos)) {
      const nl = w.buf.indexOf(NL, w.pos);
      if (quote < nl) return false;
    }
    const end = parseRow(w.buf, w.pos, out, o, columns, this.delim, this.ws);
    if (end < 0) return false;
    this.lineBreak(end - 1, w.pos);
    w.pos = end;
    return true;
  }

  /** The index of the last '\n' in buf[from, len), or -1. */
  private lastNL(from: number): number {
    const { w } = this;
    if (this.lastNLGeneration !== w.generation) {
      this.lastNLAt = w.len > 0 ? w.buf.lastIndexOf(NL, w.len - 1) : -1;
      this.lastNLGeneration = w.generation;
    }
    return this.lastNLAt >= from ? this.lastNLAt : -1;
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

  /**
   * Move past the next data row without reading its numbers (`started`: startRow found its
   * start already); false on a bad quote, undefined at the end of the file.
   */
  skipRow(started = false): boolean | undefined {
    const { w } = this;
    for (;;) {
      if (!started && !this.startRow()) return undefined;
      started = false;
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
