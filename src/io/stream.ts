/**
 * Reading a stream — standard input, a FIFO, a device, a gzip file — that can be read only
 * once and may be of any size. The first bytes decide what it is (format.ts): gzip is
 * decompressed as it streams in, and what it holds is judged as the stream itself would be;
 * a format losscalc does not read, or binary data of no known format, is refused at once (so
 * `/dev/zero` ends in an error, not in a full disk). The bytes are kept as they arrive: in
 * memory while they are few, else in a temporary file that the ordinary readers then read at
 * offsets, in blocks and as often as they like, like a regular file (spool.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readSync } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, readError } from '../errors.js';
import { isGzip } from './foreign.js';
import { binaryFormat, checkContent, checkText, SNIFF_BYTES, sniffFormat, type Format } from './format.js';
import { Spool } from './spool.js';

/** A stream's bytes, once read. */
export interface Streamed {
  /** The bytes, when they were few enough to keep in memory. */
  bytes?: Uint8Array;
  /** Else a temporary file holding them, by a path that every thread of this process can open. */
  path?: string;
  size: number;
  /** The first bytes (up to SNIFF_BYTES): what the format is sniffed from. */
  head: Uint8Array;
  /** SHA-256 (hex) of the bytes, decompressed when gzip, computed as they passed. */
  sha256: string;
}

type Stream = AsyncIterable<unknown> & { destroy?: () => void };

/**
 * Every byte of `stream`, or of what it holds when it is gzip (decompressed as it is read).
 * `format` is the one asked for (else sniffed from the first bytes), of the data inside gzip
 * if it is gzip; `source` names the stream in errors.
 */
export async function spoolStream(stream: Stream, source: string, format: Format | undefined): Promise<Streamed> {
  const chunks = stream[Symbol.asyncIterator]();
  let head: Buffer;
  try {
    head = await first(chunks, 2);
  } catch (e) {
    stream.destroy?.();
    throw readError(e, source);
  }
  const all = Readable.from(again(head, chunks));
  if (!isGzip(head)) return keep(all, source, format, stream);
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  pipeline(all, gunzip, () => {}); // an error on either side reaches the gunzip stream, read below
  return keep(gunzip, source, format, stream, true);
}

/** All of the stream's bytes in one array (read from its temporary file if it went there): for small inputs read whole. */
export async function readStream(stream: Stream, source: string, format: Format | undefined): Promise<Uint8Array> {
  return bytesOf(await spoolStream(stream, source, format));
}

export function bytesOf(streamed: Streamed): Uint8Array {
  return streamed.bytes ?? readFileSync(streamed.path!);
}

/** The first chunks of `chunks`, joined, until they hold at least `bytes` bytes or the stream ends. */
async function first(chunks: AsyncIterator<unknown>, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  while (total < bytes) {
    const next = await chunks.next();
    if (next.done) break;
    const chunk = asBuffer(next.value);
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts, total);
}

/** `head`, then the rest of `chunks`. */
async function* again(head: Buffer, chunks: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield asBuffer(next.value);
}

function asBuffer(chunk: unknown): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

/** Every byte of `stream` (of `gzip` data, decompressed) kept; `original` is destroyed on any error. */
async function keep(stream: Stream, source: string, format: Format | undefined, original: Stream, gzip = false): Promise<Streamed> {
  const keeper = new Keeper(source, format);
  try {
    for await (const chunk of stream) keeper.add(asBuffer(chunk));
  } catch (e) {
    stream.destroy?.();
    original.destroy?.();
    keeper.discard();
    throw gzip && isZlibError(e) ? new InputError(`gzip data that cannot be decompressed: ${(e as Error).message}`, source) : readError(e, source);
  }
  return keeper.done();
}

/**
 * Every byte read from the descriptor `fd` (a pipe, a FIFO, a device, a file), read through
 * one reused buffer, so that a GiB a second leaves nothing behind for the collector; gzip is
 * decompressed as spoolStream does. Reading blocks: the input is all there is to wait for.
 */
export async function spoolDescriptor(fd: number, source: string, format: Format | undefined): Promise<Streamed> {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  let n = 0;
  try {
    for (let got = -1; n < 2 && got !== 0; n += got) got = readBlocking(fd, buffer.subarray(n));
  } catch (e) {
    throw readError(e, source);
  }
  if (isGzip(buffer.subarray(0, n))) return spoolStream(Readable.from(chunksOf(fd, Buffer.from(buffer.subarray(0, n)))), source, format);
  const keeper = new Keeper(source, format);
  try {
    for (; n > 0; n = readBlocking(fd, buffer)) keeper.add(buffer.subarray(0, n));
  } catch (e) {
    keeper.discard();
    throw readError(e, source);
  }
  return keeper.done();
}

/** Bytes read from a descriptor at a time. */
const READ_BYTES = 1 << 20;

/** `head`, then the rest of `fd` in fresh chunks (a stream holds on to them). */
function* chunksOf(fd: number, head: Buffer): Generator<Buffer> {
  yield head;
  for (;;) {
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    const n = readBlocking(fd, chunk);
    if (n === 0) return;
    yield chunk.subarray(0, n);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** read(2), waiting out EAGAIN (a descriptor another process left non-blocking); 0 at the end. */
function readBlocking(fd: number, into: Uint8Array): number {
  for (;;) {
    try {
      return readSync(fd, into, 0, into.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** The bytes of a stream as they come: hashed, judged by the first of them, kept in a Spool. */
class Keeper {
  private readonly spool: Spool;
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;
  private judged = false;

  constructor(
    private readonly source: string,
    private readonly format: Format | undefined,
  ) {
    this.spool = new Spool(source);
  }

  /** `bytes` may be a reused buffer: what is kept of it is copied. */
  add(bytes: Buffer): void {
    this.hash.update(bytes);
    if (!this.judged) {
      this.head.push(Buffer.from(bytes.subarray(0, SNIFF_BYTES)));
      this.headBytes += bytes.length;
      // judged before anything reaches the disk: /dev/zero is refused at its first bytes
      if (this.headBytes >= SNIFF_BYTES) this.judged = judge(Buffer.concat(this.head), this.format, this.source);
    }
    this.spool.write(bytes);
  }

  discard(): void {
    this.spool.discard();
  }

  done(): Streamed {
    const first = Buffer.concat(this.head).subarray(0, SNIFF_BYTES);
    if (!this.judged && first.length > 0) judge(first, this.format, this.source);
    return { ...this.spool.done(), head: first, sha256: this.hash.digest('hex') };
  }
}

/** zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, ...) say what is wrong with the compressed data. */
function isZlibError(e: unknown): boolean {
  return /^Z_/.test(String((e as NodeJS.ErrnoException | undefined)?.code));
}

/**
 * Whether the first bytes are binary of a known format or text: an error for anything else (a
 * format losscalc does not read, gzip inside gzip included; binary data of no known format).
 */
function judge(head: Uint8Array, format: Format | undefined, source: string): true {
  // a stream's size is not known yet: a safetensors header longer than the first bytes may fit
  const kind = format ?? sniffFormat(head, head.length < SNIFF_BYTES ? head.length : Number.MAX_SAFE_INTEGER);
  checkContent(head, kind, source);
  if (!binaryFormat(kind)) checkText(head, kind, source, format !== undefined);
  return true;
}
