/**
 * A CSV/TSV file read a block of rows at a time, parsed at the byte level through one reused
 * buffer (csv-rows.ts), so that a 300 MB dump, or a row of 100 MB, needs a few MB and no
 * strings beyond its header's and its odd cells'.
 *
 * Opening the file makes one pass over it (csv-scan.ts) that finds its layout: the header by
 * the one rule, the rows and columns, and marks from which a thread can begin mid-file. Any
 * surprise (a bad cell, a ragged row, a bad quote, line breaks papaparse would guess) leaves
 * the file to the ordinary reader, which reads it whole and throws the error it always throws,
 * with its line and column. The layout is shared with the worker threads started later
 * (worker_threads' environment data), so that they skip the pass.
 *
 * Cells are read as parseNumber reads them, to the bit (csv-cells.ts). A bad cell past the
 * rows checked at the open stops the read the same way: parseCsv reads the file and throws
 * its error (the same message, only later: after any shape check). A file whose size,
 * modification or status-change time is not what the open saw, before or after a pass, is
 * an error ("the file changed while it was read", byte-source.ts), and so is a cell longer
 * than `csvLimits.maxCellBytes`: no buffer grows without end.
 */
import { fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { InputError, readError } from '../errors.js';
import { sameShape, type Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import { parseInput } from './format.js';
import { whitespace } from './csv-cells.js';
import { CsvRows } from './csv-rows.js';
import { blockBytes, csvChecks, scanLayout, type Layout } from './csv-scan.js';
import { stateOf, unchanged } from './byte-source.js';
import { use } from './csv-window.js';
import { firstError, type RowRules } from './csv-errors.js';

export { csvChecks };
export { csvLimits } from './csv-window.js';

/**
 * The file as Values of float64 (shape (N, C), or (N) for one column), or undefined when it
 * must be read whole by parseCsv: it is not plain numeric text, or it has an error to report.
 * `header` is csv.ts's option: whether the first row is a header, undefined for the rule.
 */
export function openCsvFile(path: string, format: 'csv' | 'tsv', delimiter: string, header?: boolean): Values | undefined {
  if (!blockDelimiter(delimiter)) return undefined;
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
    const delim = delimiter.charCodeAt(0);
    const found = scanLayout(fd, stats, path, delim, whitespace(delim), header);
    if (found !== undefined && !found.bad && Math.max(stats.mtimeMs, stats.ctimeMs) < started - csvChecks.settledMs) {
      setEnvironmentData(key, { file: fileId(stats), layout: found } satisfies SharedLayout);
    }
    return found;
  });
  if (layout === undefined) return undefined;
  const rules: RowRules = { opts: { delimiter, header }, headed: layout.headed, columns: layout.columns, guessed: layout.guessed, crlf: layout.crlf };
  const error = (): InputError | undefined => firstError(path, rules);
  if (layout.bad) {
    const e = error();
    if (e === undefined) return undefined; // no error in its rows after all: the ordinary reader reads it
    throw e;
  }
  const whole = (): Tensor => parseInput(readBytes(path), path, { format, delimiter, header });
  return csvValues(path, delimiter, layout, { width: layout.columns }, { error, whole });
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

/** Whether `delimiter` is one ASCII character that cannot be part of a number, a token, a line break or a quote. */
export function blockDelimiter(delimiter: string): boolean {
  return SAFE_DELIMITER.test(delimiter) && !NOT_DELIMITER.test(delimiter);
}

const SAFE_DELIMITER = /^[\t\x20-\x7e]$/;
const NOT_DELIMITER = /[0-9A-Za-z+\-."#]/;

/** What a reader of the file hands out of each row. */
export interface RowPick {
  /** Values per row; with `pick`, cell c of a row is value pick[c] of it, or not read (-1). */
  width: number;
  pick?: Int32Array;
}

/** What a row that does not parse gets: the file's first error, else the ordinary reader's tensor of the same values. */
export interface Fallback {
  error: () => InputError | undefined;
  whole: () => Tensor;
}

/** The data rows of the file at `path` as float64 Values of shape (N, width), or (N) for a width of 1. */
export function csvValues(path: string, delimiter: string, layout: Layout, picked: RowPick, fallback: Fallback): Values {
  const { rows } = layout;
  const columns = picked.width;
  const shape = columns === 1 ? [rows] : [rows, columns];
  const delim = delimiter.charCodeAt(0);
  const ws = whitespace(delim);
  let whole: Tensor | undefined; // the file read by the ordinary reader, once a row did not parse
  // where the last read stopped, so that reading on from there skips nothing
  let resumeRow = 0;
  let resumeOffset = layout.markOffsets[0];

  const stillAsOpened = (): void => {
    try {
      unchanged(stateOf(statSync(path)), layout, path);
    } catch (e) {
      throw readError(e, path);
    }
  };

  /** The ordinary reader's tensor of the file, if it still has the shape. */
  const wholeFile = (): Tensor => {
    if (whole) return whole;
    stillAsOpened();
    const t = fallback.whole();
    if (!sameShape(t.shape, shape)) {
      throw new InputError(`the file changed while it was read: it had shape (${shape.join(', ')}), it now has (${t.shape.join(', ')})`, path);
    }
    whole = t;
    return t;
  };

  /** A row did not parse: the file's first error, found without reading it whole, else the whole file. */
  const valuesOrError = (): Tensor => {
    if (whole) return whole;
    stillAsOpened();
    const error = fallback.error();
    if (error) throw error;
    return wholeFile();
  };

  return {
    shape,
    dtype: 'float64',
    // asked only for a message: the ordinary reader keeps integers beyond 2^53 as written
    written: (index: number) => {
      try {
        return wholeFile().written?.(index);
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
        const parser = new RowReader(fd, offset, Math.min(blockBytes(), layout.size + 1), path, layout.columns, picked, delim, ws);
        let value = firstValue; // the index of the next value to hand out
        let ok = parser.skip(row - markRow);
        if (ok && firstValue > row * columns) ok = parser.partial(firstValue - row * columns);
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const out = block.subarray(0, count * unit);
          if (ok) ok = parser.fill(out);
          if (!ok) out.set((valuesOrError().data as Float64Array).subarray(value, value + out.length));
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

/** Data rows from a file offset on, handed out as values in any units. */
class RowReader {
  private readonly rows: CsvRows;
  private readonly width: number;
  private readonly pick: Int32Array | undefined;
  /** One row, for units that end inside a row; made only when one does. */
  private row: Float64Array | undefined;
  /** Values of `row` not handed out yet (its last `pending`). */
  pending = 0;

  constructor(
    fd: number,
    start: number,
    chunkBytes: number,
    source: string,
    private readonly columns: number,
    picked: RowPick,
    delim: number,
    ws: Uint8Array,
  ) {
    this.rows = new CsvRows(fd, start, chunkBytes, source, delim, ws);
    this.width = picked.width;
    this.pick = picked.pick;
  }

  /** The file offset of the next row. */
  offset(): number {
    return this.rows.offset();
  }

  /** Move past `n` data rows without parsing them; false if the file ends first. */
  skip(n: number): boolean {
    for (let i = 0; i < n; i++) if (this.rows.skipRow() !== true) return false;
    return true;
  }

  /** Parse the next row and hand out only its values from `within` on; false on anything unexpected. */
  partial(within: number): boolean {
    this.row ??= new Float64Array(this.width);
    if (!this.next(this.row, 0)) return false;
    this.pending = this.width - within;
    return true;
  }

  /** Fill `out` with the next values; false on anything unexpected (the caller then reads the file whole). */
  fill(out: Float64Array): boolean {
    const { width } = this;
    const n = out.length;
    let o = 0;
    while (o < n) {
      if (this.pending > 0) {
        const k = Math.min(this.pending, n - o);
        const at = width - this.pending;
        out.set(this.row!.subarray(at, at + k), o);
        this.pending -= k;
        o += k;
      } else if (n - o >= width) {
        if (!this.next(out, o)) return false;
        o += width;
      } else if (!this.partial(0)) {
        return false;
      }
    }
    return true;
  }

  /** The next row's values into out[o, o + width). */
  private next(out: Float64Array, o: number): boolean {
    return this.rows.row(out, o, this.columns, this.pick) === true;
  }
}

/** The bytes of the file at `path`, its failures as InputErrors. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw readError(e, path);
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
