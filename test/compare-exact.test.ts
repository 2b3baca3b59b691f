/**
 * compare's integers beyond 2^53 are shown as written: the values in the output are the exact
 * digits numpy wrote into the fixture (fixtures/compare.json, made by scripts/make_fixtures.py),
 * which JSON.parse would round.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from './helpers.js';

/** The digits of every "a" and "b" in a case's firstMismatches, in order, from the raw text. */
function exactValues(text: string): string[] {
  return [...text.matchAll(/"[ab]":\s*(-?\d+)\b(?![.eE])/g)].map((m) => m[1]);
}

function caseText(name: string): { text: string; argv: string[] } {
  const raw = readFileSync(join(FIXTURES, 'compare.json'), 'utf8');
  const start = raw.indexOf(`"name": "${name}"`);
  const end = raw.indexOf('"name": ', start + 1);
  const text = raw.slice(start, end === -1 ? undefined : end);
  const c = (JSON.parse(raw) as { name: string; argv: string[] }[]).find((x) => x.name === name)!;
  return { text: text.slice(text.indexOf('"firstMismatches"')), argv: c.argv.map((a, i) => (i > 0 && a.startsWith('compare/') ? join(FIXTURES, a) : a)) };
}

describe('compare shows integers beyond 2^53 exactly', () => {
  for (const name of ['int64_beyond_2_53', 'uint64_exact', 'blocks_int32_vs_int64_beyond_2_53']) {
    it(name, async () => {
      const { text, argv } = caseText(name);
      const want = exactValues(text);
      expect(want.some((v) => !Number.isSafeInteger(Number(v)))).toBe(true);
      const json = await runCli([...argv, '--json']);
      expect(json.code).toBe(1);
      expect(exactValues(json.stdout)).toEqual(want);
      const human = await runCli(argv);
      for (const v of want) expect(human.stdout).toContain(`  ${v}  `);
    });
  }
});

describe('integers written as text (CSV, JSON) beyond 2^53 compare exactly, as torch.tensor takes Python ints', () => {
  const stdin = (text: string) => new TextEncoder().encode(text);
  const json = (a: string, b: string) => runCli(['compare', '-', b, '--rtol', '0', '--atol', '0', '--json'], {}, false, stdin(a));

  it('differing beyond 2^53 is a mismatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-compare-'));
    const b = join(dir, 'b.json');
    writeFileSync(b, '[9007199254740992, 9007199254740993]');
    const r = await json('[9007199254740993, 9007199254740992]', b);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).mismatches).toBe(2);
    const csv = join(dir, 'b.csv');
    writeFileSync(csv, '9007199254740992\n9007199254740993\n');
    expect((await json('9007199254740993\n9007199254740993\n', csv)).code).toBe(1);
    expect((await json('[9007199254740992, 9007199254740993]', b)).code).toBe(0);
  });

  it('a text array with a fraction in it is floats, as numpy reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-compare-'));
    const b = join(dir, 'b.json');
    writeFileSync(b, '[9007199254740992, 0.5]');
    expect((await json('[9007199254740993, 0.5]', b)).code).toBe(0);
  });
});
