/**
 * An NPY file read a block of rows at a time through one reused buffer, so that a loss over
 * a 500 MB dump needs a few MB. Little-endian C-order arrays of the dtypes that can be viewed
 * in place qualify; anything else (big-endian, Fortran order, float16, bool) is read whole by
 * the ordinary reader.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Values } from '../values.js';
import { HOST_LITTLE } from './binary.js';
import { npyHeaderEnd, parseNpyHeader, type NpyLayout } from './npy.js';

/**
 * Bytes per block: large enough that a read costs nothing next to the arithmetic on it.
 * LOSSCALC_BLOCK_BYTES overrides it (the tests use tiny blocks to cross block boundaries).
 */
export const streaming = { blockBytes: Number(process.env.LOSSCALC_BLOCK_BYTES) || 4 << 20 };

/** The file as Values, or undefined when it must be read whole (the layout is not viewable). */
export function openNpyFile(path: string): Values | undefined {
  const layout = withFile(path, (fd, size) => {
    const head = new Uint8Array(Math.min(size, 12));
    readFully(fd, head, 0, path);
    const end = Math.min(size, npyHeaderEnd(head));
    const prefix = new Uint8Array(end);
    readFully(fd, prefix, 0, path);
    return parseNpyHeader(prefix, size, path);
  });
  const { spec, shape } = layout;
  const viewable = spec.view !== undefined && (!layout.bigEndian || spec.size === 1) === HOST_LITTLE;
  if (!viewable || (layout.fortran && shape.filter((d) => d > 1).length > 1)) return undefined;
  return npyValues(path, layout);
}

function npyValues(path: string, layout: NpyLayout): Values {
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
      withFile(path, (fd) => {
        for (let first = start; first < end; first += perBlock) {
          const count = Math.min(perBlock, end - first);
          const bytes = new Uint8Array(buffer, 0, count * unitBytes);
          readFully(fd, bytes, dataStart + first * unitBytes, path);
          visit(new View(buffer, 0, count * unit), first, count);
        }
      });
    },
  };
}

function withFile<T>(path: string, use: (fd: number, size: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** Fill `into` from `position`; a file that shrank since its header was read is an input error. */
function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new InputError(`truncated: the file ended at byte ${position + done} while reading`, path);
    done += n;
  }
}
