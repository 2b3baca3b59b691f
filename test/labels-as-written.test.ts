/**
 * A label beyond 2^53 in a text file is named as written: 9007199254740993 reads as the
 * float64 9007199254740992, and the error must not show the rounded number.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from './helpers.js';

const LOGITS = join(FIXTURES, 'example', 'logits.csv'); // 8 x 5
const dir = mkdtempSync(join(tmpdir(), 'losscalc-written-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const labels = (big: string) => ['0', '1', '2', '3', '4', big, '1', '2'];

describe('labels beyond 2^53 are reported as written', () => {
  const cases: [string, string, string][] = [
    ['CSV', 'big.csv', labels('9007199254740993').join('\n') + '\n'],
    ['CSV with a header and spaces', 'header.csv', 'label\n' + labels(' +9007199254740993 ').join('\n') + '\n'],
    ['TSV', 'big.tsv', labels('18446744073709551617').join('\n') + '\n'],
    ['JSON', 'big.json', `[${labels('9007199254740993').join(', ')}]`],
    ['JSON, negative', 'neg.json', `[${labels('-9007199254740995').join(', ')}]`],
  ];
  for (const [what, name, text] of cases) {
    it(what, async () => {
      const path = file(name, text);
      const written = text.match(/[+-]?\d{16,}/)![0].replace('+', '');
      expect(String(Number(written))).not.toBe(written); // float64 cannot hold it
      for (const mode of ['ce', 'nll', 'gather', 'check']) {
        const r = await runCli([mode, LOGITS, path]);
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(`losscalc: ${path}: label ${written} at index 5 is outside [0, 5)\n`);
      }
    });
  }

  it('leaves numbers float64 holds, and non-integers, as they are', async () => {
    const r = await runCli(['ce', LOGITS, file('exact.csv', labels('1e16').join('\n') + '\n')]);
    expect(r.stderr).toBe(`losscalc: ${join(dir, 'exact.csv')}: label 10000000000000000 at index 5 is outside [0, 5)\n`);
  });

  it('reads the same values whichever reader keeps them', async () => {
    const ints = Array.from({ length: 40 }, (_, i) => (i === 7 ? '12345678901234567891' : String(i % 5)));
    const rows = Array.from({ length: 8 }, (_, r) => ints.slice(5 * r, 5 * r + 5).join(','));
    const plain = await runCli(['ce', file('big-logits.csv', rows.join('\n') + '\n'), join(FIXTURES, 'example', 'labels.csv'), '-q']);
    const json = await runCli(['ce', file('big-logits.json', `[${rows.map((r) => `[${r}]`).join(',')}]`), join(FIXTURES, 'example', 'labels.csv'), '-q']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(json.stdout);
  });
});
