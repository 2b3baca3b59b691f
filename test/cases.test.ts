/**
 * Every case in fixtures/cases.json (inputs and results made by PyTorch in float64, see
 * scripts/make_fixtures.py) run through the CLI with --json, compared to 1e-12 relative.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isClose } from '../src/checks.js';
import { FIXTURES, flatten, readJson, runCli, shapeOf, type Expected } from './helpers.js';

interface Case {
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
}

/** float64 agreement with PyTorch: relative 1e-12, with an absolute floor of a few ulps of 1. */
const TOL = { rtol: 1e-12, atol: 1e-15, equalNan: true };

const cases = readJson<Case[]>(join(FIXTURES, 'cases.json'));
const FILE_FLAGS = new Set(['--weight', '--pos-weight', '--reference', '--logits', '--labels', '-l', '-y']);

/** argv with fixture paths made absolute (a path is any argument that names a file under fixtures/). */
function resolveArgv(argv: string[]): string[] {
  return argv.map((a, i) => (i > 0 && (FILE_FLAGS.has(argv[i - 1]) || !a.startsWith('-')) && /\.(npy|csv|json|tsv)$/.test(a) ? join(FIXTURES, a) : a));
}

function expectClose(actual: Expected, expected: Expected, what: string): void {
  expect(shapeOf(actual), `${what}: shape`).toEqual(shapeOf(expected));
  const a = flatten(actual);
  const b = flatten(expected);
  const bad = a.findIndex((v, i) => !isClose(v, b[i], TOL));
  expect(bad === -1 ? 'all close' : `element ${bad}: ${a[bad]} vs PyTorch ${b[bad]}`, what).toBe('all close');
}

describe('PyTorch fixtures through the CLI', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(50));

  for (const c of cases) {
    it(`${c.name}${c.note ? ` (${c.note})` : ''}`, async () => {
      const out = await runCli([...resolveArgv(c.argv), '--json']);
      expect(out.stderr.includes('internal error'), out.stderr).toBe(false);
      expect([0, 1], out.stderr).toContain(out.code);
      const report = JSON.parse(out.stdout) as {
        loss: Expected;
        count: number;
        losses?: Record<string, Expected>;
        worst?: Record<string, Expected>[];
        perClass?: Record<string, Expected>[];
      };
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
    });
  }
});

interface CompareCase {
  name: string;
  argv: string[];
  expected: Record<string, Expected | boolean | Record<string, Expected>[] | { a: number[]; b: number[] }>;
  exit: number;
}

describe('compare against numpy/torch.isclose statistics', () => {
  const compareCases = readJson<CompareCase[]>(join(FIXTURES, 'compare.json'));
  it('has cases', () => expect(compareCases.length).toBeGreaterThan(10));
  for (const c of compareCases) {
    it(c.name, async () => {
      const out = await runCli([...resolveArgv(c.argv), '--json']);
      expect(out.code, out.stderr).toBe(c.exit);
      const got = JSON.parse(out.stdout) as Record<string, unknown>;
      for (const [field, want] of Object.entries(c.expected)) {
        if (typeof want === 'boolean' || field === 'shapes') expect(got[field], field).toEqual(want);
        else if (field === 'firstMismatches') {
          const rows = got[field] as Record<string, Expected>[];
          const wantRows = want as Record<string, Expected>[];
          expect(rows.length, field).toBe(wantRows.length);
          wantRows.forEach((row, i) => {
            for (const [k, v] of Object.entries(row)) expectClose(rows[i][k], v, `${field}[${i}].${k}`);
          });
        } else expectClose(got[field] as Expected, want as Expected, field);
      }
    });
  }
});

/**
 * --expect and --reference handed PyTorch's own results: every finite case must pass at 1e-12,
 * and fail once the reference is nudged by 1e-9 relative.
 */
describe('--expect and --reference against PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-ref-'));
  const finite = cases.filter((c) => c.expected.loss !== undefined && flatten(c.expected.loss).every(Number.isFinite));
  const strict = ['--rtol', '1e-12', '--atol', '1e-15'];

  const unreduced = (c: Case) => c.argv.includes('none');
  for (const c of finite.filter((c) => !unreduced(c))) {
    it(`--expect ${c.name}`, async () => {
      const want = c.expected.loss as number;
      expect((await runCli([...resolveArgv(c.argv), '--expect', String(want), ...strict])).code).toBe(0);
      const nudged = want === 0 ? 1e-9 : want * (1 + 1e-9);
      expect((await runCli([...resolveArgv(c.argv), '--expect', String(nudged), ...strict])).code).toBe(1);
    });
  }

  for (const c of finite.filter(unreduced)) {
    it(`--reference ${c.name}`, async () => {
      const ref = join(dir, `${c.name}.json`);
      writeFileSync(ref, JSON.stringify(c.expected.loss));
      expect((await runCli([...resolveArgv(c.argv), '--reference', ref, ...strict])).code).toBe(0);
      const values = flatten(c.expected.loss!);
      values[values.length - 1] = values[values.length - 1] * (1 + 1e-9) + 1e-9;
      writeFileSync(ref, JSON.stringify(Array.isArray(c.expected.loss) ? values : values[0]));
      expect((await runCli([...resolveArgv(c.argv), '--reference', ref, ...strict])).code).toBe(1);
    });
  }
});
