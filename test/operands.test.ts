/**
 * How the command line reads its arguments: `--` ends the options, numbers in options are
 * decimal. Values come from the PyTorch fixtures through the CLI, spelled two ways.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from './helpers.js';

const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];
const dir = mkdtempSync(join(tmpdir(), 'losscalc-operands-'));

describe('-- ends the options', () => {
  const dashed = join(dir, '-x.csv');
  copyFileSync(EXAMPLE[0], dashed);

  it('reads a file whose name starts with "-" after --', async () => {
    const want = await runCli(['ce', ...EXAMPLE, '-q']);
    expect(want.code).toBe(0);
    // the relative name, as a user types it, needs the cwd: an absolute one never starts with '-'
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const got = await runCli(['ce', '-q', '--', '-x.csv', EXAMPLE[1]]);
      expect(got.stderr).toBe('');
      expect(got).toEqual(want);
      const refused = await runCli(['ce', '-q', '-x.csv', EXAMPLE[1]]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe("losscalc: unknown option '-x.csv' (see losscalc cross-entropy --help)\n");
    } finally {
      process.chdir(cwd);
    }
  });

  it('takes everything after -- as operands, options too', async () => {
    const r = await runCli(['ce', EXAMPLE[0], '--', EXAMPLE[1], '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('losscalc: too many arguments: --json\n');
  });

  it('works for compare and merge', async () => {
    const r = await runCli(['compare', '--', EXAMPLE[0], EXAMPLE[0]]);
    expect(r.code, r.stderr).toBe(0);
    const m = await runCli(['merge', '--', join(dir, '-nope.json')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('-nope.json');
  });
});

describe('numbers in options are decimal', () => {
  const refused: [string[], string][] = [
    [['--ignore-index', '0x1'], '--ignore-index needs a number written in decimal, got "0x1"'],
    [['--expect', '0b10'], '--expect needs a number written in decimal, got "0b10"'],
    [['--expect', '0o7'], '--expect needs a number written in decimal, got "0o7"'],
    [['--rtol', '0x0'], '--rtol needs a number written in decimal, got "0x0"'],
    [['--atol', ''], '--atol needs a number written in decimal, got ""'],
    [['--label-smoothing', '0x0'], '--label-smoothing needs a number written in decimal, got "0x0"'],
    [['--top', '0x3'], '--top needs a number written in decimal, got "0x3"'],
    [['--threads', '0b1'], '--threads needs a number written in decimal, got "0b1"'],
  ];
  for (const [flags, message] of refused) {
    it(`${flags.join(' ')} is a usage error`, async () => {
      const r = await runCli(['ce', ...EXAMPLE, ...flags]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`losscalc: ${message}\n`);
    });
  }

  it('decimal spellings of the same number agree', async () => {
    const plain = await runCli(['ce', ...EXAMPLE, '-q', '--label-smoothing', '0.1', '--ignore-index', '1']);
    expect(plain.code).toBe(0);
    for (const [s, i] of [['1e-1', '1.0'], ['.1', '+1'], [' 0.10 ', '1e0']]) {
      expect(await runCli(['ce', ...EXAMPLE, '-q', '--label-smoothing', s, '--ignore-index', i])).toEqual(plain);
    }
  });
});
