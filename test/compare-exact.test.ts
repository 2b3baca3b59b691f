/**
 * compare's integers beyond 2^53 are shown as written: the values in the output are the exact
 * digits numpy wrote into the fixture (fixtures/compare.json, made by scripts/make_fixtures.py),
 * which JSON.parse would round.
 */
import { readFileSync } from 'node:fs';
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
  for (const name of ['int64_beyond_2_53', 'uint64_exact']) {
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
