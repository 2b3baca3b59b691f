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
  const layout = withFile(path, (file) => {
    const head = new Uint8Array(Math.min(size, 12));
    file.read(head, offset);
    const prefix = new Uint8Array(Math.min(size, npyHeaderEnd(head)));
    file.read(prefix, offset);
    return parseNpyHeader(prefix, size, source);
  }, since);
  const { spec, shape } = layout;
  const viewable = spec.view !== undefined && (!layout.bigEndian || spec.size === 1) === HOST_LITTLE;
  if (!viewable || (layout.fortran && shape.filter((d) => d > 1).length > 1)) return undefined;
  return npyValues(path, layout, offset + layout.dataStart, since);
}

/** `layout`'s values, read in blocks from `dataStart` of the file at `path`. */
function npyValues(path: string, layout: NpyLayout, dataStart: number, since: FileState): Values {
  const { spec, shape } = layout;
  const View = spec.view!;
  // one buffer for every pass: a file read beside another is asked for a block at a time
  // (values.ts readTogether), and a new buffer per call would be garbage the size of the file
  let spare: ArrayBuffer | undefined;
  return {
    shape,
    dtype: spec.dtype,
    read(unit, start, end, visit) {
      if (end <= start) return;
      const unitBytes = unit * spec.size;
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / unitBytes));
      const size = Math.min(perBlock, end - start) * unitBytes;
      const buffer = spare && spare.byteLength >= size ? spare : new ArrayBuffer(size);
      spare = undefined; // a read within visit gets a buffer of its own
      withFile(path, (file) => {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const bytes = new Uint8Array(buffer, 0, count * unitBytes);
          file.read(bytes, dataStart + first * unitBytes);
          visit(new View(buffer, 0, count * unit), first, count);
        }
      }, since);
      spare = buffer;
    },
  };
}
