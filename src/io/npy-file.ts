/**
 * An NPY file read a block of rows at a time through one reused buffer, so that a loss over
 * a 500 MB dump needs a few MB. Every dtype and byte order is read so: each block is decoded
 * as it is read (binary.ts blockDecoder: byte swaps, bool to 0/1, float16 widened to float32).
 * Fortran order with at most one dim above 1 is C order; other Fortran arrays are gathered per
 * block from their columns (strided-file.ts), or read whole when a row has too many values
 * for that. The same reader serves an NPY file held in a zip entry, stored (at its offset) or
 * compressed (inflated as it is read: zip-inflate.ts). A file that changes while it is read
 * (its size, modification or status-change time differ from what the open saw) is an error.
 */
import type { Values } from '../values.js';
import { arrayValues, filePass, shiftedPass, streaming, type Pass } from './array-file.js';
import { withFile, type FileState } from './byte-source.js';
import { fortranStrides, npyHeaderEnd, parseNpyHeader, type NpyLayout } from './npy.js';
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
  const strided = (layout: NpyLayout) => stridedValues(path, layout, fortranStrides(layout.shape), offset + layout.dataStart, since, streaming);
  return npyIn(shiftedPass(filePass(path, since), offset), size, source, strided);
}

/**
 * The NPY file of `size` bytes that `pass` reads (a file, a zip entry in place or as it is
 * inflated) as Values; undefined when it must be read whole: a Fortran array of more than
 * one dim above 1 needs reads at offsets (`strided`), which an inflated entry does not have.
 */
export function npyIn(pass: Pass, size: number, source: string, strided?: (layout: NpyLayout) => Values | undefined): Values | undefined {
  const layout = pass((read) => {
    const head = new Uint8Array(Math.min(size, 12));
    read(head, 0);
    const prefix = new Uint8Array(Math.min(size, npyHeaderEnd(head)));
    read(prefix, 0);
    return parseNpyHeader(prefix, size, source);
  });
  if (!layout.fortran || layout.shape.filter((d) => d > 1).length <= 1) return arrayValues(pass, layout, layout.dataStart);
  return strided?.(layout);
}
