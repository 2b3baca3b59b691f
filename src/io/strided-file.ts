/**
 * An array laid out with strides (in elements) — an NPY file in Fortran order, a torch.save
 * view such as x.t(), x[:, 2:7] or y[::2] — read in C-order blocks at offsets. With shape
 * (d0, d1, ..., dk) and strides (s0, ..., sk), element (i0, rest) sits at i0 * s0 + inner(rest),
 * inner(rest) being rest's offset through (s1, ..., sk); inner is tabled for the R = d1 x ... x
 * dk positions of a row. A block of rows [r0, r1) is then read one of two ways:
 * - runs, when s0 is 1 (Fortran order, x.t()): each position's rows are one contiguous run of
 *   the file, so the block is R reads of r1 - r0 elements;
 * - a span, when rows lie close together (a slice, a step): the block's rows reach one span of
 *   the file at most a few times their size, read at once.
 * The elements are scattered into the row-major block; a block that starts or ends inside a
 * row reads the rows it touches and hands out its part. Other layouts are read whole.
 */
import { numel, stridedWalk } from '../tensor.js';
import type { Values } from '../values.js';
import type { ArrayLayout } from './array-file.js';
import { blockDecoder } from './binary.js';
import { withFile, type FileState } from './byte-source.js';

/** Rows of at most this many values are read so (their offsets are tabled, and a run read per value). */
const MAX_ROW = 1 << 16;
/** A span may hold at most this many times the values its rows hand out. */
const MAX_SPREAD = 4;

/**
 * `layout`'s values (its shape, viewed through `strides`, element (0, ..., 0) at byte `base`
 * of the file at `path`) in C-order blocks; undefined when the layout is read whole instead.
 */
export function stridedValues(path: string, layout: ArrayLayout, strides: readonly number[], base: number, since: FileState, streaming: { blockBytes: number }): Values | undefined {
  const { spec, shape, bigEndian } = layout;
  if (shape.length === 0 || strides.some((s) => s < 0)) return undefined;
  const R = numel(shape.slice(1));
  if (R > MAX_ROW) return undefined;
  const inner = innerOffsets(shape, strides);
  const reach = inner.reduce((a, b) => Math.max(a, b), 0) + 1; // elements one row spans
  const s0 = strides[0];
  const runs = s0 === 1;
  if (!runs && (s0 > MAX_SPREAD * R || reach > MAX_SPREAD * Math.max(R, 1))) return undefined;
  const size = spec.size;
  const rows = shape[0];
  return {
    shape,
    dtype: spec.dtype,
    read(unit, start, end, visit) {
      if (end <= start || R === 0) return;
      // at least a row per block, so that no block reads a row's positions for a few values
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / (unit * size)), Math.ceil(R / unit));
      const most = Math.min(rows, Math.ceil((Math.min(perBlock, end - start) * unit) / R) + 1); // rows a block touches
      const rect = new Uint8Array(most * R * size);
      const read = new Uint8Array((runs ? most : (most - 1) * s0 + reach) * size);
      const decode = blockDecoder(spec, bigEndian);
      withFile(path, (file) => {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const [v0, v1] = [first * unit, (first + count) * unit];
          const [r0, r1] = [Math.floor(v0 / R), Math.ceil(v1 / R)];
          const n = r1 - r0;
          const put = (to: number, from: number) => {
            for (let b = 0; b < size; b++) rect[to * size + b] = read[from * size + b];
          };
          if (runs) {
            for (let c = 0; c < R; c++) {
              file.read(read.subarray(0, n * size), base + (inner[c] + r0) * size);
              for (let r = 0; r < n; r++) put(r * R + c, r);
            }
          } else {
            file.read(read.subarray(0, ((n - 1) * s0 + reach) * size), base + r0 * s0 * size);
            for (let r = 0; r < n; r++) for (let c = 0; c < R; c++) put(r * R + c, r * s0 + inner[c]);
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

/** Where each position of a row sits from the row's first element, rest in C order. */
function innerOffsets(shape: readonly number[], strides: readonly number[]): Float64Array {
  const out = new Float64Array(numel(shape.slice(1)));
  stridedWalk(shape.slice(1), strides.slice(1), (c, from) => (out[c] = from));
  return out;
}
