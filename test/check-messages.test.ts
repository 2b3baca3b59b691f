/**
 * What check and the loss modes say when there is little to say: a check that compared
 * nothing fails, one check is "the check", and an all-ignored sum is 0, not a NaN mean.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from './helpers.js';
import { join } from 'node:path';

const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];
/** Labels of the example with every target ignored (-100). */
const ALL_IGNORED = Buffer.from('-100\n'.repeat(8));

describe('check that compares nothing', () => {
  it('fails with exit 1 when every other way is skipped', async () => {
    const r = await runCli(['check', ...EXAMPLE, '--weight', '1,1,1,1,1', '--label-smoothing', '0.1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('nothing was checked: every other way was skipped\n');
    expect(r.stdout).not.toContain('passed');
    const json = JSON.parse((await runCli(['check', ...EXAMPLE, '--weight', '1,1,1,1,1', '--label-smoothing', '0.1', '--json'])).stdout);
    expect(json.ok).toBe(false);
    expect(json.checks).toEqual([]);
    expect(json.unchecked).toBe('nothing was checked: every other way was skipped');
    // -q: the bare loss, and why the exit is 1 on stderr
    const quiet = await runCli(['check', ...EXAMPLE, '--weight', '1,1,1,1,1', '--label-smoothing', '0.1', '-q']);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toMatch(/^\S+\n$/);
    expect(quiet.stderr).toBe('losscalc: FAIL nothing was checked: every other way was skipped\n');
  });

  it('says every way is NaN when no target contributes, instead of NaN != NaN failures', async () => {
    const r = await runCli(['check', EXAMPLE[0], '-'], {}, false, ALL_IGNORED);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('nothing was checked: every way is NaN (no contributing targets)\n');
    expect(r.stdout).not.toContain('FAIL');
  });

  it('still fails on NaN that comes from the data', async () => {
    const logits = Buffer.from('nan,1,2,3,4\n' + '0,1,2,3,4\n'.repeat(7));
    const r = await runCli(['check', '-', EXAMPLE[1]], {}, false, logits);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL');
    expect(r.stdout).not.toContain('nothing was checked');
    // and says the ways agree on NaN, the loss being NaN
    expect(r.stdout).toContain('FAIL cross-entropy = nll: nan vs nan, |diff| nan; both ways are NaN: the loss itself is NaN (see the warnings for its first NaN or ±inf)\n');
  });
});

describe('how many checks', () => {
  it('says "the check passed" for one check', async () => {
    const r = await runCli(['check', ...EXAMPLE, '--weight', '1,2,3,4,5']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('the check passed');
    const one = await runCli(['ce', ...EXAMPLE, '--expect', '1']);
    expect(one.code).toBe(1);
    expect(one.stdout.trimEnd().split('\n').at(-1)).toBe('the check failed');
  });

  it('counts several', async () => {
    const r = await runCli(['check', ...EXAMPLE]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('all 3 checks passed');
  });
});

describe('every target ignored', () => {
  const warning = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l.includes('ignore_index'));
  it.each([
    ['mean', 'the mean is NaN'],
    ['sum', 'the sum is 0'],
    ['none', 'every loss is 0'],
  ])('--reduction %s says what is true: %s', async (reduction, what) => {
    const r = await runCli(['ce', EXAMPLE[0], '-', '--reduction', reduction], {}, false, ALL_IGNORED);
    expect(r.code).toBe(0);
    expect(warning(r)).toEqual([`losscalc: warning: all targets equal ignore_index -100: nothing contributes, ${what}`]);
  });
});

describe('nothing contributes', () => {
  it('with no classes (C = 0) the warning does not blame ignore_index, which probability targets do not have', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-empty-'));
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '[]');
    const r = await runCli(['ce', empty, empty]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('losscalc: warning: no classes (C = 0): nothing contributes, the mean is NaN\n');
  });
});
