/**
 * A CSV/TSV file of plain numbers read a block of rows at a time, parsed at the byte level
 * through one reused buffer, so that a 100 MB np.savetxt dump needs a few MB and no strings.
 *
 * Opening the file makes one quick pass over it in chunks. It checks that the file is
 * "plain" — ASCII with no quote character or NUL byte, line breaks all \n or all \r\n — so that rows are
 * lines, exactly as papaparse splits them; decides the header by csv.ts's own rule (scanCsv
 * on the first two rows, with the same `header` option); counts the rows; notes where some rows start, so that a thread can
 * begin mid-file; and parses the rows of the first `csvChecks.openBytes` bytes, so that a
 * small file's bad cell fails the open, before anything checks shapes, as parseCsv does. Any
 * surprise (not plain, a bad cell, a ragged row, fewer than two rows) leaves the file to the
 * ordinary reader, which reads it whole and throws the error it always throws, with its line
 * and column. The layout is shared with the worker threads started later (worker_threads'
 * environment data), so that they skip the pass.
 *
 * Cells are read as parseNumber reads them, to the bit (csv-cells.ts). A bad cell past the
 * rows checked at the open stops the read the same way: parseCsv reads the file and throws
 * its error (the same message, only later: after any shape check). A file whose size,
 * modification or status-change time is not what the open saw, before or after a pass, is
 * an error ("the file changed while it was read", byte-source.ts), and so is a line longer
 * than `csvChecks.maxLineBytes`: no buffer grows without end.
 */
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { InputError, readError } from '../errors.js';
import { sameShape, type Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import { refuseUnnamed, scanCsv, type CsvOptions } from './csv.js';
import { parseInput } from './format.js';
import { CR, HASH, NL, parseRow, QUOTE, whitespace } from './csv-cells.js';
import { streaming } from './npy-file.js';
import { stateOf, unchanged } from './byte-source.js';

export const csvChecks = {
  /**
   * The rows that start in the first `openBytes` bytes are parsed when the file is opened, so
   * that their errors come first; later rows are parsed only when read. LOSSCALC_CSV_OPEN_BYTES
   * overrides it (the tests check nothing at the open, to reach the errors found in reading).
   */
  openBytes: process.env.LOSSCALC_CSV_OPEN_BYTES ? Number(process.env.LOSSCALC_CSV_OPEN_BYTES) : 4 << 20,
  /**
   * A layout is shared only for a file last changed this long before it was scanned: a file
   * written in the last moments may change again within its timestamps' resolution.
   */
  settledMs: 2000,
  /** A line longer than this (1 GiB, its line break included) is no row of numbers: an error, not a buffer that grows on. */
  maxLineBytes: 1 << 30,
};

/** Where the rows of a plain file are. */
interface Layout {
  rows: number;
  columns: number;
  /** The file's size in bytes, modification and status-change times when it was scanned. */
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Byte offsets of some data rows' lines, ascending, with their row numbers; the first is row 0. */
  markRows: number[];
  markOffsets: number[];
}

/**
 * The file as Values of float64 (shape (N, C), or (N) for one column), or undefined when it
 * must be read whole by parseCsv: it is not plain numeric text, or it has an error to report.
 * `header` is csv.ts's option: whether the first row is a header, undefined for the rule.
 */
export function openCsvFile(path: string, format: 'csv' | 'tsv', delimiter: string, header?: boolean): Values | undefined {
  if (!SAFE_DELIMITER.test(delimiter) || NOT_DELIMITER.test(delimiter)) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // the ordinary reader says why
  }
  const layout = use(fd, () => {
    const stats = fstatSync(fd);
    const key = `losscalc:csv-layout:${resolve(path)}\0${delimiter}\0${header}`;
    const known = getEnvironmentData(key) as SharedLayout | undefined;
    if (known !== undefined && sameFile(known.file, stats)) return known.layout;
    const started = Date.now();
    const found = scan(fd, stats, path, { delimiter, header });
    if (found !== undefined && Math.max(stats.mtimeMs, stats.ctimeMs) < started - csvChecks.settledMs) {
      setEnvironmentData(key, { file: fileId(stats), layout: found } satisfies SharedLayout);
    }
    return found;
  });
  if (layout === undefined) return undefined;
  return csvValues(path, format, { delimiter, header }, layout);
}

/** A layout, and the file it is the layout of. */
interface SharedLayout {
  file: FileId;
  layout: Layout;
}

type FileId = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

function fileId(s: Stats): FileId {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

function sameFile(a: FileId, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** One ASCII character that cannot be part of a number, a token, a line break or a quote. */
const SAFE_DELIMITER = /^[\t\x20-\x7e]$/;
const NOT_DELIMITER = /[0-9A-Za-z+\-."#]/;

/**
 * Bytes of text per chunk read, of values per block handed out, and between marks: 1 MiB, or
 * less when the tests ask for tiny blocks (streaming.blockBytes). Each page a buffer touches
 * costs a fault; 1 MiB is as fast as 4 and keeps the peak lower.
 */
function blockBytes(): number {
  return Math.min(streaming.blockBytes, 1 << 20);
}

/**
 * A file read forwards in chunks that end at a line break: buf[pos, lim) holds whole lines,
 * each ending in '\n'. A last line without one is given one (at `virtualNewline`). The
 * buffer grows when a line does not fit, up to csvChecks.maxLineBytes.
 */
class Lines {
  buf: Buffer;
  pos = 0;
  lim = 0;
  private len = 0;
  /** The file offset of buf[0]. */
  base: number;
  virtualNewline = -1;
  private eof = false;

  constructor(
    private readonly fd: number,
    start: number,
    chunkBytes: number,
    private readonly source: string,
  ) {
    this.base = start;
    this.buf = Buffer.allocUnsafe(Math.max(16, chunkBytes));
  }

  /** Make buf[pos, lim) non-empty; false at the end of the file. */
  more(): boolean {
    if (this.pos < this.lim) return true;
    if (this.eof) return false;
    let { buf } = this;
    const carry = this.len - this.pos;
    if (this.pos > 0) {
      buf.copy(buf, 0, this.pos, this.len);
      this.base += this.pos;
      this.pos = 0;
      this.lim = 0;
      this.len = carry;
    }
    for (;;) {
      if (this.len >= buf.length - 1) {
        const max = csvChecks.maxLineBytes;
        if (this.len >= max) throw tooLong(this.base, this.source); // no line break in max bytes
        const grown = Buffer.allocUnsafe(Math.min(2 * buf.length, max + 1));
        buf.copy(grown, 0, 0, this.len);
        this.buf = buf = grown;
      }
      const from = this.len;
      const n = readSync(this.fd, buf, from, buf.length - 1 - from, this.base + from);
      if (n === 0) {
        this.eof = true;
        if (this.len === 0) return false;
        if (buf[this.len - 1] !== NL) {
          this.virtualNewline = this.len;
          buf[this.len++] = NL;
        }
        this.lim = this.len;
        return true;
      }
      this.len += n;
      const nl = buf.lastIndexOf(NL, this.len - 1);
      if (nl >= from) {
        this.lim = nl + 1;
        return true;
      }
    }
  }
}

function tooLong(offset: number, source: string): InputError {
  return new InputError(`a line longer than ${csvChecks.maxLineBytes} bytes from byte ${offset}: no row of numbers is that long`, source);
}

/** The layout of a plain file whose first rows are numbers, or undefined. */
function scan(fd: number, stats: Stats, path: string, opts: CsvOptions): Layout | undefined {
  const { size } = stats;
  if (size === 0) return undefined;
  const delimiter = opts.delimiter!;
  const delim = delimiter.charCodeAt(0);
  const ws = whitespace(delim);
  const markEvery = blockBytes();
  const checkBytes = csvChecks.openBytes;
  const lines = new Lines(fd, 0, Math.min(size + 1, blockBytes()), path);
  const firstTwo: string[] = [];
  const firstOffsets: number[] = [];
  const markLines: number[] = [];
  const markOffsets: number[] = [];
  let head: { header: boolean; columns: number } | undefined;
  let row = new Float64Array(0);
  let lastMark = 0;
  let dataLines = 0;
  let lf = 0;
  let cr = 0;
  let crlf = 0;
  let start = true;
  /** The header and column count from the first two rows, and those rows checked. */
  const decide = (): boolean => {
    head = headerOf(firstTwo.join('\n'), path, opts);
    if (head === undefined) return false;
    row = new Float64Array(head.columns);
    for (const line of head.header ? firstTwo.slice(1) : firstTwo) {
      const text = Buffer.from(`${line}\n`, 'latin1');
      if (parseRow(text, 0, row, 0, head.columns, delim, ws) !== text.length) return false;
    }
    return true;
  };
  while (lines.more()) {
    const { buf, lim, base } = lines;
    let p = lines.pos;
    if (start && base === 0 && p === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3; // BOM
    start = false;
    // a NUL byte is no text: the ordinary reader refuses it (format.ts)
    if (!isAscii(buf.subarray(p, lim)) || buf.subarray(p, lim).includes(0)) return undefined;
    const quote = buf.indexOf(QUOTE, p);
    if (quote !== -1 && quote < lim) return undefined;
    for (let q = buf.indexOf(CR, p); q !== -1 && q < lim; q = buf.indexOf(CR, q + 1)) {
      cr++;
      if (buf[q + 1] === NL && q + 1 !== lines.virtualNewline) crlf++;
    }
    while (p < lim) {
      const nl = buf.indexOf(NL, p);
      if (nl + 1 - p > csvChecks.maxLineBytes) throw tooLong(base + p, path);
      if (nl !== lines.virtualNewline) lf++;
      if (buf[p] !== HASH) {
        let q = p;
        while (q < nl && ws[buf[q]] === 1) q++;
        if (q < nl) {
          if (dataLines < 2) {
            firstTwo.push(buf.toString('latin1', p, buf[nl - 1] === CR ? nl - 1 : nl));
            firstOffsets.push(base + p);
          } else {
            if (dataLines === 2 && !decide()) return undefined;
            if (base + p < checkBytes && parseRow(buf, p, row, 0, head!.columns, delim, ws) < 0) return undefined;
            if (base + p - lastMark >= markEvery) {
              markLines.push(dataLines);
              markOffsets.push(base + p);
              lastMark = base + p;
            }
          }
          dataLines++;
        }
      }
      p = nl + 1;
    }
    lines.pos = lim;
  }
  if (cr !== 0 && !(cr === crlf && crlf === lf)) return undefined; // mixed line breaks: papaparse guesses one
  if (dataLines < 2 || (dataLines === 2 && !decide())) return undefined;
  const skip = head!.header ? 1 : 0;
  return {
    rows: dataLines - skip,
    columns: head!.columns,
    size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    markRows: [0, ...markLines.map((l) => l - skip)],
    markOffsets: [firstOffsets[skip], ...markOffsets],
  };
}

/** parseCsv's header and column count, from the first two rows; undefined if they fail. */
function headerOf(text: string, path: string, opts: CsvOptions): { header: boolean; columns: number } | undefined {
  let found: { header: boolean; columns: number } | undefined;
  try {
    scanCsv(text, path, opts, {
      begin: (header, columns) => {
        refuseUnnamed(header, path);
        found = { header: header !== undefined, columns };
      },
      row: () => undefined,
    });
  } catch {
    return undefined; // the ordinary reader reports it
  }
  return found;
}

function csvValues(path: string, format: 'csv' | 'tsv', opts: CsvOptions, layout: Layout): Values {
  const { rows, columns } = layout;
  const delimiter = opts.delimiter!;
  const shape = columns === 1 ? [rows] : [rows, columns];
  const delim = delimiter.charCodeAt(0);
  const ws = whitespace(delim);
  let whole: Tensor | undefined; // the file read by the ordinary reader, once a row did not parse
  // where the last read stopped, so that reading on from there skips nothing
  let resumeRow = 0;
  let resumeOffset = layout.markOffsets[0];

  /**
   * A row did not parse: the ordinary reader's error for the file, or its tensor if it has
   * none and still has the shape.
   */
  const readWhole = (): Tensor => {
    if (whole) return whole;
    let bytes: Uint8Array;
    try {
      unchanged(stateOf(statSync(path)), layout, path);
      bytes = readFileSync(path);
    } catch (e) {
      throw readError(e, path);
    }
    const t = parseInput(bytes, path, { format, ...opts });
    if (!sameShape(t.shape, shape)) {
      throw new InputError(`the file changed while it was read: it had shape (${shape.join(', ')}), it now has (${t.shape.join(', ')})`, path);
    }
    whole = t;
    return t;
  };

  return {
    shape,
    dtype: 'float64',
    // asked only for a message: the ordinary reader keeps integers beyond 2^53 as written
    written: (index: number) => {
      try {
        return readWhole().written?.(index);
      } catch {
        return undefined; // the message then shows the float64
      }
    },
    read(unit, start, end, visit) {
      if (end <= start) return;
      if (start < 0 || end * unit > rows * columns) throw new Error(`read of units [${start}, ${end}) of ${unit} values past the ${rows * columns} values of ${path}`);
      const perBlock = Math.max(1, Math.floor(blockBytes() / 8 / unit));
      if (whole) {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          visit(whole.data.subarray(first * unit, (first + count) * unit) as Float64Array, first, count);
        }
        return;
      }
      const block = new Float64Array(Math.min(perBlock, end - start) * unit);
      withFile(path, (fd) => {
        unchanged(stateOf(fstatSync(fd)), layout, path);
        const firstValue = start * unit;
        const row = Math.floor(firstValue / columns);
        const from = markBefore(layout, row);
        let offset = layout.markOffsets[from];
        let markRow = layout.markRows[from];
        if (resumeRow <= row && resumeRow > markRow) {
          markRow = resumeRow;
          offset = resumeOffset;
        }
        const parser = new RowParser(fd, offset, Math.min(blockBytes(), layout.size + 1), path, columns, delim, ws);
        let value = firstValue; // the index of the next value to hand out
        let ok = parser.skip(row - markRow);
        if (ok && firstValue > row * columns) ok = parser.partial(firstValue - row * columns);
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const out = block.subarray(0, count * unit);
          if (ok) ok = parser.fill(out);
          if (!ok) out.set((readWhole().data as Float64Array).subarray(value, value + out.length));
          value += out.length;
          visit(out, first, count);
        }
        unchanged(stateOf(fstatSync(fd)), layout, path); // after the last block, too
        if (ok && parser.pending === 0) {
          resumeRow = value / columns;
          resumeOffset = parser.offset();
        }
      });
    },
  };
}

/** The last mark at or before `row`. */
function markBefore(layout: Layout, row: number): number {
  const rows = layout.markRows;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Data rows from a file offset on: comment and blank lines skipped, cells parsed in place. */
class RowParser {
  private readonly lines: Lines;
  private readonly row: Float64Array;
  /** Values of `row` not handed out yet (its last `pending`). */
  pending = 0;

  constructor(
    fd: number,
    start: number,
    chunkBytes: number,
    source: string,
    private readonly columns: number,
    private readonly delim: number,
    private readonly ws: Uint8Array,
  ) {
    this.lines = new Lines(fd, start, chunkBytes, source);
    this.row = new Float64Array(columns);
  }

  /** The file offset of the next line. */
  offset(): number {
    return this.lines.base + this.lines.pos;
  }

  /** Move past `n` data rows without parsing them; false if the file ends first. */
  skip(n: number): boolean {
    const { lines, ws } = this;
    while (n > 0) {
      if (!lines.more()) return false;
      const { buf } = lines;
      const p = lines.pos;
      const nl = buf.indexOf(NL, p);
      if (buf[p] !== HASH) {
        let q = p;
        while (ws[buf[q]] === 1) q++;
        if (q < nl) n--;
      }
      lines.pos = nl + 1;
    }
    return true;
  }

  /** Parse the next row and hand out only its values from `within` on; false on anything unexpected. */
  partial(within: number): boolean {
    if (!this.next(this.row, 0)) return false;
    this.pending = this.columns - within;
    return true;
  }

  /** Fill `out` with the next values; false on anything unexpected (the caller then reads the file whole). */
  fill(out: Float64Array): boolean {
    const { columns, row } = this;
    const n = out.length;
    let o = 0;
    while (o < n) {
      if (this.pending > 0) {
        const k = Math.min(this.pending, n - o);
        const at = columns - this.pending;
        out.set(row.subarray(at, at + k), o);
        this.pending -= k;
        o += k;
      } else if (n - o >= columns) {
        if (!this.next(out, o)) return false;
        o += columns;
      } else {
        if (!this.next(row, 0)) return false;
        this.pending = columns;
      }
    }
    return true;
  }

  /** The next data row into out[o, o + columns). */
  private next(out: Float64Array, o: number): boolean {
    const { lines, ws } = this;
    for (;;) {
      if (!lines.more()) return false;
      const { buf } = lines;
      const p = lines.pos;
      const b0 = buf[p];
      if (b0 === HASH) {
        lines.pos = buf.indexOf(NL, p) + 1;
        continue;
      }
      if (ws[b0] === 1 || b0 === NL) {
        let q = p;
        while (ws[buf[q]] === 1) q++;
        if (buf[q] === NL) {
          lines.pos = q + 1;
          continue;
        }
      }
      const end = parseRow(buf, p, out, o, this.columns, this.delim, ws);
      if (end < 0) return false;
      lines.pos = end;
      return true;
    }
  }
}

function withFile<T>(path: string, run: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw readError(e, path);
  }
  return use(fd, () => run(fd));
}

/** run(), then close fd. */
function use<T>(fd: number, run: () => T): T {
  try {
    return run();
  } finally {
    closeSync(fd);
  }
}
