/**
 * Values: a tensor that is read block by block, so that a loss over a file larger than
 * memory needs memory for one block only. A Tensor in memory is one block; a file reader
 * (io/npy-file.ts, io/csv-file.ts) hands out blocks through a reused buffer. Kernels never
 * know which: they are written over blocks of whole "units" (a unit is what one pass of the
 * kernel needs together, e.g. the C x d1 x ... x dk values of one batch row).
 */
import type { DType, Storage, Tensor } from './tensor.js';
import { asFloats, numel } from './tensor.js';

export interface Values {
  readonly shape: number[];
  readonly dtype: DType;
  /** As Tensor.written. */
  readonly written?: (index: number) => string | undefined;
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
 * Several Values read side by side (logits with their probability targets): visit gets
 * aligned blocks of the same units. All must have the same number of values.
 */
export function readTogether(
  sources: Values[],
  unit: number,
  visit: (blocks: Storage[], first: number, count: number) => void,
): void {
  const total = numel(sources[0].shape) / unit;
  if (sources.length === 1) {
    sources[0].read(unit, 0, total, (d, f, c) => visit([d], f, c));
    return;
  }
  // the first source sets the block size; the others are read for each of its blocks
  sources[0].read(unit, 0, total, (lead, first, count) => {
    const blocks: Storage[] = [lead];
    for (const other of sources.slice(1)) {
      const parts: Storage[] = [];
      other.read(unit, first, first + count, (d) => parts.push(parts.length === 0 && d.length === count * unit ? d : copy(d)));
      blocks.push(parts.length === 1 ? parts[0] : concat(parts, count * unit));
    }
    visit(blocks, first, count);
  });
}

function copy(d: Storage): Storage {
  return d.slice() as Storage;
}

/** The parts in one array of their own type: int64 beyond 2^53 stays exact. */
function concat(parts: Storage[], length: number): Storage {
  const out = new (parts[0].constructor as new (length: number) => Storage)(length);
  let o = 0;
  for (const p of parts) {
    (out as Float64Array).set(p as Float64Array, o);
    o += p.length;
  }
  return out;
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
