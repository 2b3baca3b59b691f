/**
 * countByte (io/byte-count.ts), which counts a CSV row's delimiters four bytes at a time,
 * against the count by definition: at every alignment of the part counted and of the buffer
 * in its ArrayBuffer, with bytes that differ from the one counted only in bit 7 or by one, and
 * runs of matches long enough to fill every lane of its accumulator.
 */
import { describe, expect, it } from 'vitest';
import { countByte } from '../../src/io/byte-count.js';

function byDefinition(buf: Uint8Array, byte: number, start: number, end: number): number {
  return buf.subarray(start, end).filter((b) => b === byte).length;
}

describe('countByte', () => {
  it('counts as the definition does, at every alignment', () => {
    let seed = 1;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) / 65536;
    for (const byte of [0x2c, 0x09, 0x3b]) {
      const near = [byte, byte, byte ^ 0x80, byte + 1, byte - 1, 0, 0xff, 0x0a, 0x30];
      const backing = new Uint8Array(4200);
      for (let i = 0; i < backing.length; i++) backing[i] = near[Math.floor(random() * near.length)];
      for (const offset of [0, 1, 2, 3]) {
        const buf = backing.subarray(offset, offset + 4100);
        for (let start = 0; start < 9; start++) {
          for (let end = start; end < buf.length; end += 13) {
            expect(countByte(buf, byte, start, end)).toBe(byDefinition(buf, byte, start, end));
          }
        }
      }
    }
  });

  it('counts runs of matches longer than 255 words, and a buffer of nothing else', () => {
    const backing = new Uint8Array(8192).fill(0x2c);
    for (const offset of [0, 3]) {
      const buf = backing.subarray(offset);
      expect(countByte(buf, 0x2c, 0, buf.length)).toBe(buf.length);
      expect(countByte(buf, 0x2c, 5, 4093)).toBe(4088);
      expect(countByte(buf, 0x2d, 0, buf.length)).toBe(0);
    }
  });
});
