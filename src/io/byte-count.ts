/**
 * How many times a byte occurs in part of a buffer, four bytes at a time (SWAR): the open pass
 * over a CSV file (csv-scan.ts) counts every row's delimiters with it, at a quarter of the
 * cost of a loop over bytes.
 */

/** The last buffer's words, each the 4 bytes at 4w of its ArrayBuffer, in the platform's order (a count needs none). */
let lastBuffer: ArrayBufferLike | undefined;
let lastWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/** The number of bytes equal to `byte` in buf[start, end). */
export function countByte(buf: Uint8Array, byte: number, start: number, end: number): number {
  const base = buf.byteOffset;
  let w = (base + start + 3) >> 2; // the first whole word
  const wordsEnd = (base + end) >> 2;
  if (w >= wordsEnd) return countBytes(buf, byte, start, end);
  if (buf.buffer !== lastBuffer) {
    lastBuffer = buf.buffer;
    lastWords = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
  }
  const words = lastWords;
  const pattern = Math.imul(byte, 0x01010101);
  let n = countBytes(buf, byte, start, 4 * w - base) + countBytes(buf, byte, 4 * wordsEnd - base, end);
  while (w < wordsEnd) {
    // per byte lane of v = word ^ pattern: (v & 0x7f) + 0x7f carries into bit 7 unless the low
    // bits are 0, and never into the next lane (0xfe at most); or'd with v, bit 7 is clear
    // only for a zero byte, a byte equal to `byte`. Each match adds 1 to its lane of acc; 255
    // words at most before the lanes are summed, so none passes 255
    const stop = Math.min(wordsEnd, w + 255);
    let acc = 0;
    for (; w < stop; w++) {
      const v = words[w] ^ pattern;
      acc += ~(((v & 0x7f7f7f7f) + 0x7f7f7f7f) | v | 0x7f7f7f7f) >>> 7;
    }
    const pairs = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff);
    n += (pairs & 0xffff) + (pairs >>> 16);
  }
  return n;
}

function countBytes(buf: Uint8Array, byte: number, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (buf[i] === byte) n++;
  return n;
}
