/**
 * An NPY file read a block of rows at a time through one reused buffer, so that a loss over
 * a 500 MB dump needs a few MB. Little-endian C-order arrays of the dtypes that can be viewed
 * in place qualify; anything else (big-endian, Fortran order, float16, bool) is read whole by
 * the ordinary reader. A file that changes while it is read (its size, modification or
 * status-change time differ from what the open saw) is an error.
 */
import type { Values } from '../values.js';
import { HOST_LITTLE } from './binary.js';
import { withFile, type FileState } from './byte-source.js';
import { npyHeaderEnd, parseNpyHeader, type NpyLayout } from './npy.js';

/**
 * Bytes per block: large enough that a read costs nothing next to the arithmetic on it.
 * LOSSCALC_BLOCK_BYTES overrides it (the tests use tiny blocks to cross block boundaries).
 */
export const streaming = { blockBytes: Number(process.env.LOSSCALC_BLOCK_BYTES) || 4 << 20 };

/** The file as Values, or undefined when it must be read whole (the layout is not viewable). */
export function openNpyFile(path: string): Values | undefined {
  return withFile(path, (file) => openNpyAt(path, 0, file.size, path, file.state));
}

/**
 * The NPY file held in bytes [offset, offset + size) of the file at `path` (a stored zip
 * entry is one) as Values, or undefined when it must be read whole. Errors name `source`.
 * Every pass over it checks that the file is still as it was when opened (`since`).
 */
export function openNpyAt(path: string, offset: number, size: number, source: string, since: FileState): Values | undefined {
  return npyIn((use) => withFile(path, (file) => use((into, position) => file.read(into, offset + position)), since), size, source);
}

/** Fills `into` with the NPY file's bytes from `position`. */
export type ReadAt = (into: Uint8Array, position: number) => void;

/** One pass over an NPY file: `use` reads it through `read` while the pass lasts. */
export type NpyPass = <T>(use: (read: ReadAt) => T) => T;

/**
 * The NPY file of `size` bytes that `pass` reads (a file, a zip entry in place or as it is
 * inflated) as Values, or undefined when it must be read whole (the layout is not viewable).
 */
export function npyIn(pass: NpyPass, size: number, source: string): Values | undefined {
  const layout = pass((read) => {
    const head = new Uint8Array(Math.min(size, 12));
    read(head, 0);
    const prefix = new Uint8Array(Math.min(size, npyHeaderEnd(head)));
    read(prefix, 0);
    return parseNpyHeader(prefix, size, source);
  });
  const { spec, shape } = layout;
  const viewable = spec.view !== undefined && (!layout.bigEndian || spec.size === 1) === HOST_LITTLE;
  if (!viewable || (layout.fortran && shape.filter((d) => d > 1).length > 1)) return undefined;
  return npyValues(layout, pass);
}

/** `layout`'s values, read in blocks, each pass through `pass`. */
function npyValues(layout: NpyLayout, pass: NpyPass): Values {
  const { spec, shape, dataStart } = layout;
  const View = spec.view!;
  return {
    shape,
    dtype: spec.dtype,
    read(unit, start, end, visit) {
      if (end <= start) return;
      const unitBytes = unit * spec.size;
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / unitBytes));
      const buffer = new ArrayBuffer(Math.min(perBlock, end - start) * unitBytes);
      pass((read) => {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const bytes = new Uint8Array(buffer, 0, count * unitBytes);
          read(bytes, dataStart + first * unitBytes);
          visit(new View(buffer, 0, count * unit), first, count);
        }
      });
    },
  };
}
