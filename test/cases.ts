/**
 * The PyTorch-made cases of fixtures/cases.json (scripts/make_fixtures.py): loading them,
 * resolving their paths, and checking a --json report against PyTorch's values. Shared by
 * cases.test.ts (in-process) and streaming.test.ts (blocks and threads).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { streaming } from '../src/io/npy-file.js';
import { isClose } from '../src/checks.js';
import { FIXTURES, flatten, readJson, runCli, shapeOf, type Expected } from './helpers.js';

export interface Case {
  name: string;
  argv: string[];
  expected: {
    loss?: Expected;
    count?: number;
    losses?: Record<string, Expected>;
    worst?: Record<string, Expected>[];
    perClass?: Record<string, Expected>[];
  };
  note?: string;
  /** A fixture file piped to standard input (the argv names it `-`). */
  stdin?: string;
  /** Shards computed apart (each an argv) and combined with `losscalc merge`. */
  merge?: string[][];
}

export interface Report {
  loss: Expected;
  count: number;
  losses?: Record<string, Expected>;
  worst?: Record<string, Expected>[];
  perClass?: Record<string, Expected>[];
}

/** float64 agreement with PyTorch: relative 1e-12, with an absolute floor of a few ulps of 1. */
export const TOL = { rtol: 1e-12, atol: 1e-15, equalNan: true };

export const cases = readJson<Case[]>(join(FIXTURES, 'cases.json'));

const FILE = /^[^-].*\.(npy|npz|safetensors|csv|tsv|tab|txt|json|jsonl|ndjson)(:[^/]*)?$/;

/** argv with fixture paths (any argument naming a file, with or without `:key`) made absolute. */
export function resolveArgv(argv: string[]): string[] {
  return argv.map((a, i) => (i > 0 && FILE.test(a) && !isAbsolute(a) ? join(FIXTURES, a) : a));
}

export function expectClose(actual: Expected, expected: Expected, what: string): void {
  expect(shapeOf(actual), `${what}: shape`).toEqual(shapeOf(expected));
  const a = flatten(actual);
  const b = flatten(expected);
  const bad = a.findIndex((v, i) => !isClose(v, b[i], TOL));
  expect(bad === -1 ? 'all close' : `element ${bad}: ${a[bad]} vs PyTorch ${b[bad]}`, what).toBe('all close');
}

/** Every value the case expects, checked against the report. */
export function expectReport(c: Case, report: Report): void {
  if (c.expected.loss !== undefined) expectClose(report.loss, c.expected.loss, 'loss');
  if (c.expected.count !== undefined) expect(report.count).toBe(c.expected.count);
  for (const [way, value] of Object.entries(c.expected.losses ?? {})) {
    expect(report.losses, 'check mode reports each way').toHaveProperty([way]);
    expectClose(report.losses![way], value, way);
  }
  for (const table of ['worst', 'perClass'] as const) {
    const want = c.expected[table];
    if (!want) continue;
    const got = report[table] ?? [];
    expect(got.length, `${table}: rows`).toBe(want.length);
    want.forEach((row, i) => {
      for (const [field, value] of Object.entries(row)) expectClose(got[i][field], value, `${table}[${i}].${field}`);
    });
  }
}

/** Inside a describe: its NPY and CSV files are read in blocks of `bytes` (rows cross blocks). */
export function inBlocksOf(bytes: number): void {
  const saved = streaming.blockBytes;
  beforeAll(() => {
    streaming.blockBytes = bytes;
  });
  afterAll(() => {
    streaming.blockBytes = saved;
  });
}

/** A case run in-process: piped stdin, shards merged, or a plain argv. */
export async function runCase(c: Case) {
  if (c.merge) {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-merge-'));
    const parts: string[] = [];
    for (const [i, argv] of c.merge.entries()) {
      const part = await runCli([...resolveArgv(argv), '--json']);
      expect(part.code, part.stderr).toBe(0);
      parts.push(join(dir, `part${i}.json`));
      writeFileSync(parts[i], part.stdout);
    }
    return runCli(['merge', ...parts, '--json']);
  }
  return runCli([...resolveArgv(c.argv), '--json'], {}, false, c.stdin ? readFileSync(join(FIXTURES, c.stdin)) : undefined);
}
