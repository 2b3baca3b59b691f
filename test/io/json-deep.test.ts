/**
 * Objects nested deep, and files read in tiny chunks: the dotted names of nested keys as
 * JSON.parse decodes the keys, a file read from disk in a few large reads however small the
 * chunks the tokenizer sees, and an object a million deep (7 MB) opened in linear time.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ByteSource } from '../../src/io/byte-source.js';
import { jsonContainer } from '../../src/io/json.js';
import { Cursor, END } from '../../src/io/json-cursor.js';
import { jsonFiles, openJsonContainer, openJsonFile } from '../../src/io/json-file.js';
import { streaming } from '../../src/io/npy-file.js';
import { tempFiles } from './json-check.js';

const file = tempFiles('json-deep');

const saved = streaming.blockBytes;
afterEach(() => {
  streaming.blockBytes = saved;
  jsonFiles.wholeBytes = undefined;
});
afterAll(() => {
  streaming.blockBytes = saved;
});

/** The dotted names of the arrays and numbers in a parsed object, outermost key first. */
function dotted(value: unknown, prefix?: string): string[] {
  return Object.entries(value as object).flatMap(([k, v]) => {
    const name = prefix === undefined ? k : `${prefix}.${k}`;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? dotted(v, name) : Array.isArray(v) || typeof v === 'number' ? [name] : [];
  });
}

describe('nested keys', () => {
  it('are dotted as JSON.parse decodes the keys (non-ASCII, escapes, a lone surrogate), whole and in blocks', () => {
    const text = '{"é": {"\\ud800": {"a\\"b": {"x.y": [1, 2]}, "t\\tu": 4}}, "s": {"€😀": 3, "\\\\": {"": [5]}}, "n": null, "": {"": {"z": 6}}}';
    const want = dotted(JSON.parse(text));
    expect(want).toHaveLength(5);
    expect(jsonContainer(text, 't')!.keys).toEqual(want);
    jsonFiles.wholeBytes = 0;
    for (const size of [1, 5, 16, 4096]) {
      streaming.blockBytes = size;
      expect(openJsonContainer(file(text), 'json')!.keys).toEqual(want);
    }
  });
});

describe('a file read in tiny chunks', () => {
  it('is read from disk in reads of many chunks, the tokenizer seeing each chunk', () => {
    streaming.blockBytes = 1; // chunks of 4 bytes
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
    let reads = 0;
    const src: ByteSource = {
      size: bytes.length,
      read(into, position) {
        reads++;
        into.set(bytes.subarray(position, position + into.length));
      },
    };
    const c = new Cursor(src, 0, bytes.length);
    const seen = Buffer.alloc(bytes.length);
    let chunks = 0;
    for (let i = 0; c.peek() !== END; i++) {
      if (c.pos === 0) chunks++;
      seen[i] = c.buf[c.pos++];
    }
    expect(seen.equals(bytes)).toBe(true);
    expect(chunks).toBeGreaterThanOrEqual(bytes.length / 4);
    expect(reads).toBeLessThanOrEqual(Math.ceil(bytes.length / (1 << 16)) + 1);
  });
});

describe('an object nested a million deep (7 MB)', () => {
  const depth = 1_000_000;
  const text = '{"a": '.repeat(depth) + '[1.5, NaN, -2]' + '}'.repeat(depth);
  const key = Array.from({ length: depth }, () => 'a').join('.');

  /** CPU time of `run` in ms (this process's, so that other processes on the machine do not count). */
  function cpuMs(run: () => void): number {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  }

  it('opens and reads in linear time, in chunks of 4 bytes', () => {
    const path = file(text);
    jsonFiles.wholeBytes = 0;
    streaming.blockBytes = 1;
    let values: number[] = [];
    let keys: string[] = [];
    // about 0.4 s; reading 3 bytes per read(2) and a string per level took 2.5 s and more
    const ms = cpuMs(() => {
      const v = openJsonFile(path, 'json')!;
      v.read(1, 0, 3, (block) => (values = [...values, ...block]));
      keys = openJsonContainer(path, 'json')!.keys;
    });
    expect(values).toEqual([1.5, NaN, -2]);
    expect(keys).toEqual([key]);
    expect(ms).toBeLessThan(1500);
  });
});
