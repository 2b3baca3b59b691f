/**
 * The rows of CSV/TSV bytes, as papaparse reads them (csv.ts), for any UTF-8 content and rows
 * of any width, over the cells of csv-cell-reader.ts:
 *
 * - a line whose first byte is '#' is a comment, to its '\n';
 * - a row of one cell that is only whitespace (by String.prototype.trim) is blank, and skipped.
 *
 * A row that lies whole in the buffer with no quote is parsed in place by parseRow, the fast
 * path (csv-plain.ts: many such rows in one call); any other is read a cell at a time.
 * values() hands out any number of values, so a row wider than the caller's block is read in
 * pieces, its place kept between them.
 */
import { countByte } from './byte-count.js';
import { HASH, NL } from './csv-cells.js';
import { BAD, DELIMITER, ROW_END } from './csv-cell-reader.js';
import { PlainRows } from './csv-plain.js';

export { BAD, DELIMITER, ROW_END, type CellEnd } from './csv-cell-reader.js';

export class CsvRows extends PlainRows {
  /** The first byte of the row at pos that is not ASCII whitespace, as startRow found it (0x80 when it did not look). */
  private lead = 0;
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
   * The next data row into out[o, o + columns); with `pick`, cell c into out[o + pick[c]],
   * not read at all where pick[c] is -1 (the cells read are counted 0, 1, ... in order). False
   * on anything parseCsv would report (not a number, a ragged row, a bad quote); undefined at
   * the end of the file.
   */
  row(out: Float64Array, o: number, columns: number, pick?: Int32Array): boolean | undefined {
    if (!this.startRow()) return undefined;
    if (pick === undefined && this.fastRow(out, o, columns)) return true;
    const end = this.piece(out, o, Infinity, columns, pick);
    return end === undefined ? undefined : end !== false;
  }

  /** The index in its row of the next cell piece() reads; 0 between rows. */
  cellInRow = 0;

  /**
   * The next `k` values of the rows (`width` a row: the cells `pick` reads, or all) into
   * out[o, o + k), from where the last call stopped; without `out`, moved past unread. A row
   * that starts here and fits goes whole by row() (skipRow()); any other is read a cell at a
   * time and may be left part way, its place kept (`cellInRow`) for the next call: a row
   * wider than `out` is read in pieces, never held. False and undefined as row().
   */
  values(out: Float64Array | undefined, o: number, k: number, columns: number, width: number, pick?: Int32Array): boolean | undefined {
    const end = o + k;
    while (o < end) {
      if (this.cellInRow === 0 && end - o >= width) {
        if (out !== undefined && pick === undefined && end - o >= 2 * width) {
          const n = this.plainRows(out, o, Math.floor((end - o) / width), columns);
          o += n * width;
          if (n > 0) continue;
        }
        const ok = out === undefined ? this.skipRow() : this.row(out, o, columns, pick);
        if (ok !== true) return ok;
        o += width;
      } else {
        const next = this.piece(out, o, end, columns, pick);
        if (next === false || next === undefined) return next;
        o = next;
      }
    }
    return true;
  }

  /**
   * Cells of the rows from `cellInRow` on, each value read into out[o++] (or passed, without
   * `out`), past blank rows, until out[end] would be next and the next cell is one read, or
   * the row ends: the next o. False on anything parseCsv would report (a ragged row, a bad
   * quote, and with `out`, a cell that is not a number); undefined at the end of the file.
   */
  private piece(out: Float64Array | undefined, o: number, end: number, columns: number, pick: Int32Array | undefined): number | false | undefined {
    for (;;) {
      if (this.cellInRow === 0 && !this.startRow()) return undefined;
      if (out !== undefined && pick === undefined) {
        o = this.plainCells(out, o, end, columns);
        if (o === end) return o;
      }
      const c = this.cellInRow;
      const ended = this.cell();
      if (ended === BAD) return this.stop();
      const read = pick === undefined || pick[c] >= 0;
      const number = read && out !== undefined && this.number(out, o);
      if (!number && c === 0 && ended === ROW_END && this.blank()) continue; // a blank row
      if (read) {
        if (out !== undefined && !number) return this.stop();
        o++;
      }
      if (ended === ROW_END) {
        this.cellInRow = 0;
        return c === columns - 1 ? o : false;
      }
      if (c === columns - 1) return this.stop(); // more cells than columns
      this.cellInRow = c + 1;
      if (o === end && (pick === undefined || pick[c + 1] >= 0)) return o;
    }
  }

  /** The cells from `cellInRow` on that plainNumbers() parses into out[o++] up to out[end], never the row's last: the next o. */
  private plainCells(out: Float64Array, o: number, end: number, columns: number): number {
    const n = this.plainNumbers(out, o, Math.min(end - o, columns - 1 - this.cellInRow));
    this.cellInRow += n;
    return o + n;
  }

  /** A row that does not parse: read on from its next cell with restOfRow(), not piece(). */
  private stop(): false {
    this.cellInRow = 0;
    return false;
  }

  /**
   * Move past the next data row without reading its numbers (`started`: startRow found its
   * start already); false on a bad quote (`broken`), and with `columns`, on a row of another
   * number of cells; undefined at the end of the file.
   */
  skipRow(started = false, columns?: number): boolean | undefined {
    const { w, delim } = this;
    for (;;) {
      if (!started && !this.startRow()) return undefined;
      started = false;
      // a row whole in the buffer without a quote is one line; one whose first byte after
      // whitespace is ASCII is not blank (the whitespace-only lines startRow skipped); its
      // cells are its delimiters plus one
      const nl = w.buf.indexOf(NL, w.pos);
      if (nl !== -1 && nl < w.len && this.lead < 0x80 && this.quote(w.pos) > nl) {
        const ok = columns === undefined || countByte(w.buf, delim, w.pos, nl) === columns - 1;
        this.lineBreak(nl, w.pos);
        w.pos = nl + 1;
        return ok;
      }
      let end = this.cell();
      if (end === BAD) return false;
      if (end === ROW_END && this.blank()) continue;
      let cells = 1;
      for (; end === DELIMITER; cells++) end = this.cell();
      return end === ROW_END && (columns === undefined || cells === columns);
    }
  }
}
