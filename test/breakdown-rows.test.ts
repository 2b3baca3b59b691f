/**
 * readRows: Values whose rows hold different numbers of values (logits C x inner, labels
 * inner, losses inner) read side by side in aligned blocks of the same rows, whatever blocks
 * each one hands out, and never gathered more than a bounded piece at a time.
 */
import { describe, expect, it } from 'vitest';
import { copyAsFloat64, toFloat64, type Tensor } from '../src/tensor.js';
import { inMemory, readRows, readTogether, type Values } from '../src/values.js';
import { inBlocks } from './breakdown-blocks.js';

const ramp = (n: number, scale: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i * scale);
const tensor = (data: Float64Array, shape: number[]): Tensor => ({ data, shape, dtype: 'float64' });

interface Visit {
  first: number;
  count: number;
  blocks: number[][];
}

function visits(sources: Values[], rowSizes: number[], start: number, end: number, maxValues?: number): Visit[] {
  const seen: Visit[] = [];
  readRows(sources, rowSizes, start, end, (blocks, first, count) => seen.push({ first, count, blocks: blocks.map((b) => Array.from(b as Float64Array, Number)) }), maxValues);
  return seen;
}

/** The visits cover rows [start, end) in order, and each block holds its rows of its source. */
function expectAligned(seen: Visit[], datas: Float64Array[], rowSizes: number[], start: number, end: number): void {
  let next = start;
  for (const { first, count, blocks } of seen) {
    expect(first).toBe(next);
    expect(count).toBeGreaterThan(0);
    blocks.forEach((b, i) => expect(b, `source ${i}, rows ${first}..${first + count}`).toEqual(Array.from(datas[i].subarray(first * rowSizes[i], (first + count) * rowSizes[i]))));
    next += count;
  }
  expect(next).toBe(end);
}

describe('readRows', () => {
  // 11 rows of (C = 3) x (inner = 2) logits, inner class indices and inner losses
  const rowSizes = [6, 2, 2];
  const datas = [ramp(66, 1), ramp(22, 0.5), ramp(22, -0.25)];
  const shapes = [[11, 3, 2], [11, 2], [11, 2]];

  it('visits aligned blocks of the same rows, whatever blocks each source hands out', () => {
    for (const units of [[1, 1, 1], [2, 3, 1], [4, 1, 3], [11, 2, 5], [1, 11, 11]]) {
      const sources = datas.map((d, i) => inBlocks(tensor(d, shapes[i]), units[i]));
      const seen = visits(sources, rowSizes, 0, 11);
      expectAligned(seen, datas, rowSizes, 0, 11);
      // the first source sets the blocks
      expect(seen.map((v) => v.count), `units ${units}`).toEqual(Array.from({ length: Math.ceil(11 / units[0]) }, (_, b) => Math.min(units[0], 11 - b * units[0])));
    }
  });

  it('reads rows [start, end) only', () => {
    const sources = datas.map((d, i) => inBlocks(tensor(d, shapes[i]), 3));
    expectAligned(visits(sources, rowSizes, 4, 9), datas, rowSizes, 4, 9);
    expect(visits(sources, rowSizes, 5, 5)).toEqual([]);
  });

  it('gathers the others a bounded piece at a time when the first source is one whole block', () => {
    const n = 1000;
    const big = [ramp(n * 6, 1), ramp(n * 2, 0.5), ramp(n * 2, -0.25)];
    const others = [inBlocks(tensor(big[1], [n, 2]), 7), inBlocks(tensor(big[2], [n, 2]), 1000)];
    const seen = visits([inMemory(tensor(big[0], [n, 3, 2])), ...others], rowSizes, 0, n, 64);
    expectAligned(seen, big, rowSizes, 0, n);
    // 64 values of the others' rows (2 + 2 each) per visit: 16 rows
    for (const v of seen) expect(v.count).toBeLessThanOrEqual(16);
    expect(Math.max(...others.map((o) => o.largest))).toBeLessThanOrEqual(32);
  });

  it('hands blocks of integer dtypes in their own type, whole or gathered from pieces, the values they hold', () => {
    const labels: Tensor = { data: BigInt64Array.from({ length: 22 }, (_, i) => BigInt(i * 3 - 20)), shape: [11, 2], dtype: 'int64' };
    const want = Float64Array.from(labels.data as BigInt64Array, Number);
    for (const units of [1, 4, 11]) {
      const seen: number[] = [];
      readRows([inBlocks(tensor(datas[0], shapes[0]), 3), inBlocks(labels, units)], [6, 2], 0, 11, ([, y]) => {
        expect(y).toBeInstanceOf(BigInt64Array);
        seen.push(...Array.from(y as BigInt64Array, Number));
      });
      expect(Float64Array.from(seen)).toEqual(want);
    }
  });

  it('readTogether is its case of one row size for all', () => {
    const a = ramp(24, 1);
    const b = ramp(24, 2);
    const seen: number[][] = [];
    readTogether([inBlocks(tensor(a, [6, 4]), 5), inBlocks(tensor(b, [6, 4]), 2)], 4, ([x, y], first, count) => {
      expect(x.length).toBe(count * 4);
      seen.push([first, count, ...Array.from(y as Float64Array)]);
    });
    expect(seen.flatMap(([, , ...y]) => y)).toEqual(Array.from(b));
    expect(seen.map(([first, count]) => [first, count])).toEqual([
      [0, 5],
      [5, 1],
    ]);
  });
});

describe('64-bit integers as float64', () => {
  // around 2^53 (where float64 starts to round: ties go to even), 2^63 and 2^64, and small ones
  const signed = [0n, 1n, -1n, 7n, -100n, 2n ** 31n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n) - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 3n, -(2n ** 53n) - 1n, 2n ** 62n + 2n ** 10n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
  const unsigned = [0n, 1n, 2n ** 32n + 5n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - 2n ** 11n, 2n ** 64n - 2n ** 10n];

  it('are what Number() makes of each value, at any offset, in a view into a larger buffer', () => {
    for (const data of [BigInt64Array.from([5n, ...signed]).subarray(1), BigUint64Array.from([5n, ...unsigned]).subarray(1)]) {
      const out = new Float64Array(data.length + 2).fill(-7);
      copyAsFloat64(data, out, 1);
      expect(out).toEqual(Float64Array.from([-7, ...Array.from(data as ArrayLike<bigint>, (v) => Number(v)), -7]));
      expect(toFloat64(data)).toEqual(Float64Array.from(data as ArrayLike<bigint>, (v) => Number(v)));
    }
  });
});
