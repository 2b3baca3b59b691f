/**
 * fixtures/io/expected.json, written by scripts/make_io_fixtures.py with numpy: what each
 * fixture file holds, for the reader tests to compare against.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Tensor } from '../../src/tensor.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/io/', import.meta.url));

export interface Expected {
  shape: number[];
  dtype: string;
  /** flat C order; non-finite as "NaN"/"Infinity"/"-Infinity", 64-bit ints as decimal strings */
  values: (number | string)[];
}

export interface ExpectedTable {
  labelColumn: string | number;
  dropColumns: (string | number)[];
  logits: Expected;
  labels: Expected;
}

interface Manifest {
  /** by file name, or `file:key` for an array in a container */
  files: Record<string, Expected>;
  /** the keys of each container, in file order */
  containers: Record<string, { keys: string[] }>;
  tables: Record<string, ExpectedTable>;
  /** np.concatenate of the parts along dim 0 */
  concat: (Expected & { parts: string[] })[];
  /** facts about each broken file, as the generator made it */
  errors: Record<string, Record<string, unknown>>;
  unsupported: Record<string, { descr: string }>;
  f32_to_f16: { inputs: number[]; bits: number[] };
}

export const manifest = JSON.parse(readFileSync(FIXTURES + 'expected.json', 'utf8')) as Manifest;

export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(FIXTURES + name);
}

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

function nonFinite(v: string): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`manifest: unexpected string value ${v}`);
}

/** A fact about a broken fixture. */
export function fact<T = number>(file: string, name: string): T {
  const facts = manifest.errors[file];
  if (facts === undefined || !(name in facts)) throw new Error(`manifest: no ${name} for ${file}`);
  return facts[name] as T;
}

/** Shape, dtype and every value (NaN, -0 and 64-bit integers exactly). */
export function expectTensor(t: Tensor, exp: Expected, dtype = exp.dtype): void {
  expect(t.shape).toEqual(exp.shape);
  expect(t.dtype).toBe(dtype);
  expect(t.data.length).toBe(exp.values.length);
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    expect(Array.from(t.data, String)).toEqual(exp.values.map(String));
  } else {
    // toEqual compares numbers with Object.is: NaN equals NaN, -0 differs from 0
    const want = exp.values.map((v) => (typeof v === 'string' ? nonFinite(v) : v));
    expect(Array.from(t.data as Float64Array)).toEqual(want);
  }
}
