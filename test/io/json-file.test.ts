/**
 * JSON and JSON Lines files read in blocks (json-file.ts): chunks of a few bytes, so that
 * chunk boundaries fall inside numbers, keys, "NaN", brackets and the BOM; every value equal
 * to the whole-text reader's to the bit, from any unit to any unit; no block larger than
 * asked for; and every error message the whole-text reader gives for the same text.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseInput } from '../../src/io/format.js';
import { parseJson } from '../../src/io/json.js';
import { jsonFiles, openJsonFile, readJsonFile } from '../../src/io/json-file.js';
import { parseJsonLines } from '../../src/io/jsonl.js';
import { streaming } from '../../src/io/npy-file.js';
import { openInput, readInput, readStdin } from '../../src/io/read.js';
import { readPair } from '../../src/io/one-file.js';
import { isValues, type Values } from '../../src/values.js';
import type { Tensor } from '../../src/tensor.js';
import { everyJsonFileInBlocks, tempFiles } from './json-check.js';

const file = tempFiles('json-file');

everyJsonFileInBlocks();
/** Block sizes from tiny (a chunk of 4 bytes) up: every boundary falls somewhere in every token. */
const SIZES = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 24, 31, 64];

/** All of `v` read `unit` values at a time; each block checked against the block size asked for. */
function readAll(v: Values, unit: number, start = 0, end = v.shape.reduce((a, b) => a * b, 1) / unit): number[] {
  const out: number[] = [];
  let next = start;
  const most = unit === 0 ? 0 : Math.max(1, Math.floor(streaming.blockBytes / (8 * unit))) * unit;
  v.read(unit, start, end, (d, first, count) => {
    expect(first).toBe(next);
    expect(d.length).toBe(count * unit);
    expect(d.length).toBeLessThanOrEqual(most);
    next += count;
    out.push(...(d as Float64Array));
  });
  expect(next).toBe(end);
  return out;
}

function expectBits(actual: number[], expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) expect.fail(`value ${i}: ${actual[i]}, whole text gives ${expected[i]}`);
}

function whole(text: string, format: 'json' | 'jsonl', key?: string): Tensor {
  return format === 'json' ? parseJson(text, 't', key) : parseJsonLines(text, 't');
}

const TEXTS: [string, 'json' | 'jsonl', string?][] = [
  ['[[1.5, -2e-3, NaN], [Infinity, -Infinity, "nan"], ["-inf", true, false], [0.30000000000000004, -0, 123456789012345678]]', 'json'],
  ['\uFEFF\r\n [\n  [ [1 , 2],[3,4] ] ,\n\t[[5,6] , [7,8]]\n]\n\n', 'json'],
  ['  -12.5e3  \n', 'json'],
  ['\uFEFF\uFEFF[1, 2]', 'json'],
  ['[]', 'json'],
  ['[[], [], []]     ', 'json'],
  ['[[[[[[1]]], [[[2]]]]]]', 'json'],
  ['[9007199254740993, 1, -18446744073709551617, 4.5, NaN, "Infinity", 7]', 'json'],
  ['{"a_long_key_that_crosses_blocks": {"s": "x[\\"]{", "logits": [[1, 2.25], [NaN, 4]]}, "labels": [0, 1], "t": true}', 'json', 'a_long_key_that_crosses_blocks.logits'],
  ['{"a_long_key_that_crosses_blocks": {"s": "x[\\"]{", "logits": [[1, 2.25], [NaN, 4]]}, "labels": [0, 1], "t": true}', 'json', 'labels'],
  ['{"only": [Infinity, -Infinity, NaN, 1e308, 5e-324]}', 'json'],
  ['{"é€😀": [1, 2], "n": -7.5}', 'json', 'n'],
  // a bare word that a '}' ends, as the open pass reads it: no space, no ',' or ']' after it
  ['{"": {"": [[]]}, "batch": {"": [[]], "size": Infinity}, "x": []}', 'json', 'batch.size'],
  ['{"a": {"b": -Infinity}}', 'json', 'a.b'],
  ['{"n":NaN}', 'json'],
  ['\uFEFF[1, 2.5]\r\n\r\n[3, NaN]\n  \n[5, 6]', 'jsonl'],
  ['1\n2\n3\n-0\n9007199254740993\n', 'jsonl'],
  ['[[1], [2]]\n[[3], [4]]\n[[5], [6]]\n', 'jsonl'],
  ['2\n\u2028\n\u000b \u00a0\f\n3\n\u3000', 'jsonl'],
];

describe('a JSON file read in blocks', () => {
  for (const [text, format, key] of TEXTS) {
    it(`${JSON.stringify(text).slice(0, 60)}${key ? ` :${key}` : ''}`, () => {
      const path = file(text, format);
      const want = whole(text, format, key);
      for (const size of SIZES) {
        streaming.blockBytes = size;
        const v = openJsonFile(path, format, key);
        expect(v, `blocks of ${size}`).toBeDefined();
        expect(v!.shape).toEqual(want.shape);
        expect(v!.dtype).toBe('float64');
        const n = want.data.length;
        const row = want.shape.length === 0 ? 1 : n / Math.max(1, want.shape[0]) || 1;
        for (const unit of [1, row]) if (n % unit === 0) expectBits(readAll(v!, unit), want.data as Float64Array);
        if (n === 0 && want.shape.length > 1) expect(readAll(v!, 0, 0, want.shape[0])).toEqual([]); // rows of no values
        // any range, from the offsets the open noted
        for (let start = 0; start < n; start += 1 + (start % 3)) {
          const end = Math.min(n, start + 1 + ((start * 7) % 5));
          expectBits(readAll(v!, 1, start, end), (want.data as Float64Array).subarray(start, end));
        }
        for (let i = 0; i < n; i++) expect(v!.written?.(i)).toBe(want.written?.(i));
      }
    });
  }

  it('skips a second BOM after the first, as decoding and then parsing the text did', () => {
    for (const format of ['json', 'jsonl'] as const) {
      const t = parseInput(Buffer.from('\uFEFF\uFEFF[1, 2]\n'), 't', { format });
      expect([t.shape, Array.from(t.data)]).toEqual([format === 'json' ? [2] : [1, 2], [1, 2]]);
    }
  });

  it('reads any range from the nearest offset the open noted, every 16th value in blocks of 64 bytes', () => {
    streaming.blockBytes = 64;
    const rows = Array.from({ length: 100 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i % 9 === 0 ? -0 : Math.sin(i * 5 + j) * 10 ** ((i % 7) - 3))));
    const text = `[${rows.map((r) => `[${r.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')}]`).join(',\n ')}]`;
    const want = parseJson(text, 't').data as Float64Array;
    const v = openJsonFile(file(text), 'json')!;
    for (const [unit, start, end] of [[5, 0, 100], [5, 3, 4], [5, 16, 17], [5, 31, 100], [1, 15, 16], [1, 16, 33], [1, 47, 499], [1, 499, 500], [100, 2, 5], [500, 0, 1]]) {
      expectBits(readAll(v, unit, start, end), want.subarray(start * unit, end * unit));
    }
  });

  it('a small file is left to the whole-text reader; a larger one is read in blocks by openInput', async () => {
    streaming.blockBytes = 64;
    jsonFiles.wholeBytes = undefined;
    const small = file('[1, 2, 3]');
    expect(openJsonFile(small, 'json')).toBeUndefined();
    expect(isValues(await openInput(small))).toBe(false);
    const text = JSON.stringify(Array.from({ length: 40 }, (_, i) => [i / 3, -i]));
    const large = file(text);
    const v = await openInput(large);
    expect(isValues(v)).toBe(true);
    expectBits(readAll(v as Values, 2), parseJson(text, 't').data as Float64Array);
    const rows = file(JSON.parse(text).map((r: number[]) => JSON.stringify(r)).join('\n'), 'jsonl');
    expect(isValues(await openInput(rows))).toBe(true);
    expect(isValues(await openInput(`${file(`{"x": ${text}, "y": [1]}`)}:x`))).toBe(true);
    // no extension: by the first bytes
    for (const content of [text, `{"x": ${text}}`, JSON.parse(text).map((r: number[]) => JSON.stringify(r)).join('\n')]) {
      const unnamed = file(content, 'data');
      const v = await openInput(unnamed);
      expect(isValues(v)).toBe(true);
      const t = parseInput(Buffer.from(content), unnamed);
      expect((v as Values).shape).toEqual(t.shape);
      expectBits(readAll(v as Values, 2), t.data as Float64Array);
    }
    expect(openJsonFile(file(`1,2\n${'3,4\n'.repeat(40)}`, 'data'), undefined)).toBeUndefined(); // CSV
    jsonFiles.wholeBytes = 0;
  });

  it('readInput, a key of an object and a pair from one file give the whole-text values', async () => {
    streaming.blockBytes = 16;
    const logits = Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(i) * 1e-3, i % 3 === 0 ? -0 : i]);
    const labels = Array.from({ length: 30 }, (_, i) => i % 3);
    const text = `{"meta": {"name": "run"}, "logits": ${JSON.stringify(logits)}, "labels": ${JSON.stringify(labels)}}`;
    const path = file(text);
    for (const key of ['logits', 'labels']) {
      const t = await readInput(`${path}:${key}`);
      expect(t.shape).toEqual(parseJson(text, 't', key).shape);
      expectBits(Array.from(t.data as Float64Array), parseJson(text, 't', key).data as Float64Array);
      expect(readJsonFile(path, 'json', key)!.data).toEqual(t.data);
    }
    const pair = await readPair(path);
    expect(isValues(pair.logits)).toBe(true);
    expectBits(readAll(pair.logits as Values, 3), parseJson(text, 't', 'logits').data as Float64Array);
    expect(pair.specs).toEqual({ logits: [`${path}:logits`], labels: [`${path}:labels`] });
  });
});

/** The InputError `run` throws: its source and message. */
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return `${e.source}: ${e.message}`;
  }
  return 'no error';
}

const BAD: [string, 'json' | 'jsonl', string?][] = [
  ['[[1,2,3,4,5],[1,2,3,4,5],[1,2,3,4,5],[1,2,3,4]]', 'json'],
  ['[[1, 2],\n [3, 4, 5]]', 'json'],
  ['[[1, 2], 3]', 'json'],
  ['[1, [2]]', 'json'],
  ['[[1, 2], [3, "abc"]]', 'json'],
  ['[[1, 2], [null, 4]]', 'json'],
  ['[1, {"a": 2}]', 'json'],
  ['[1, "a string much longer than forty characters, cut short"]', 'json'],
  ['[1, 2,\n 3,, 4]', 'json'],
  ['[1, 2', 'json'],
  ['[1, 2]]', 'json'],
  ['[1, 2]\n[3, 4]', 'json'],
  ['[1 2]', 'json'],
  ['[1, 2,]', 'json'],
  ['[.5]', 'json'],
  ['[1, -]', 'json'],
  ['[1, NaNa]', 'json'],
  ['[1, Infinityyyyy]', 'json'],
  ['[1, 1.]', 'json'],
  ['[1, 1e]', 'json'],
  ['[1, 01]', 'json'],
  // a number cut by the end of the file: the bytes after it in the buffer are not the file's
  [`[${'12345678901234567890,'.repeat(12)} 9.`, 'json'],
  [`[${'12345678901234567890,'.repeat(12)} 9e`, 'json'],
  [`[${'12345678901234567890,'.repeat(12)} 9e-`, 'json'],
  ['[1, "abc]', 'json'],
  ['[1, "ab\\q"]', 'json'],
  ['[1, \u00e9]', 'json'],
  ['{"é€😀": [1, 2], "b": [1, x]}', 'json', 'b'],
  ['{"é€😀": [1, 2],\n "b": [[1, 2], [3]]}', 'json', 'b'],
  ['{"a": [1, 2], "b": [1]}', 'json'],
  ['{"a": [1, 2], "b": [1]}', 'json', 'c'],
  ['{"a" [1]}', 'json', 'a'],
  ['{"a": [1] "b": 2}', 'json', 'a'],
  ['{"a": [1],}', 'json', 'a'],
  ['{"a": [1], "a": [2]}', 'json', 'a'],
  ['{"a": [1, [2}', 'json', 'a'],
  ['{"a": [1]}\n[2]', 'json', 'a'],
  ['[1, 2, 3]', 'json', 'a'],
  ['[' + '['.repeat(70) + '1' + ']'.repeat(71), 'json'],
  ['[1, 2]\n[3]\n', 'jsonl'],
  ['[1, 2]\n[3, "x"]\n', 'jsonl'],
  ['[1,\n2]\n', 'jsonl'],
  ['[1] [2]\n', 'jsonl'],
  ['[1]\n{"a": 1}\n', 'jsonl'],
  ['[1]\n\u000b\n[2, 3]\n', 'jsonl'],
  ['[1]\n\u000b[2]\n', 'jsonl'],
  ['[1]\n', 'jsonl', 'a'],
];

describe('errors in a file read in blocks', () => {
  for (const [text, format, key] of BAD) {
    it(`${JSON.stringify(text).slice(0, 50)}${key ? ` :${key}` : ''}`, () => {
      // padded so that the file is read in blocks, and the error is past the first chunks
      const padded = `${' '.repeat(20)}\n\n${text}`;
      const path = file(padded, format);
      const want = errorOf(() => parseInput(Buffer.from(padded), path, { format, key }));
      expect(want).not.toBe('no error');
      // and with no extension: JSON, or JSON Lines when a second value is on a later line
      const unnamed = file(padded, 'data');
      const sniffed = errorOf(() => parseInput(Buffer.from(padded), unnamed, { key }));
      for (const size of SIZES) {
        streaming.blockBytes = size;
        expect(errorOf(() => openJsonFile(path, format, key)), `blocks of ${size}`).toBe(want);
        expect(errorOf(() => openJsonFile(unnamed, undefined, key)), `blocks of ${size}, sniffed`).toBe(sniffed);
      }
    });
  }

  it('a file that changes after it was opened is an error, not other numbers', () => {
    streaming.blockBytes = 16;
    const path = file(JSON.stringify(Array.from({ length: 50 }, (_, i) => i)));
    const v = openJsonFile(path, 'json')!;
    writeFileSync(path, JSON.stringify(Array.from({ length: 50 }, (_, i) => -i)));
    expect(errorOf(() => v.read(1, 0, 50, () => {}))).toMatch(/: the file changed while it was read/);
  });

  it('binary data or another format named .json is refused as the whole-text reader refuses it', async () => {
    streaming.blockBytes = 16;
    const npy = file(new Uint8Array([0x93, ...Buffer.from('NUMPY'), 1, 0, 0x76, 0, ...Buffer.from("{'descr': '<f8'}").values(), ...new Array(40).fill(0x20)]));
    // another format's magic is left to the whole-file reader, which names the format
    expect(openJsonFile(npy, 'json')).toBeUndefined();
    await expect(readInput(npy)).rejects.toThrow('this is an NPY file (by its first bytes), not JSON');
    const nul = file(`[1, 2, 3, ${'\u0000'}, 4, 5, 6, 7, 8]`);
    expect(errorOf(() => openJsonFile(nul, 'json'))).toBe(`${nul}: binary data, not JSON: a NUL byte at byte 10`);
  });
});

describe('standard input', () => {
  it('is read whole, through the same reader', async () => {
    const text = '[[1, NaN], [3, 4]]';
    const stream = Object.assign(
      (async function* () {
        yield Buffer.from(text.slice(0, 5));
        yield Buffer.from(text.slice(5));
      })(),
      { isTTY: false },
    );
    const bytes = await readStdin(stream as never);
    expect(Array.from(parseJson(bytes, '-').data)).toEqual([1, NaN, 3, 4]);
  });
});
