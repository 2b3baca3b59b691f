/**
 * Reading a stream whole — standard input, a FIFO, a device, a gzip file — when it may never
 * end. The first bytes decide what it is (format.ts): gzip is decompressed as it streams in,
 * and what it holds is judged as the stream itself would be; a format losscalc does not read,
 * or binary data of no known format, is refused at once; and what is read is capped, so
 * `/dev/zero`, an endless pipe or a gzip bomb ends in an error, not in memory that grows
 * without bound.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, readError } from '../errors.js';
import { isGzip } from './foreign.js';
import { binaryFormat, checkContent, checkText, SNIFF_BYTES, sniffFormat, type Format } from './format.js';

export interface StreamLimits {
  /** Bytes of text: the text readers decode it into one string. */
  text: number;
  /** Bytes of NPY, npz or safetensors data. */
  binary: number;
}

const MiB = 2 ** 20;

/** Text stays under V8's longest string (2^29 - 24 characters); binary under a Buffer's size. */
export const STREAM_LIMITS: StreamLimits = { text: 500 * MiB, binary: 2048 * MiB };

type Stream = AsyncIterable<unknown> & { destroy?: () => void };

/**
 * Every byte of `stream`, or of what it holds when it is gzip (decompressed as it is read, the
 * limits applying to the decompressed bytes). `format` is the one asked for (else sniffed from
 * the first bytes), of the data inside gzip if it is gzip; `source` names the stream in errors.
 */
export async function readStream(stream: Stream, source: string, format: Format | undefined, limits = STREAM_LIMITS): Promise<Uint8Array> {
  const chunks = stream[Symbol.asyncIterator]();
  let head: Buffer;
  try {
    head = await first(chunks, 2);
  } catch (e) {
    stream.destroy?.();
    throw readError(e, source);
  }
  const all = Readable.from(again(head, chunks));
  if (!isGzip(head)) return readCapped(all, source, format, limits, stream);
  const gunzip = createGunzip();
  pipeline(all, gunzip, () => {}); // an error on either side reaches the gunzip stream, read below
  return readCapped(gunzip, source, format, limits, stream, true);
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

/** Every byte of `stream` (of `gzip` data, decompressed), within `limits`; `original` is destroyed on any error. */
async function readCapped(
  stream: Stream,
  source: string,
  format: Format | undefined,
  limits: StreamLimits,
  original: Stream,
  gzip = false,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  let limit: { bytes: number; what: string } | undefined;
  try {
    for await (const chunk of stream) {
      const bytes = asBuffer(chunk);
      chunks.push(bytes);
      total += bytes.length;
      if (limit === undefined && total >= SNIFF_BYTES) limit = limitFor(Buffer.concat(chunks), format, source, limits);
      if (limit !== undefined && total > limit.bytes) {
        const what = `${limit.bytes / MiB} MiB of ${limit.what}`;
        throw new InputError(
          gzip ? `gzip data that decompresses to more than ${what}: decompress it to a file first (gunzip)` : `more than ${what} and no end in sight: save it to a file`,
          source,
        );
      }
    }
  } catch (e) {
    stream.destroy?.();
    original.destroy?.();
    throw gzip && isZlibError(e) ? new InputError(`gzip data that cannot be decompressed: ${(e as Error).message}`, source) : readError(e, source);
  }
  const all = Buffer.concat(chunks, total);
  if (limit === undefined && total > 0) limitFor(all, format, source, limits);
  return all;
}

/** zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, ...) say what is wrong with the compressed data. */
function isZlibError(e: unknown): boolean {
  return /^Z_/.test(String((e as NodeJS.ErrnoException | undefined)?.code));
}

/**
 * What the first bytes say: binary of a known format, text, or an error for anything else (a
 * format losscalc does not read, gzip inside gzip included; binary data of no known format).
 */
function limitFor(head: Uint8Array, format: Format | undefined, source: string, limits: StreamLimits): { bytes: number; what: string } {
  const kind = format ?? sniffFormat(head);
  checkContent(head, kind, source);
  if (binaryFormat(kind)) return { bytes: limits.binary, what: 'binary data' };
  checkText(head, kind, source, format !== undefined);
  return { bytes: limits.text, what: 'text' };
}
