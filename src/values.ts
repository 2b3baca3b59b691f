/**
 * Values: a tensor that is read block by block, so that a loss over a file larger than
 * memory needs memory for one block only. A Tensor in memory is one block; a file reader
 * (io/npy-file.ts, io/csv-file.ts) hands out blocks through a reused buffer. Kernels never
 * know which: they are written over blocks of whole "units" (a unit is what one pass of the
 * kernel needs together, e.g. the C x d1 x ... x dk values of one batch row).
 */
import type { DType, Storage, Tensor } from './tensor.js';
import { asFloats, copyAsFloat64, formatIndex, numel } from './tensor.js';

export interface Values {
  readonly shape: number[];
  readonly dtype: DType;
  /** As Tensor.written. */
  readonly written?: (index: number) => string | undefined;
  /**
   * Where the value at a flat index lies in the input as given, for messages, when that is not
   * its index in this shape (a view that drops a step, shift.ts); placeOf reads it.
   */
  readonly place?: (index: number) => string;
  /**
   * Visit units [start, end) in order, in blocks of whole units of `unit` values each:
   * visit(data, first, count) with data holding count * unit values. `data` is only valid
   * during the call (the buffer is reused).
   */
  read(unit: number, start: number, end: number, visit: (data: Storage, first: number, count: number) => void): void;
}

export function isValues(v: Tensor | Values): v is Values {
  return typeof (v as Values).read === 'function';
}

/** A tensor in memory, as Values: one block. */
export function inMemory(t: Tensor): Values {
  return {
    shape: t.shape,
    dtype: t.dtype,
    written: t.written,
    read(unit, start, end, visit) {
      if (end > start) visit(t.data.subarray(start * unit, end * unit) as Storage, start, end - start);
    },
  };
}

export function asValues(v: Tensor | Values): Values {
  return isValues(v) ? v : inMemory(v);
}

/** Values made block by block by a function (one-hot targets, stacked logits), never whole. */
export function generated(shape: number[], fill: (out: Float64Array, firstValue: number) => void, blockValues = 1 << 16): Values {
  return {
    shape,
    dtype: 'float64',
    read(unit, start, end, visit) {
      const per = Math.max(1, Math.floor(blockValues / unit));
      const buf = new Float64Array(Math.min(per, Math.max(0, end - start)) * unit);
      for (let first = start; first < end; first += per) {
        const count = Math.min(per, end - first);
        const out = buf.subarray(0, count * unit);
        fill(out, first * unit);
        visit(out, first, count);
      }
    },
  };
}

/**
 * `f` applied to every value of `v` as its blocks are read (with the value's flat index), as
 * float64 Values of the same shape: torch.log(p) or torch.sigmoid(x) over a file, never whole.
 */
export function mapValues(v: Values, f: (x: number, index: number) => number): Values {
  return {
    shape: v.shape,
    dtype: 'float64',
    read(unit, start, end, visit) {
      v.read(unit, start, end, (d, first, count) => {
        const x = asFloats(d);
        const out = new Float64Array(x.length);
        const base = first * unit;
        for (let i = 0; i < x.length; i++) out[i] = f(x[i], base + i);
        visit(out, first, count);
      });
    },
  };
}

/**
 * Several Values read side by side (logits with their targets): visit gets aligned blocks of
 * the same units. All must have the same number of values.
 */
export function readTogether(
  sources: Values[],
  unit: number,
  visit: (blocks: Storage[], first: number, count: number) => void,
): void {
  readRows(sources, sources.map(() => unit), 0, numel(sources[0].shape) / unit, visit);
}

/**
 * Rows [start, end) of several Values side by side, whose rows hold different numbers of
 * values (`rowSizes[i]` for `sources[i]`: logits C x inner, class indices inner): visit gets
 * blocks[i] with count * rowSizes[i] values of the same rows. The first source sets the blocks;
 * the others are read for its rows, at most `maxValues` of theirs at a time (a whole tensor in
 * memory is one block: the others are still gathered a bounded piece at a time), through one
 * reused buffer each when a reader hands the rows in several pieces or as integers. A block a
 * reader hands whole is used as it is, within its read (a reader may reuse its buffer, or the
 * kernel's read region it lies in, once the read returns). Blocks are only valid during the call.
 */
export function readRows(
  sources: Values[],
  rowSizes: number[],
  start: number,
  end: number,
  visit: (blocks: Storage[], first: number, count: number) => void,
  maxValues = 1 << 18,
): void {
  const [lead, ...others] = sources;
  const otherValues = rowSizes.slice(1).reduce((a, b) => a + b, 0);
  const step = otherValues > 0 ? Math.max(1, Math.floor(maxValues / otherValues)) : Infinity;
  const buffers: Storage[] = others.map(() => new Float64Array(0));
  lead.read(rowSizes[0], start, end, (block, first, count) => {
    for (let done = 0; done < count; done += step) {
      const rows = Math.min(step, count - done);
      const blocks: Storage[] = [count === rows ? block : (block.subarray(done * rowSizes[0], (done + rows) * rowSizes[0]) as Storage)];
      const withOthers = (i: number): void => {
        if (i === sources.length) visit(blocks, first + done, rows);
        else gather(sources[i], rowSizes[i], first + done, rows, buffers, i - 1, (b) => {
          blocks[i] = b;
          withOthers(i + 1);
        });
      };
      withOthers(1);
    }
  });
}

/**
 * Rows [first, first + count) of `v` to `use`: its own block when it hands them in one (within
 * the read), else the pieces copied into buffers[i], in their own type when they share one
 * (int64 beyond 2^53 stays exact for compare), as float64 otherwise (which is how kernels read
 * any dtype).
 */
function gather(v: Values, rowSize: number, first: number, count: number, buffers: Storage[], i: number, use: (block: Storage) => void): void {
  const length = count * rowSize;
  let whole = false;
  let o = 0;
  v.read(rowSize, first, first + count, (d) => {
    if (o === 0 && d.length === length) {
      whole = true;
      o = length;
      use(d);
      return;
    }
    // the first piece sets the type; the pieces together are `length` values, so no later one grows it
    if (o === 0 && (buffers[i].constructor !== d.constructor || buffers[i].length < length)) {
      buffers[i] = new (d.constructor as new (n: number) => Storage)(length);
    }
    if (d.constructor === buffers[i].constructor) (buffers[i] as Float64Array).set(d as Float64Array, o);
    else {
      // a piece of another type than the ones before: the block becomes float64
      const wide = new Float64Array(Math.max(length, buffers[i].length));
      copyAsFloat64(buffers[i].subarray(0, o) as Storage, wide, 0);
      copyAsFloat64(d, wide, o);
      buffers[i] = wide;
    }
    o += d.length;
  });
  if (!whole) use(buffers[i].subarray(0, length) as Storage);
}

/**
 * Batch rows [start, end) of `v` as Values of their own (shape (end - start, ...)): what one
 * thread of a parallel run reads. Readers must ask for units that divide a batch row.
 */
export function rowWindow(v: Values, start: number, end: number): Values {
  const rowSize = numel(v.shape.slice(1));
  return {
    shape: [end - start, ...v.shape.slice(1)],
    dtype: v.dtype,
    read(unit, s, e, visit) {
      const offset = (start * rowSize) / unit;
      v.read(unit, s + offset, e + offset, (data, first, count) => visit(data, first - offset, count));
    },
  };
}

/** Where `v`'s value at flat `index` lies in its input, as messages name it: "(1, 3)". */
export function placeOf(v: Pick<Values, 'shape' | 'place'>, index: number): string {
  return v.place ? v.place(index) : formatIndex(index, v.shape);
}
