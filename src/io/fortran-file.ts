/**
 * An NPY array in Fortran (column-major) order read in C-order blocks at offsets. With shape
 * (d0, d1, ..., dk), the element (i0, rest) sits at i0 + d0 * F(rest), where F(rest) is rest's
 * column-major index in (d1, ..., dk): for each of the R = d1 x ... x dk positions of a row,
 * the rows [r0, r1) of it are one contiguous run of the file. A block of whole rows is so R
 * reads, each of r1 - r0 elements, scattered into the row-major block; a block that starts or
 * ends inside a row reads the rows it touches and hands out its part.
 */
import { numel, stridedWalk } from '../tensor.js';
import type { Values } from '../values.js';
import { blockDecoder } from './binary.js';
import { withFile, type FileState } from './byte-source.js';
import type { NpyLayout } from './npy.js';

/**
 * Rows of at most this many values are gathered (the run offsets take 8 bytes each, and a
 * block makes one read per value of a row); wider Fortran arrays are read whole.
 */
const MAX_ROW = 1 << 16;

export function gathersFortran(shape: readonly number[]): boolean {
  return shape.length > 0 && numel(shape.slice(1)) <= MAX_ROW;
}

export function fortranValues(path: string, layout: NpyLayout, dataStart: number, since: FileState, streaming: { blockBytes: number }): Values {
  const { spec, shape, bigEndian } = layout;
  const size = spec.size;
  const rows = shape[0];
  const runs = runStarts(shape);
  const R = runs.length;
  return {
    shape,
    dtype: spec.dtype,
    read(unit, start, end, visit) {
      if (end <= start || R === 0) return;
      // at least a row per block, so that no block reads a run of a few elements R times
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / (unit * size)), Math.ceil(R / unit));
      const spanRows = (count: number) => Math.min(rows, Math.ceil((count * unit) / R) + 1);
      const rect = new Uint8Array(spanRows(Math.min(perBlock, end - start)) * R * size);
      const run = new Uint8Array(rect.length / R);
      const decode = blockDecoder(spec, bigEndian);
      withFile(path, (file) => {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const [v0, v1] = [first * unit, (first + count) * unit];
          const [r0, r1] = [Math.floor(v0 / R), Math.ceil(v1 / R)];
          const n = r1 - r0;
          for (let c = 0; c < R; c++) {
            file.read(run.subarray(0, n * size), dataStart + (runs[c] + r0) * size);
            for (let r = 0; r < n; r++) {
              for (let b = 0, from = r * size, to = (r * R + c) * size; b < size; b++) rect[to + b] = run[from + b];
            }
          }
          const from = (v0 - r0 * R) * size;
          // the block's bytes moved to the start of the buffer, so that they are aligned
          rect.copyWithin(0, from, from + (v1 - v0) * size);
          visit(decode(rect.subarray(0, (v1 - v0) * size), v1 - v0), first, count);
        }
      }, since);
    },
  };
}

/** Where each position of a row starts its run of rows, in elements: d0 * F(rest), rest in C order. */
function runStarts(shape: readonly number[]): Float64Array {
  const inner = shape.slice(1);
  const out = new Float64Array(numel(inner));
  // column-major strides of (d1, ..., dk), each scaled by d0
  const strides: number[] = [];
  let s = shape[0];
  for (const d of inner) {
    strides.push(s);
    s *= d;
  }
  stridedWalk(inner, strides, (c, from) => (out[c] = from));
  return out;
}
