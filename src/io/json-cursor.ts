/**
 * JSON text as bytes, read forwards through one buffer: the whole text when it is in memory,
 * else chunks of a file read at offsets, so that no JSON input is ever one string. A token
 * being looked at (a number, a key) stays in the buffer, which grows only when one token is
 * longer than a chunk. Positions are byte offsets; messages turn them into the line and column
 * of the decoded text (lineColumn).
 */
import { InputError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { streaming } from './npy-file.js';

/**
 * Bytes per chunk read from a file: 1 MiB, or less when the tests ask for tiny blocks
 * (streaming.blockBytes), so that tokens cross chunk boundaries.
 */
export function chunkBytes(): number {
  return Math.max(4, Math.min(streaming.blockBytes, 1 << 20));
}

/**
 * Bytes read from a file at once when chunks are smaller (tiny test blocks): the chunks are
 * then copied from them, so that tokens still cross every chunk boundary, but a 7 MB file is
 * not read(2) three bytes at a time.
 */
const READ_AHEAD = 1 << 16;

export const END = -1;
export const NL = 0x0a;

export class Cursor {
  buf: Buffer;
  /** The next byte is buf[pos]; buf[pos, lim) is read. */
  pos = 0;
  lim = 0;
  /** The source offset of buf[0]. */
  private base: number;
  /** Bytes of the source from offset `start` read ahead of the chunks, when these are small. */
  private ahead: { buf: Buffer; start: number; length: number } | undefined;

  /** The bytes [start, end) of `src` (a ByteSource, or bytes in memory); `buffer`: a chunk buffer to reuse. */
  constructor(
    readonly src: ByteSource | Uint8Array,
    start: number,
    readonly end: number,
    buffer?: Buffer,
  ) {
    if (src instanceof Uint8Array) {
      this.buf = Buffer.from(src.buffer, src.byteOffset, end);
      this.base = 0;
      this.pos = start;
      this.lim = end;
    } else {
      this.buf = buffer ?? Buffer.allocUnsafe(chunkBytes());
      this.base = start;
    }
  }

  get offset(): number {
    return this.base + this.pos;
  }

  /** The next byte, or END. */
  peek(): number {
    return this.pos < this.lim || this.ensure(1) ? this.buf[this.pos] : END;
  }

  /** The byte `k` past the next one, or END. */
  at(k: number): number {
    return this.pos + k < this.lim || this.ensure(k + 1) ? this.buf[this.pos + k] : END;
  }

  /** Makes `n` bytes from pos readable when the source has them; false when it has fewer. */
  ensure(n: number): boolean {
    if (this.pos + n <= this.lim) return true;
    const { src } = this;
    if (src instanceof Uint8Array || this.base + this.lim >= this.end) return false;
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.lim);
      this.base += this.pos;
      this.lim -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(n, 2 * this.buf.length));
      this.buf.copy(grown, 0, 0, this.lim);
      this.buf = grown;
    }
    while (this.lim < n && this.base + this.lim < this.end) {
      const count = Math.min(this.buf.length - this.lim, this.end - this.base - this.lim);
      this.fill(src, count);
      this.lim += count;
    }
    return this.lim >= n;
  }

  /** Reads the next `count` bytes of `src` into buf at `lim`, through `ahead` when they are few. */
  private fill(src: ByteSource, count: number): void {
    const position = this.base + this.lim;
    if (count >= READ_AHEAD) return src.read(this.buf.subarray(this.lim, this.lim + count), position);
    let a = this.ahead;
    if (a === undefined || position < a.start || position + count > a.start + a.length) {
      a = this.ahead ??= { buf: Buffer.allocUnsafe(READ_AHEAD), start: 0, length: 0 };
      a.start = position;
      a.length = Math.min(READ_AHEAD, this.end - position);
      src.read(a.buf.subarray(0, a.length), position);
    }
    a.buf.copy(this.buf, this.lim, position - a.start, position - a.start + count);
  }

  /** Moves to the source offset `offset`. */
  seek(offset: number): void {
    if (offset >= this.base && offset <= this.base + this.lim) {
      this.pos = offset - this.base;
    } else {
      this.base = offset;
      this.pos = 0;
      this.lim = 0;
    }
  }

  /** The `n` bytes from pos as text (after ensure(n)). */
  text(n: number): string {
    return this.buf.toString('utf8', this.pos, this.pos + n);
  }

  /** The `n` bytes from pos as Latin-1 (ASCII tokens: numbers, words). */
  ascii(n: number): string {
    return this.buf.toString('latin1', this.pos, this.pos + n);
  }
}

/**
 * A UTF-8 byte order mark at the start of `c` (at offset 0) is skipped, and a second one
 * after it: the text reader dropped one when decoding the bytes and one more when parsing.
 */
export function skipBom(c: Cursor): void {
  if (c.offset !== 0) return;
  for (let i = 0; i < 2 && c.peek() === 0xef && c.at(1) === 0xbb && c.at(2) === 0xbf; i++) c.pos += 3;
}

/** An InputError at byte `at` of the text in `src`: the message ends with its line and column. */
export function failAt(src: ByteSource | Uint8Array, source: string, at: number, message: string): never {
  throw new InputError(`${message} (${lineColumn(src, at)})`, source);
}

/**
 * "line L, column C" of byte `at`: C counts the UTF-16 code units of the decoded line before
 * it (what the column of a decoded string is), without the BOM of the first line.
 */
export function lineColumn(src: ByteSource | Uint8Array, at: number): string {
  const c = new Cursor(src, 0, src instanceof Uint8Array ? src.length : src.size);
  let line = 1;
  let lineStart = 0;
  while (c.offset < at && c.peek() !== END) {
    const end = Math.min(c.lim, c.pos + (at - c.offset));
    for (let i = c.pos; i < end; i++) {
      if (c.buf[i] === NL) {
        line++;
        lineStart = c.offset + (i - c.pos) + 1;
      }
    }
    c.pos = end;
  }
  // the BOM of the text is no character of it; anywhere else U+FEFF is one
  const decoder = new TextDecoder('utf-8', { ignoreBOM: lineStart !== 0 });
  let column = 0;
  c.seek(lineStart);
  while (c.offset < at && c.peek() !== END) {
    const end = Math.min(c.lim, c.pos + (at - c.offset));
    column += decoder.decode(c.buf.subarray(c.pos, end), { stream: true }).length;
    c.pos = end;
  }
  column += decoder.decode().length;
  return `line ${line}, column ${column + 1}`;
}
