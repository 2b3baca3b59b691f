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

/** What a file's stat says of its contents: writing to the file changes one of these. */
export interface FileState {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function stateOf(s: FileState): FileState {
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

/** Throws unless the file is now (`now`) as it was when it was opened (`then`). */
export function unchanged(now: FileState, then: FileState, path: string): void {
  if (now.size !== then.size) {
    throw new InputError(`the file changed while it was read: it had ${then.size} bytes, it now has ${now.size}`, path);
  }
  if (now.mtimeMs !== then.mtimeMs || now.ctimeMs !== then.ctimeMs) {
    throw new InputError('the file changed while it was read: it was written to since it was opened', path);
  }
}

export interface FileSource extends ByteSource {
  /** The file as this open found it. */
  readonly state: FileState;
}

/**
 * The file at `path`, open for the duration of `use`. With `since` (the state an earlier open
 * of it saw), the file must still be in that state when it is opened, and after `use` has read
 * its last block: a reader that reads a file in several passes, or in several threads, then
 * never mixes two versions of it.
 */
export function withFile<T>(path: string, use: (src: FileSource) => T, since?: FileState): T {
  const fd = openSync(path, 'r');
  try {
    const check = () => since && unchanged(stateOf(fstatSync(fd)), since, path);
    const state = stateOf(fstatSync(fd));
    if (since) unchanged(state, since, path);
    const result = use(fileSource(fd, state, path, check));
    check();
    return result;
  } finally {
    closeSync(fd);
  }
}

/** One read(2) moves at most 2 GiB; larger reads are split. */
const MAX_READ = 1 << 30;

function fileSource(fd: number, state: FileState, path: string, check: () => void): FileSource {
  return {
    size: state.size,
    state,
    read(into, position) {
      let done = 0;
      while (done < into.length) {
        const n = readSync(fd, into, done, Math.min(MAX_READ, into.length - done), position + done);
        if (n === 0) {
          check(); // the file shrank since it was opened
          throw truncated(position + done, path);
        }
        done += n;
      }
    },
  };
}

function truncated(at: number, source: string): InputError {
  return new InputError(`truncated: the file ended at byte ${at} while reading`, source);
}
