/**
 * Every case in fixtures/cases.json (inputs and results made by PyTorch in float64, see
 * scripts/make_fixtures.py) run through the CLI with --json, compared to 1e-12 relative.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelOn } from '../src/kernel/index.js';
import { cases, expectClose, expectReport, resolveArgv, runCase, type Case, type Report } from './cases.js';
import { FIXTURES, flatten, readJson, runCli, type Expected } from './helpers.js';

describe('PyTorch fixtures through the CLI', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(50));
  // kernel-scalar-cases.test.ts runs them on the scalar path
  it('runs them through the WebAssembly kernel', () => expect(kernelOn()).toBe(true));

  for (const c of cases) {
    it(`${c.name}${c.note ? ` (${c.note})` : ''}`, async () => {
      const out = await runCase(c);
      expect(out.stderr.includes('internal error'), out.stderr).toBe(false);
      expect([0, 1], out.stderr).toContain(out.code);
      expectReport(c, JSON.parse(out.stdout) as Report);
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
  const finite = cases.filter(
    (c) => !c.merge && !c.stdin && c.expected.loss !== undefined && flatten(c.expected.loss).every(Number.isFinite),
  );
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
