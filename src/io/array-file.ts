/**
 * A C-order array of one element type at an offset of a file — an NPY file's data, a
 * safetensors tensor, a torch.save storage — read a block of units at a time through one
 * reused buffer, each block decoded as it is read (binary.ts blockDecoder). float32 and float64
 * blocks are read into a read region of the kernel's memory when it is on and one is free
 * (kernel/read-regions.ts), where its loops read them with no copy. Memory: one block,
 * whatever the array's size. Every pass checks that the file is as it was when opened.
 */
import type { Values } from '../values.js';
import { takeReadRegion, giveReadRegion } from '../kernel/read-regions.js';
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

/** Fills `into` with the bytes from `position` on. */
export type ReadAt = (into: Uint8Array, position: number) => void;

/**
 * One pass over some bytes: `use` reads them through `read` while the pass lasts. A file is
 * opened for the pass (filePass); a compressed zip entry is inflated as the pass reads it.
 */
export type Pass = <T>(use: (read: ReadAt) => T) => T;

/** Passes over the file at `path`, each checking that it is still as it was (`since`). */
export function filePass(path: string, since: FileState): Pass {
  return (use) => withFile(path, (file) => use((into, position) => file.read(into, position)), since);
}

/** The same bytes as `pass` from `offset` on: what a file holds at an offset (a stored zip entry). */
export function shiftedPass(pass: Pass, offset: number): Pass {
  return (use) => pass((read) => use((into, position) => read(into, offset + position)));
}

/** `layout`'s values, read in blocks from byte `dataStart` of what `pass` reads. */
export function arrayValues(pass: Pass, layout: ArrayLayout, dataStart: number): Values {
  const { spec, shape, bigEndian } = layout;
  return {
    shape,
    dtype: spec.dtype,
    read(unit, start, end, visit) {
      if (end <= start) return;
      const unitBytes = unit * spec.size;
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / unitBytes));
      const values = Math.min(perBlock, end - start) * unit;
      // float32 and float64 straight into the kernel's memory when it has room (read-regions.ts)
      const direct = spec.dtype === 'float32' || spec.dtype === 'float64';
      const buffer = (direct && takeReadRegion(values * spec.size)) || takeBuffer(values * spec.size);
      // float16 and bfloat16 widen into a float32 buffer of their own
      const widened = spec.view === undefined && spec.dtype !== 'bool' ? takeBuffer(values * 4) : undefined;
      const decode = blockDecoder(spec, bigEndian, widened && new Float32Array(widened.buffer, 0, values));
      try {
        pass((read) => {
          for (let first = start; first < end; first += perBlock) {
            const count = Math.min(perBlock, end - first);
            const bytes = buffer.subarray(0, count * unitBytes);
            read(bytes, dataStart + first * unitBytes);
            visit(decode(bytes, count * unit), first, count);
          }
        });
      } finally {
        if (!giveReadRegion(buffer)) giveBack(buffer);
        if (widened) giveBack(widened);
      }
    },
  };
}

/**
 * Block buffers given back when a read ends, for the next read to take: shards read one after
 * another, a file read in several passes, or the many claims of rows a thread reads one after
 * another (parallel.ts; csv-values.ts reads through them too), reuse a few buffers instead of
 * leaving one per read for the garbage collector. Reads nest (readTogether reads one input inside another's
 * visit), so a read takes a buffer no other read holds: the one given back last, which a file
 * read block by block beside another then reuses from one read to the next.
 */
const spare: ArrayBuffer[] = [];
const SPARE = 4;

export function takeBuffer(bytes: number): Uint8Array {
  let i = spare.length - 1;
  while (i >= 0 && !(spare[i].byteLength >= bytes && spare[i].byteLength <= 2 * bytes + 4096)) i--;
  return new Uint8Array(i === -1 ? new ArrayBuffer(bytes) : spare.splice(i, 1)[0], 0, bytes);
}

export function giveBack(buffer: Uint8Array): void {
  if (spare.length === SPARE) spare.shift();
  spare.push(buffer.buffer as ArrayBuffer);
}
