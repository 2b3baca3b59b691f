/**
 * The executable file itself (bin/losscalc.cjs) where no build lies beside it: a clone not
 * built yet, or one being rebuilt under a global install that links to it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('bin/losscalc.cjs without dist/', () => {
  it('says so in one line and exits 3, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-bin-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(import.meta.dirname, '..', 'bin', 'losscalc.cjs'), join(dir, 'bin', 'losscalc.cjs'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'losscalc.cjs'), 'ce', 'x.npy', 'y.npy'], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`losscalc: its build is missing (${join(dir, 'dist', 'bundle', 'main.cjs')}): run \`npm run build\` in ${dir}\n`);
  });
});
