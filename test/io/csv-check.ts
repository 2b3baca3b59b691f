/**
 * Checking the CSV/TSV reader in blocks (io/csv-file.ts) against the whole-text reader
 * (parseCsv): the same values to the bit, read in blocks of every size and from any row, and
 * the same errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import type { InputError } from '../../src/errors.js';
import { csvChecks, csvLimits, openCsvFile } from '../../src/io/csv-file.js';
import { parseInput } from '../../src/io/format.js';
import { streaming } from '../../src/io/npy-file.js';
import type { Tensor } from '../../src/tensor.js';
import type { Values } from '../../src/values.js';

/** Block sizes from tiny (every row and cell crosses blocks) to larger than any test file. */
export const BLOCKS = [16, 64, 200, 4096, 4 << 20];

const dir = mkdtempSync(join(tmpdir(), 'losscalc-csv-file-'));

/** For a test file: the temporary files removed, the block size and checks restored after each test. */
export function csvTestHooks(): void {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const savedBlockBytes = streaming.blockBytes;
  const savedChecks = { ...csvChecks };
  const savedLimits = { ...csvLimits };
  afterEach(() => {
    streaming.blockBytes = savedBlockBytes;
    Object.assign(csvChecks, savedChecks);
    Object.assign(csvLimits, savedLimits);
  });
}

let files = 0;
/** A new file in the temporary directory, holding `content`. */
export function file(content: string | Uint8Array, ext = 'csv'): string {
  const path = join(dir, `f${files++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/** The path of the file made last. */
export function lastFile(ext = 'csv'): string {
  return join(dir, `f${files - 1}.${ext}`);
}

export type Format = 'csv' | 'tsv';
export const delimiterOf = (format: Format, delimiter?: string): string => delimiter ?? (format === 'tsv' ? '\t' : ',');

/** What the whole-file reader makes of the file: its tensor or its error. */
export function reference(path: string, format: Format, delimiter?: string, header?: boolean): Tensor | Error {
  try {
    return parseInput(readFileSync(path), path, { format, delimiter: delimiterOf(format, delimiter), header });
  } catch (e) {
    return e as Error;
  }
}

/** All of `v` read in units of `unit`, units [start, end), checking what `read` promises. */
export function readAll(v: Values, unit: number, start: number, end: number): Float64Array {
  const out = new Float64Array((end - start) * unit);
  let next = start;
  v.read(unit, start, end, (data, first, count) => {
    expect(first).toBe(next);
    expect(count).toBeGreaterThan(0);
    expect(data.length).toBe(count * unit);
    out.set(data as Float64Array, (first - start) * unit);
    next += count;
  });
  expect(next).toBe(Math.max(start, end));
  return out;
}

export function expectSameBits(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  const a = new BigUint64Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new BigUint64Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) expect(actual[i], `value ${i}`).toBe(expected[i]); // fails, showing both
  }
}

/** The error reading all of `v` throws, or undefined. */
export function readError(v: Values): Error | undefined {
  try {
    readAll(v, 1, 0, v.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/**
 * The file through openCsvFile, against parseCsv: equal values read whole, value by value,
 * from rows in the middle and in odd units; or the same error. Returns whether the fast
 * path took the file (false: openCsvFile left it to parseCsv).
 */
export function check(path: string, format: Format = 'csv', delimiter?: string, header?: boolean): boolean {
  const expected = reference(path, format, delimiter, header);
  let v: Values | undefined;
  let atOpen: Error | undefined; // an error found when the file is opened
  try {
    v = openCsvFile(path, format, delimiterOf(format, delimiter), header);
  } catch (e) {
    atOpen = e as Error;
  }
  if (v === undefined && atOpen === undefined) return false;
  if (expected instanceof Error || atOpen) {
    const e = atOpen ?? readError(v!);
    expect(e, 'an error').toBeDefined();
    expect(e!.constructor).toBe(expected.constructor);
    expect(e!.message).toBe(expected.message);
    expect((e as InputError).source).toBe((expected as InputError).source);
    return true;
  }
  v = v!;
  expect(v.shape).toEqual(expected.shape);
  expect(v.dtype).toBe('float64');
  const want = expected.data as Float64Array;
  const [rows] = v.shape;
  const columns = v.shape[1] ?? 1;
  expectSameBits(readAll(v, columns, 0, rows), want);
  expectSameBits(readAll(v, 1, 0, want.length), want);
  // rows from the middle, as a thread reads its part, then reading on from where it stopped
  const mid = Math.floor(rows / 2);
  expectSameBits(readAll(v, columns, mid, rows), want.subarray(mid * columns));
  if (mid > 1) expectSameBits(readAll(v, columns, 1, mid), want.subarray(columns, mid * columns));
  for (let first = 0; first < rows; first += 3) {
    const end = Math.min(rows, first + 3);
    expectSameBits(readAll(v, columns, first, end), want.subarray(first * columns, end * columns));
  }
  // units that split rows, starting inside one
  for (const unit of [2, 3, 7]) {
    if (want.length % unit !== 0) continue;
    const units = want.length / unit;
    expectSameBits(readAll(v, unit, 0, units), want);
    const from = Math.floor(units / 3);
    expectSameBits(readAll(v, unit, from, units), want.subarray(from * unit));
  }
  expect(readAll(v, columns, rows, rows).length).toBe(0);
  return true;
}
