/**
 * The fast paths of CSV/TSV rows (csv-rows.ts) over plain numbers: rows and cells that lie
 * whole in the buffer, parsed in place by parseRow (csv-cells.ts), many at a time where they
 * can be; anything else (a quote, a comment, a blank row, a row across the buffer's end) is
 * left to the reader of cells. Many rows go to the WebAssembly kernel first (csv-kernel.ts),
 * when the buffer lies in its memory; the loops here read the rows it leaves.
 */
import { countByte } from './byte-count.js';
import { HASH, NL, parseRow } from './csv-cells.js';
import { CsvCells } from './csv-cell-reader.js';
import { kernelCountRows, kernelParseRows, whitespaceBits, type Taken } from './csv-kernel.js';

export class PlainRows extends CsvCells {
  /** The last '\n' in the buffer, for the window's `generation`. */
  private lastNLAt = -1;
  private lastNLGeneration = -1;
  /** The last delimiter in the buffer, for the window's `generation`. */
  private lastDelimAt = -1;
  private lastDelimGeneration = -1;

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

  /**
   * Up to `rows` rows from pos parsed by parseRow into out[o...] (`columns` values a row), while
   * each lies whole in the buffer, starts before file offset `stopAt` and is plain numbers: how
   * many, pos past them. The first that is not (a blank row, a comment, a quote, a row across
   * the buffer's end) is left to row(): many short rows (a column of labels) cost one call.
   */
  plainRows(out: Float64Array, o: number, rows: number, columns: number, stopAt = Infinity): number {
    const { w, delim, ws } = this;
    // a row that starts at or before the last '\n' ends inside the buffer
    const stop = Math.min(this.lastNL(w.pos) + 1, stopAt - w.base);
    const { buf } = w;
    let p = w.pos;
    let n = 0;
    while (n < rows && p < stop) {
      // the kernel's rows, then one here: the row it did not take (a cell off the fast path, or no row of plain numbers)
      const taken = kernelParseRows(buf, p, this.kernelStop(stop), out, o + n * columns, rows - n, columns, delim, this.wsBits());
      if (taken !== undefined) {
        p = this.passed(taken, p);
        n += taken.rows;
        if (n === rows || p >= stop) break;
      }
      const next = parseRow(buf, p, out, o + n * columns, columns, delim, ws);
      if (next < 0) break;
      this.lineBreak(next - 1, p);
      p = next;
      n++;
    }
    w.pos = p;
    return n;
  }

  /**
   * Up to `rows` rows from pos moved past unread, while each lies whole in the buffer, starts
   * before file offset `stopAt`, holds no quote, starts with a byte that is neither '#' nor
   * whitespace nor beyond ASCII (no comment, not blank), and has `columns` cells by its
   * delimiters: how many, pos past them. The first that is not is left to skipRow().
   */
  countRows(rows: number, columns: number, stopAt: number): number {
    const { w, delim, ws } = this;
    const stop = Math.min(this.lastNL(w.pos) + 1, stopAt - w.base);
    const quote = this.quote(w.pos);
    const { buf } = w;
    let p = w.pos;
    let n = 0;
    // the kernel's rows; the loop here reads on from the first it did not take
    const taken = kernelCountRows(buf, p, this.kernelStop(stop), rows, columns, delim, this.wsBits());
    if (taken !== undefined) {
      p = this.passed(taken, p);
      n = taken.rows;
    }
    for (; n < rows && p < stop; n++) {
      const first = buf[p];
      if (first === HASH || first === NL || first >= 0x80 || ws[first] === 1) break;
      const nl = buf.indexOf(NL, p);
      if (quote < nl || countByte(buf, delim, p, nl) !== columns - 1) break;
      this.lineBreak(nl, p);
      p = nl + 1;
    }
    w.pos = p;
    return n;
  }

  /** Whitespace as the kernel takes it (csv-kernel.ts whitespaceBits). */
  private wsBitsOf: number | undefined;
  private wsBits(): number {
    return (this.wsBitsOf ??= whitespaceBits(this.ws));
  }

  /** `stop` for the kernel: the row that ends in the '\n' added at the end of the file is left here (lineBreak does not count it). */
  private kernelStop(stop: number): number {
    const { w } = this;
    return w.virtualNewline >= 0 ? Math.min(stop, w.buf.lastIndexOf(NL, w.virtualNewline - 1) + 1) : stop;
  }

  /** The line breaks of the rows the kernel took from p: the index after them. */
  private passed(taken: Taken, p: number): number {
    this.line += taken.rows;
    this.breaks += taken.rows;
    this.crBreaks += taken.crBreaks;
    return taken.rows > 0 ? taken.end : p;
  }

  /** The index of the last '\n' in buf[from, len), or -1. */
  protected lastNL(from: number): number {
    const { w } = this;
    if (this.lastNLGeneration !== w.generation) {
      this.lastNLAt = w.len > 0 ? w.buf.lastIndexOf(NL, w.len - 1) : -1;
      this.lastNLGeneration = w.generation;
    }
    return this.lastNLAt >= from ? this.lastNLAt : -1;
  }

  /**
   * Up to `n` cells from pos that lie whole in the buffer before its last delimiter, parsed in
   * place by parseRow while they are plain numbers (each stops at that delimiter at the
   * latest), into out[o...]: how many. Each ends in the delimiter, so none is its row's last;
   * cell() reads that one, and any other.
   */
  plainNumbers(out: Float64Array, o: number, n: number): number {
    const { w } = this;
    const last = this.lastDelimiter();
    let p = w.pos;
    let k = 0;
    while (k < n && p <= last) {
      const next = parseRow(w.buf, p, out, o + k, 1, this.delim, this.ws, this.delim);
      if (next < 0) break;
      p = next;
      k++;
    }
    if (k > 0) {
      w.pos = p;
      this.rowEnded = false;
    }
    return k;
  }

  /** The index of the last delimiter in buf[0, len), or -1. */
  private lastDelimiter(): number {
    const { w } = this;
    if (this.lastDelimGeneration !== w.generation) {
      this.lastDelimAt = w.len > 0 ? w.buf.lastIndexOf(this.delim, w.len - 1) : -1;
      this.lastDelimGeneration = w.generation;
    }
    return this.lastDelimAt;
  }
}
