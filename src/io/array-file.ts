/**
 * A C-order array of one element type at an offset of a file — an NPY file's data, a
 * safetensors tensor, a torch.save storage — read a block of units at a time through one
 * reused buffer, each block decoded as it is read (binary.ts blockDecoder). Memory: one block,
 * whatever the array's size. Every pass checks that the file is as it was when opened.
 */
import type { Values } from '../values.js';
import { blockDecoder, type ElementType } from './binary.js';
import { withFile, type FileState } from './byte-source.js';

/**
 * Bytes per block: large enough that a read costs nothing next to the arithmetic on it.
 * LOSSCALC_BLOCK_BYTES overrides it (the tests use tiny blocks to cross block boundaries).
 */
export const streaming = { blockBytes: Number(process.env.LOSSCALC_BLOCK_BYTES) || 4 << 20 };

/** What is at the offset: the element type, its byte order, the shape (C order). */
export interface ArrayLayout {
  spec: ElementType;
  bigEndian: boolean;
  shape: number[];
}

/** `layout`'s values, read in blocks from byte `dataStart` of the file at `path`. */
export function arrayValues(path: string, layout: ArrayLayout, dataStart: number, since: FileState): Values {
  const { spec, shape, bigEndian } = layout;
  return {
    shape,
    dtype: spec.dtype,
    read(unit, start, end, visit) {
      if (end <= start) return;
      const unitBytes = unit * spec.size;
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / unitBytes));
      const buffer = new Uint8Array(Math.min(perBlock, end - start) * unitBytes);
      const decode = blockDecoder(spec, bigEndian);
      withFile(path, (file) => {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const bytes = buffer.subarray(0, count * unitBytes);
          file.read(bytes, dataStart + first * unitBytes);
          visit(decode(bytes, count * unit), first, count);
        }
      }, since);
    },
  };
}
