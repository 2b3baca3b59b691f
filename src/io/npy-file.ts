/**
 * An NPY file read a block of rows at a time through one reused buffer, so that a loss over
 * a 500 MB dump needs a few MB. Every dtype and byte order is read so: each block is decoded
 * as it is read (binary.ts blockDecoder: byte swaps, bool to 0/1, float16 widened to float32).
 * Fortran order with at most one dim above 1 is C order; other Fortran arrays are gathered per
 * block from their columns (strided-file.ts), or read whole when a row has too many values
 * for that. A file that changes while it is read (its size, modification or status-change
 * time differ from what the open saw) is an error.
 */
import type { Values } from '../values.js';
import { arrayValues, streaming } from './array-file.js';
import { withFile, type FileState } from './byte-source.js';
import { fortranStrides, npyHeaderEnd, parseNpyHeader } from './npy.js';
import { stridedValues } from './strided-file.js';

export { streaming } from './array-file.js';

/** The file as Values, or undefined when it must be read whole (a Fortran array too wide to gather). */
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
  const dataStart = offset + layout.dataStart;
  if (!layout.fortran || layout.shape.filter((d) => d > 1).length <= 1) return arrayValues(path, layout, dataStart, since);
  return stridedValues(path, layout, fortranStrides(layout.shape), dataStart, since, streaming);
}
