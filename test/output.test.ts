/**
 * Output that cannot be written: stdout on a full disk or /dev/full, stderr gone, a closed
 * pipe, and --save-per-sample to FIFOs, devices, planted symbolic links and interrupted saves.
 * Whatever happens the exit code tells the truth: exit 2 with one line when a result could not
 * be written, never a stack trace, never exit 0 over half a file.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { FIXTURES, runCli } from './helpers.js';
import { canMount, withTinyDisk } from './tiny-disk.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'losscalc.cjs');
const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];
const dir = mkdtempSync(join(tmpdir(), 'losscalc-output-'));
const file = (name: string, data: string | Uint8Array) => (writeFileSync(join(dir, name), data), join(dir, name));

const FULL = '/dev/full';
const hasDevFull = existsSync(FULL);

/** The binary with stdout and stderr redirected by a shell-free spawn: 'pipe', or a path opened for writing. */
function losscalc(args: string[], out: { stdout?: string; stderr?: string } = {}) {
  const open = (path: string | undefined) => (path === undefined ? 'pipe' : openSync(path, 'w'));
  const fds = [open(out.stdout), open(out.stderr)];
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', fds[0], fds[1]], env: { PATH: process.env.PATH ?? '' } });
    return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    for (const fd of fds) if (typeof fd === 'number') closeSync(fd);
  }
}

const perSample = () => JSON.parse(losscalc(['ce', ...EXAMPLE, '--json', '--reduction', 'none']).stdout).perSample as number[];

describe.runIf(hasDevFull)('stdout on a full device (/dev/full)', () => {
  const merged = file('part.json', losscalc(['ce', ...EXAMPLE, '--json']).stdout);
  const commands: [string, string[]][] = [
    ['a loss, human', ['ce', ...EXAMPLE]],
    ['--json', ['ce', ...EXAMPLE, '--json', '--reduction', 'none']],
    ['--quiet', ['nll', ...EXAMPLE, '--log-softmax', '-q']],
    ['--per-sample', ['ce', ...EXAMPLE, '--per-sample']],
    ['a failed --expect (exit 1 otherwise)', ['ce', ...EXAMPLE, '--expect', '3']],
    ['check', ['check', ...EXAMPLE]],
    ['compare', ['compare', EXAMPLE[0], EXAMPLE[0], '--json']],
    ['merge', ['merge', merged]],
    ['--help', ['ce', '--help']],
    ['--version', ['--version']],
  ];
  for (const [what, args] of commands) {
    it(`${what}: exit 2, "losscalc: stdout: no space left on device", no stack trace`, () => {
      const r = losscalc(args, { stdout: FULL });
      expect(r.stderr).toBe('losscalc: stdout: no space left on device\n');
      expect(r.code).toBe(2);
    });
  }
  it('an input error is still the one line it was (nothing was printed on stdout)', () => {
    const r = losscalc(['ce', join(dir, 'nope.csv'), EXAMPLE[1]], { stdout: FULL });
    expect(r.stderr).toBe(`losscalc: ${join(dir, 'nope.csv')}: no such file\n`);
    expect(r.code).toBe(2);
  });
});

describe.runIf(hasDevFull)('stderr that cannot be written (2>/dev/full)', () => {
  it('an input error: exit 2, silently', () => {
    const r = losscalc(['ce', join(dir, 'nope.csv'), EXAMPLE[1]], { stderr: FULL });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
  it('warnings that cannot be printed do not change a good run: exit 0 and the result', () => {
    const r = losscalc(['ce', file('nan.csv', '1,2\nnan,1\n'), file('l.csv', '0\n1\n'), '-q'], { stderr: FULL });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nan\n');
  });
  it('stdout and stderr both full: exit 2, silently', () => {
    expect(losscalc(['ce', ...EXAMPLE], { stdout: FULL, stderr: FULL }).code).toBe(2);
  });
});

describe('stdout errors that arrive later (a stream, as a pipe is written)', () => {
  /** A stream that takes a while and then fails every write with `code`. */
  const failing = (code: string) =>
    new Writable({
      write(_chunk, _enc, cb) {
        setTimeout(() => cb(Object.assign(new Error(`${code}: failed, write`), { code })), 20);
      },
    });
  it('a late ENOSPC is seen before the exit code is decided: exit 2, one line', async () => {
    let stderr = '';
    const code = await run(['ce', ...EXAMPLE, '--json'], { stdout: failing('ENOSPC'), stderr: { write: (s: string) => (stderr += s) }, env: {}, isTTY: false });
    expect(stderr).toBe('losscalc: stdout: no space left on device\n');
    expect(code).toBe(2);
  });
  it('a reader that went away (EPIPE) ends quietly with the run\'s own code', async () => {
    let stderr = '';
    const io = (stdout: Writable) => ({ stdout, stderr: { write: (s: string) => (stderr += s) }, env: {}, isTTY: false });
    expect(await run(['ce', ...EXAMPLE], io(failing('EPIPE')))).toBe(0);
    expect(await run(['ce', ...EXAMPLE, '--expect', '3'], io(failing('EPIPE')))).toBe(1);
    expect(stderr).toBe('');
  });
});

describe('a full file system (a 64 KiB tmpfs)', () => {
  // 5000 samples: --json with every per-sample loss is about 200 KB
  const rows = 5000;
  const x = file('big-x.csv', Array.from({ length: rows }, (_, i) => `${i % 7},${i % 3},${(i * 0.37) % 1}`).join('\n'));
  const y = file('big-y.csv', Array.from({ length: rows }, (_, i) => String(i % 3)).join('\n'));
  it.skipIf(!canMount)('stdout: exit 2 and one line, never exit 0 over half a JSON (skipped unless mounting a tmpfs is allowed, as root)', () => {
    withTinyDisk((mount) => {
      const r = losscalc(['ce', x, y, '--reduction', 'none', '--json'], { stdout: join(mount, 'r.json') });
      expect(r.stderr).toBe('losscalc: stdout: no space left on device\n');
      expect(r.code).toBe(2);
    });
  });
  it.skipIf(!canMount)('--save-per-sample: exit 2 naming the file, and neither it nor a temporary file is left (skipped unless mounting is allowed)', () => {
    withTinyDisk((mount) => {
      const target = join(mount, 'losses.csv');
      const r = losscalc(['ce', x, y, '--save-per-sample', target, '-q']);
      expect(r.stderr).toBe(`losscalc: ${target}: cannot write: no space left on device\n`);
      expect(r.code).toBe(2);
      expect(readdirSync(mount)).toEqual([]);
    });
  });
});

describe('--save-per-sample to what is not a regular file', () => {
  it('a FIFO is written directly: its reader gets the losses and it stays a FIFO', async () => {
    const fifo = join(dir, 'losses-fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d) => (got += d));
    const timer = setTimeout(() => reader.kill(), 10_000); // a reader left waiting is the bug
    const r = losscalc(['ce', ...EXAMPLE, '--save-per-sample', fifo, '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const status = await new Promise((resolve) => reader.on('close', resolve));
    clearTimeout(timer);
    expect(status).toBe(0);
    const lines = got.trim().split('\n');
    expect(lines[0]).toBe('index,loss,label,predicted,p_label');
    expect(lines.slice(1).map((l) => Number(l.split(',')[1]))).toEqual(perSample());
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
  it('/dev/stdout, a pipe: the losses as CSV, then the result', () => {
    // a shell pipe: a child's stdout from spawn is a socket, which /dev/stdout cannot reopen
    const stdout = execFileSync('bash', ['-c', 'set -o pipefail; "$0" "$@" | cat', process.execPath, BIN, 'ce', ...EXAMPLE, '--save-per-sample', '/dev/stdout', '-q'], { encoding: 'utf8' });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('index,loss,label,predicted,p_label');
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[1]))).toEqual(perSample());
    expect(`${lines.at(-1)}\n`).toBe(losscalc(['ce', ...EXAMPLE, '-q']).stdout);
  });
  it('/dev/stdout as a file, a socket, and /dev/stderr: written through the process own streams, in order', () => {
    const file = join(dir, 'stdout-file.txt');
    execFileSync('bash', ['-c', '"$0" "$@" > "$OUT"', process.execPath, BIN, 'ce', ...EXAMPLE, '--save-per-sample', '/dev/stdout', '-q'], { env: { ...process.env, OUT: file } });
    const loss = losscalc(['ce', ...EXAMPLE, '-q']).stdout;
    // the same bytes as a save to a regular file
    const saved = join(dir, 'saved-regular.csv');
    losscalc(['ce', ...EXAMPLE, '--save-per-sample', saved, '-q']);
    const csv = readFileSync(saved, 'utf8');
    expect(csv.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]))).toEqual(perSample());
    expect(readFileSync(file, 'utf8')).toBe(csv + loss);
    expect(losscalc(['ce', ...EXAMPLE, '--save-per-sample', '/dev/stdout', '-q']).stdout).toBe(csv + loss);
    const r = losscalc(['ce', ...EXAMPLE, '--save-per-sample', '/dev/stderr', '-q']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, loss, csv]);
  });
  it.runIf(hasDevFull)('/dev/full: exit 2 with one line naming it', () => {
    const r = losscalc(['ce', ...EXAMPLE, '--save-per-sample', FULL, '-q']);
    expect(r.stderr).toBe('losscalc: /dev/full: cannot write: no space left on device\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
  it('an extension is still needed for a regular file or a new one', () => {
    const r = losscalc(['ce', ...EXAMPLE, '--save-per-sample', join(dir, 'losses')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--save-per-sample writes .npy, .csv, .json');
  });
});

describe('--save-per-sample never follows a planted symbolic link', () => {
  it('a link at the old predictable temporary name (<file>.tmp-<pid>) is left alone, and so is its target', async () => {
    const sub = join(dir, 'planted');
    mkdirSync(sub);
    const victim = file('victim.txt', 'precious\n');
    const target = join(sub, 'losses.json');
    symlinkSync(victim, `${target}.tmp-${process.pid}`);
    const r = await runCli(['ce', ...EXAMPLE, '--save-per-sample', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).map((r: { loss: number }) => r.loss)).toEqual(perSample());
  });
});

/**
 * A save held open half-way: a child process writes through write-file.ts (the built module)
 * with chunks that stop after the first, says "ready", and waits to be signalled.
 */
function heldSave(target: string) {
  const module = join(ROOT, 'dist', 'report', 'write-file.js');
  const script = `
    import { writeFileSafely } from ${JSON.stringify(module)};
    async function* chunks() {
      yield 'index,loss\\n';
      process.stdout.write('ready\\n');
      await new Promise(() => setInterval(() => undefined, 1000));
    }
    await writeFileSafely(process.env.TARGET, chunks());`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', TARGET: target } });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the child ended before it was ready (${code})`)));
  });
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  return { child, ready, ended };
}

describe('an interrupted save leaves no temporary file', () => {
  const shellSees = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129, SIGQUIT: 131 };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const) {
    it(`${signal}: the temporary file is removed and the process ends by the signal (a shell sees ${shellSees[signal]})`, async () => {
      const sub = mkdtempSync(join(dir, 'held-'));
      const target = join(sub, 'losses.csv');
      const { child, ready, ended } = heldSave(target);
      await ready;
      const during = readdirSync(sub);
      expect(during).toHaveLength(1);
      expect(during[0]).toMatch(/^losses\.csv\.tmp-[0-9a-f]{16}$/);
      child.kill(signal);
      expect(await ended).toBe(signal);
      expect(readdirSync(sub)).toEqual([]);
    });
  }
  it('the temporary name is random: two saves of the same file use different names', async () => {
    const sub = mkdtempSync(join(dir, 'names-'));
    const target = join(sub, 'losses.csv');
    const names: string[] = [];
    for (let k = 0; k < 2; k++) {
      const { child, ready, ended } = heldSave(target);
      await ready;
      names.push(...readdirSync(sub));
      child.kill('SIGTERM');
      await ended;
    }
    expect(names).toHaveLength(2);
    expect(names[0]).not.toBe(names[1]);
  });
});
