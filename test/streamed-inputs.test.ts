/**
 * Inputs that can be read only once — FIFOs, process substitutions (`<(cat x.npy)`, a pipe
 * behind /dev/fd) — whatever their extension: read as streams, never reopened to read at
 * offsets, by a worker thread, or to be hashed for --json. And --save-per-sample onto one of
 * the run's own inputs. The built binary is spawned with a time limit: a hang is the bug.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, readJson } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-streamed-'));
const LIMIT = 20_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `command args` (bash for process substitutions), killed after LIMIT ms. */
function spawnLimited(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: code === null ? `${stderr}(killed after ${LIMIT} ms)` : stderr });
    });
  });
}

const losscalc = (args: string[]) => spawnLimited(process.execPath, [BIN, ...args]);

/** `losscalc args` in bash, where `<(cat file)` in args is a process substitution. */
const losscalcInBash = (args: string) => spawnLimited('bash', ['-c', `"$0" "$1" ${args}`, process.execPath, BIN]);

const writers: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const w of writers.splice(0)) w.kill();
});

/** A FIFO named `name` that `file` is written into once, by another process. */
function fifoOf(name: string, file: string): string {
  const fifo = join(dir, name);
  execFileSync('mkfifo', [fifo]);
  writers.push(spawn('sh', ['-c', 'cat "$0" > "$1"', file, fifo], { stdio: 'ignore' }));
  return fifo;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const loss = (r: Run) => (JSON.parse(r.stdout) as { loss: number }).loss;
const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));

const io = readJson<{ cli: { argv: string[]; loss: number }[] }>(join(FIXTURES, 'io', 'expected.json'));
const SHADOW = join(FIXTURES, 'io', 'shadow.npz');
const shadowLoss = io.cli.find((c) => c.argv[1] === 'shadow.npz:logits')!.loss;

type Case = { name: string; argv: string[]; expected: { loss: number } };
const ceMean = readJson<Case[]>(join(FIXTURES, 'cases.json')).find((c) => c.name === 'ce_mean')!;
const [X, Y] = ceMean.argv.slice(1, 3).map((p) => join(FIXTURES, p));

describe('a FIFO with an extension is read as a stream', { timeout: 60_000 }, () => {
  it('ff.npz:logits and ff.npz:labels: both keys of one archive through one FIFO', async () => {
    const ff = fifoOf('a.npz', SHADOW);
    const r = await losscalc(['ce', `${ff}:logits`, `${ff}:labels`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    close(loss(r), shadowLoss);
  });

  it('ff.npz with no key lists the keys, not "empty file"', async () => {
    const ff = fifoOf('b.npz', SHADOW);
    const r = await losscalc(['ce', ff, Y]);
    expect(r.stderr).toBe(`losscalc: ${ff}: the npz archive holds 3 arrays: pick one as ${ff}:<key>; the keys are "logits", "logits.npy", "labels"\n`);
    expect(r.code).toBe(2);
  });

  it('logits from a regular file and labels from a FIFO, on two threads', async () => {
    const r = await losscalc(['ce', X, fifoOf('labels.npy', Y), '-j', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    close(loss(r), ceMean.expected.loss);
  });
});

describe('--json hashes what was streamed', { timeout: 60_000 }, () => {
  it('FIFOs named .npy: the digests of the bytes that came through', async () => {
    const r = await losscalc(['ce', fifoOf('x.npy', X), fifoOf('y.npy', Y), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    close(loss(r), ceMean.expected.loss);
    expect(JSON.parse(r.stdout).inputs).toEqual({ logits: [sha256(X)], labels: [sha256(Y)] });
  });

  it('shards given as process substitutions merge to PyTorch\'s loss of the union', async () => {
    const c = readJson<Case[]>(join(FIXTURES, 'merge.json')).find((m) => m.name === 'ce_negative_weight_mean') as unknown as Case & { shards: string[][] };
    const parts: string[] = [];
    for (const [i, [mode, x, y, ...rest]] of c.shards.entries()) {
      const r = await losscalcInBash(`${mode} <(cat '${join(FIXTURES, x)}') <(cat '${join(FIXTURES, y)}') ${rest.join(' ')} --json`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).inputs).toEqual({ logits: [sha256(join(FIXTURES, x))], labels: [sha256(join(FIXTURES, y))] });
      parts.push(join(dir, `part${i}.json`));
      writeFileSync(parts[i], r.stdout);
    }
    const merged = await losscalc(['merge', ...parts, '--json']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    close(loss(merged), c.expected.loss);
  });
});

describe('--save-per-sample onto an input of the run', { timeout: 60_000 }, () => {
  const lx = join(dir, 'lx.csv');
  const ly = join(dir, 'ly.csv');
  writeFileSync(lx, '0.5,0.25\n0.125,1\n');
  writeFileSync(ly, '0\n1\n');

  it.each([
    ['labels, by another name', ['ce', lx, ly], join(dir, '.', 'ly.csv'), 'labels'],
    ['a hard link to the logits', ['ce', lx, ly], 'link', 'logits'],
    ['a shard of the labels', ['ce', '--logits', lx, '--logits', lx, '--labels', ly, '--labels', ly], ly, 'labels'],
    ['the reference', ['ce', lx, ly, '--reference', join(dir, 'ref.csv')], join(dir, 'ref.csv'), 'reference'],
  ])('%s: refused before anything is read, and left as it was', async (_, argv, target, operand) => {
    if (target === 'link') {
      target = join(dir, `lx-link-${Math.random().toString(36).slice(2)}.csv`);
      linkSync(lx, target);
    }
    if (target.endsWith('ref.csv')) writeFileSync(target, '1\n');
    const before = readFileSync(target);
    const r = await losscalc([...argv, '--save-per-sample', target, '-q']);
    expect(r.stderr).toBe(`losscalc: --save-per-sample ${target} is an input of this run (${operand}): name another file\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(target)).toEqual(before);
  });
});
