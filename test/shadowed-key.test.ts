/**
 * `x.npz:logits` names a file when one of that name exists; if `x.npz` exists too, the key was
 * probably meant, so losscalc warns (on stderr, and in --json's warnings) and reads the file.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from './helpers.js';

const NPZ = join(FIXTURES, 'losses', 'fmt_npz_savez_keys_mean', 'dump.npz');
const OTHER = join(FIXTURES, 'example', 'logits.csv');
const LABELS = join(FIXTURES, 'example', 'labels.csv');
const WARNING = 'losscalc: warning: x.npz:logits: a file of that name exists and is read, not key "logits" of x.npz (rename the file to read the key)\n';

async function inDir<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await f();
  } finally {
    process.chdir(cwd);
  }
}

describe('a file named like file:key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-shadow-'));
  copyFileSync(OTHER, join(dir, 'x.npz:logits'));

  it('is read without a word while x.npz does not exist', async () => {
    const r = await inDir(dir, () => runCli(['ce', 'x.npz:logits', LABELS, '-q']));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe((await runCli(['ce', OTHER, LABELS, '-q'])).stdout);
  });

  it('wins over key "logits" of x.npz, with a warning, once', async () => {
    copyFileSync(NPZ, join(dir, 'x.npz'));
    const want = (await runCli(['ce', OTHER, LABELS, '-q'])).stdout;
    const r = await inDir(dir, () => runCli(['ce', 'x.npz:logits', LABELS, '-q']));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(want);
    expect(r.stderr).toBe(WARNING);
    const json = await inDir(dir, () => runCli(['ce', 'x.npz:logits', LABELS, '--json']));
    expect(JSON.parse(json.stdout).warnings).toEqual([WARNING.replace('losscalc: warning: ', '').trimEnd()]);
    const cmp = await inDir(dir, () => runCli(['compare', 'x.npz:logits', 'x.npz:logits']));
    expect(cmp.code).toBe(0);
    expect(cmp.stderr).toBe(WARNING);
  });

  it('says nothing when only x.npz exists', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'losscalc-shadow-'));
    copyFileSync(NPZ, join(plain, 'x.npz'));
    const r = await inDir(plain, () => runCli(['ce', 'x.npz:logits', 'x.npz:labels', '-q']));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe((await runCli(['ce', `${NPZ}:logits`, `${NPZ}:labels`, '-q'])).stdout);
  });
});
