/**
 * Reading a stream whole — standard input, a FIFO, a device — when it may never end. The
 * first bytes decide what it is (format.ts): binary data of no known format is refused at
 * once, and what is read is capped, so `/dev/zero` or an endless pipe ends in an error, not
 * in memory that grows without bound.
 */
import { InputError, readError } from '../errors.js';
import { binaryFormat, checkText, SNIFF_BYTES, sniffFormat, type Format } from './format.js';

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
 * Every byte of `stream`. `format` is the one asked for (else sniffed from the first bytes);
 * `source` names the stream in errors.
 */
export async function readStream(stream: Stream, source: string, format: Format | undefined, limits = STREAM_LIMITS): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  let limit: { bytes: number; what: string } | undefined;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(bytes);
      total += bytes.length;
      if (limit === undefined && total >= SNIFF_BYTES) limit = limitFor(Buffer.concat(chunks), format, source, limits);
      if (limit !== undefined && total > limit.bytes) {
        throw new InputError(`more than ${limit.bytes / MiB} MiB of ${limit.what} and no end in sight: save it to a file`, source);
      }
    }
  } catch (e) {
    stream.destroy?.();
    throw readError(e, source);
  }
  const all = Buffer.concat(chunks, total);
  if (limit === undefined && total > 0) limitFor(all, format, source, limits);
  return all;
}

/** What the first bytes say: binary of a known format, text, or an error for anything else. */
function limitFor(head: Uint8Array, format: Format | undefined, source: string, limits: StreamLimits): { bytes: number; what: string } {
  const kind = format ?? sniffFormat(head);
  if (binaryFormat(kind)) return { bytes: limits.binary, what: 'binary data' };
  checkText(head, kind, source, format !== undefined);
  return { bytes: limits.text, what: 'text' };
}
