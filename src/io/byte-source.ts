/**
 * Bytes read at offsets, from memory or from a file descriptor: what the binary readers that
 * seek (zip directories, NPY and zip entries read in blocks) are written against, so that a
 * file is never loaded whole to read a part of it, and files over 2 GiB can be read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';

export interface ByteSource {
  readonly size: number;
  /** Fill `into` with the bytes from `position`; bytes past the end are an InputError. */
  read(into: Uint8Array, position: number): void;
}

/** Bytes already in memory. */
export function bufferSource(buf: Uint8Array, source: string): ByteSource {
  return {
    size: buf.length,
    read(into, position) {
      const end = position + into.length;
      if (end > buf.length) throw truncated(buf.length, source);
      into.set(buf.subarray(position, end));
    },
  };
}

/** The file at `path`, open for the duration of `use`. */
export function withFile<T>(path: string, use: (src: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(fileSource(fd, fstatSync(fd).size, path));
  } finally {
    closeSync(fd);
  }
}

/** One read(2) moves at most 2 GiB; larger reads are split. */
const MAX_READ = 1 << 30;

function fileSource(fd: number, size: number, path: string): ByteSource {
  return {
    size,
    read(into, position) {
      let done = 0;
      while (done < into.length) {
        const n = readSync(fd, into, done, Math.min(MAX_READ, into.length - done), position + done);
        if (n === 0) throw truncated(position + done, path); // the file shrank since it was measured
        done += n;
      }
    },
  };
}

function truncated(at: number, source: string): InputError {
  return new InputError(`truncated: the file ended at byte ${at} while reading`, source);
}
