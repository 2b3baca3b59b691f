/** Reading Values in blocks for the reader tests: every value in order, and the blocks' sizes. */
import { expect } from 'vitest';
import { streaming } from '../../src/io/npy-file.js';
import { numel } from '../../src/tensor.js';
import type { Values } from '../../src/values.js';

export interface Read {
  /** The values of units [start, end), as numbers (64-bit integers as decimal strings). */
  values: (number | string)[];
  /** How many values each visit was handed. */
  blocks: number[];
  /** The storage type of the blocks. */
  storage: string[];
}

/** Units [start, end) of `unit` values each, checking that blocks come in order and whole. */
export function readUnits(v: Values, unit: number, start = 0, end = numel(v.shape) / unit): Read {
  const out: Read = { values: [], blocks: [], storage: [] };
  let next = start;
  v.read(unit, start, end, (data, first, count) => {
    expect(first).toBe(next);
    expect(data.length).toBe(count * unit);
    next += count;
    out.blocks.push(data.length);
    out.storage.push(data.constructor.name);
    for (const x of data as ArrayLike<number | bigint>) out.values.push(typeof x === 'bigint' ? String(x) : x);
  });
  expect(next).toBe(Math.max(start, end));
  return out;
}

/** Runs `use` with blocks of `bytes` bytes. */
export function withBlockBytes<T>(bytes: number, use: () => T): T {
  const saved = streaming.blockBytes;
  streaming.blockBytes = bytes;
  try {
    return use();
  } finally {
    streaming.blockBytes = saved;
  }
}

/** Manifest values as readUnits gives them (NaN and infinities as numbers). */
export function expectedValues(values: (number | string)[], dtype: string): (number | string)[] {
  if (dtype === 'int64' || dtype === 'uint64') return values.map(String);
  return values.map((v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}
