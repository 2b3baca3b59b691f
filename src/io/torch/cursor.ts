/**
 * Buffered reading of a pickle from a ByteSource: a chunk at a time, never more than the
 * bytes that are left, so that a length a pickle claims is checked before it is allocated.
 */
import type { ByteSource } from '../byte-source.js';

/** Bytes read from the source at a time. */
const CHUNK = 1 << 16;

/** Buffered reading from a ByteSource, from `pos` to `end`. */
export class Cursor {
  private buf = new Uint8Array(0);
  private bufStart = 0;
  constructor(
    private readonly src: ByteSource,
    public pos: number,
    private readonly end: number,
    private readonly fail: (what: string) => never,
  ) {}

  byte(): number {
    return this.bytes(1)[0];
  }

  bytes(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`truncated pickle: ${n} bytes needed, ${this.end - this.pos} left`);
    const off = this.pos - this.bufStart;
    if (off < 0 || off + n > this.buf.length) {
      const length = Math.min(Math.max(n, CHUNK), this.end - this.pos);
      this.buf = new Uint8Array(length);
      this.src.read(this.buf, this.pos);
      this.bufStart = this.pos;
    }
    const start = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }

  /** The bytes up to the next '\n' (not included), for the text opcodes. */
  line(limit: number): string {
    let s = '';
    for (;;) {
      const c = this.byte();
      if (c === 0x0a) return s;
      if (s.length >= limit) this.fail(`a text argument longer than ${limit} bytes`);
      s += String.fromCharCode(c);
    }
  }

  view(n: number): DataView {
    const b = this.bytes(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
}
