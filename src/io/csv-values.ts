/**
 * The data rows of a CSV/TSV file whose layout is known (csv-scan.ts) as float64 Values, read
 * a block of values at a time from the mark before the first row asked for (or from where the
 * last read stopped, inside a row too), through the byte-level reader (csv-rows.ts): a row
 * wider than a block is parsed straight into the blocks, never held. A row that does not parse
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
import { giveBack, takeBuffer } from './array-file.js';
import { giveReadRegion, takeReadRegion } from '../kernel/read-regions.js';

/** What a reader of the file hands out of each row. */
export interface RowPick {
  /** Values per row; with `pick`, cell c of a row is value pick[c] of it, or not read (-1): the cells read are values 0, 1, ... in order. */
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
  // where the last read stopped (the next value, its file offset, its cell in its row), so
  // that reading on from there skips nothing
  let resume: Place = { value: 0, offset: layout.markOffsets[0], cell: 0 };
  // the reader that stopped there, with the bytes it read ahead: a read that goes on from there
  // reads none of them again; any other gives its buffer back for the new reader to take
  let last: CsvRows | undefined;

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
      // the block and the window's bytes are given back when the read ends, for the next to reuse;
      // the block in the kernel's memory when it has room (read-regions.ts): the CSV kernel parses
      // into it, and the loss kernels read it, where it lies
      const blockSize = Math.min(perBlock, end - start) * unit * 8;
      const blockStore = takeReadRegion(blockSize) ?? takeBuffer(blockSize);
      const block = new Float64Array(blockStore.buffer, blockStore.byteOffset, blockSize / 8);
      const chunkBytes = Math.min(blockBytes(), layout.size + 1);
      try {
        withFile(path, (fd) => {
          unchanged(stateOf(fstatSync(fd)), layout, path);
          const firstValue = start * unit;
          // from the last mark at or before the row of the first value, or from where the last read stopped if nearer
          const mark = markBefore(layout, Math.floor(firstValue / columns));
          let from: Place = { value: layout.markRows[mark] * columns, offset: layout.markOffsets[mark], cell: 0 };
          if (resume.value <= firstValue && resume.value >= from.value) from = resume;
          if (from !== resume) last?.w.release();
          const rows = from === resume && last !== undefined ? last : new CsvRows(fd, from.offset, chunkBytes, path, delim, ws);
          last = undefined; // until this read ends well
          rows.w.fd = fd;
          rows.cellInRow = from.cell;
          const { pick } = picked;
          let ok = true;
          let value = firstValue; // the index of the next value to hand out
          try {
            ok = rows.values(undefined, 0, firstValue - from.value, layout.columns, columns, pick) === true;
            for (let first = start; first < end; first += perBlock) {
              const count = Math.min(perBlock, end - first);
              const out = block.subarray(0, count * unit);
              if (ok) ok = rows.values(out, 0, out.length, layout.columns, columns, pick) === true;
              if (!ok) out.set((valuesOrError().data as Float64Array).subarray(value, value + out.length));
              value += out.length;
              visit(out, first, count);
            }
            unchanged(stateOf(fstatSync(fd)), layout, path); // after the last block, too
          } catch (e) {
            rows.w.release(); // its buffer back (the kernel's windows are few), the error on
            throw e;
          }
          if (ok) resume = { value, offset: rows.offset(), cell: rows.cellInRow };
          // kept for the read that goes on from here, unless its buffer grew for a long cell
          if (ok && rows.w.buf.length <= 2 * chunkBytes) last = rows;
          else rows.w.release();
        });
      } finally {
        if (!giveReadRegion(blockStore)) giveBack(blockStore);
      }
    },
  };
}

/** A place in the file's values: the index of a value, the file offset of its cell (or of its row), and the cell's index in its row. */
interface Place {
  value: number;
  offset: number;
  cell: number;
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

function withFile<T>(path: string, run: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw readError(e, path);
  }
  return use(fd, () => run(fd));
}
