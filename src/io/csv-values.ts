/**
 * The data rows of a CSV/TSV file whose layout is known (csv-scan.ts) as float64 Values, read
 * a block of rows at a time from the mark before the first row asked for (or from where the
 * last read stopped), through the byte-level reader (csv-rows.ts). A row that does not parse
 * gets the file's first error (csv-errors.ts), or, if it has none, the ordinary reader's
 * values. A file whose size, modification or status-change time is not what the open saw,
 * before or after a pass, is an error ("the file changed while it was read", byte-source.ts).
 */
import { fstatSync, openSync, statSync } from 'node:fs';
import { InputError, readError } from '../errors.js';
import { sameShape, type Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import { stateOf, unchanged } from './byte-source.js';
import { whitespace } from './csv-cells.js';
import { CsvRows } from './csv-rows.js';
import { blockBytes, type Layout } from './csv-scan.js';
import { use } from './csv-window.js';

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

function withFile<T>(path: string, run: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw readError(e, path);
  }
  return use(fd, () => run(fd));
}
