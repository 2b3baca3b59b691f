/**
 * The inputs that can be read only once — standard input, FIFOs, devices, process
 * substitutions — and gzip files, each read once into memory or a temporary file (stream.ts)
 * and remembered, so that every later read of the same input (both keys of an archive piped
 * in, the digest --json records, the threads' specs) gets the same bytes.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { InputError, readError } from '../errors.js';
import { isGzip } from './foreign.js';
import { formatOfPath, SNIFF_BYTES, type Format } from './format.js';
import type { Location, ReadOptions } from './read.js';
import { bytesOf, spoolDescriptor, spoolStream, type Streamed } from './stream.js';

const streamed = new Map<string, Promise<Streamed>>();
const givenStdin = new WeakMap<Uint8Array, Promise<Streamed>>();

/**
 * The stream `at` names, read once (stream.ts): later calls get the same bytes or file, since
 * standard input, a FIFO or a process substitution cannot be read again (both keys of an
 * archive piped through one FIFO; the digest --json records). A gzip file is decompressed once.
 */
export function streamOf(at: Location, options: ReadOptions): Promise<Streamed> {
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  if (at.stdin) {
    const { stdin } = options;
    if (stdin === undefined) return standardInput(format);
    if (typeof stdin === 'function') return stdin().then((bytes) => givenBytes(bytes, format));
    return givenBytes(stdin, format);
  }
  let read = streamed.get(at.path);
  if (read === undefined) {
    read = fromDescriptor(at.path, format);
    streamed.set(at.path, read);
  }
  return read;
}

/** The FIFO, device or gzip file at `path`, read once through a descriptor of its own. */
async function fromDescriptor(path: string, format: Format | undefined): Promise<Streamed> {
  let fd: number;
  try {
    fd = openSync(path, 'r'); // a FIFO: waits for a writer
  } catch (e) {
    throw readError(e, path);
  }
  try {
    return await spoolDescriptor(fd, path, format);
  } finally {
    closeSync(fd);
  }
}

/** Standard input given as bytes (tests, the library): kept as they are, decompressed if gzip, as process.stdin is. */
function givenBytes(bytes: Uint8Array, format: Format | undefined): Promise<Streamed> {
  let read = givenStdin.get(bytes);
  if (read === undefined) {
    read = isGzip(bytes)
      ? spoolStream(Readable.from([Buffer.from(bytes)]), '-', format)
      : Promise.resolve({ bytes, size: bytes.length, head: bytes.subarray(0, SNIFF_BYTES), sha256: createHash('sha256').update(bytes).digest('hex') });
    givenStdin.set(bytes, read);
  }
  return read;
}

const stdinReads = new WeakMap<object, Promise<Streamed>>();
let standardInputRead: Promise<Streamed> | undefined;

/**
 * The process's standard input, read once: a pipe or a file from descriptor 0 through one
 * reused buffer (stream.ts spoolDescriptor), a terminal, socket or device as process.stdin.
 */
function standardInput(format: Format | undefined): Promise<Streamed> {
  if (standardInputRead === undefined) {
    let plain = false;
    let directory = false;
    try {
      const stat = fstatSync(0);
      plain = stat.isFIFO() || stat.isFile();
      directory = stat.isDirectory(); // `< folder`: a read would fail with EISDIR, which is the error
    } catch {
      // no descriptor 0: process.stdin says so
    }
    standardInputRead = directory
      ? Promise.reject(new InputError('is a directory', '-'))
      : plain
        ? spoolDescriptor(0, '-', format)
        : stdinStreamed(process.stdin, format);
  }
  return standardInputRead;
}

/**
 * All of standard input (or `stream`), read once: later calls get the same bytes, so that
 * `-:logits` and `-:labels` can both name arrays of one archive piped in. `format` is the
 * one asked for; else the first bytes decide (stream.ts). For inputs read whole (merge).
 */
export async function readStdin(stream?: NodeJS.ReadableStream & { isTTY?: boolean }, format?: Format): Promise<Uint8Array> {
  return bytesOf(await (stream === undefined ? standardInput(format) : stdinStreamed(stream, format)));
}

/** `stream` as standard input, read once, in memory or in a temporary file (stream.ts). */
function stdinStreamed(stream: NodeJS.ReadableStream & { isTTY?: boolean }, format: Format | undefined): Promise<Streamed> {
  let read = stdinReads.get(stream);
  if (read === undefined) {
    read = stream.isTTY
      ? Promise.reject(new InputError('standard input is a terminal: pipe the data in, or name a file', '-'))
      : spoolStream(stream as NodeJS.ReadableStream & AsyncIterable<unknown>, '-', format);
    stdinReads.set(stream, read);
  }
  return read;
}


/** What `at` (a stream) gave, if it has been read already; undefined otherwise. */
export function readBefore(at: Location): Promise<Streamed> | undefined {
  return at.stdin ? standardInputRead : streamed.get(at.path);
}
