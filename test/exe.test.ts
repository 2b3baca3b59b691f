/**
 * The single executable (npm run build:exe, scripts/build-exe.mjs): built here from the build
 * in dist/, then every PyTorch case of fixtures/cases.json run through it on the kernel it
 * carries (LOSSCALC_KERNEL=simd: the fixtures are small), and the thread fixtures with -j 2,
 * whose worker runs the bundle the executable carries. Skipped, saying why, where this Node
 * cannot make one (no single-executable fuse in its binary).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cases, expectClose, expectReport, resolveArgv, type Case, type Report } from './cases.js';
import { expectSplit, FIXTURES, readJson } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const EXE = join(ROOT, 'dist', 'exe', 'losscalc');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const unable = readFileSync(process.execPath).includes(FUSE) ? undefined : `this Node (${process.execPath}) cannot make a single executable: no SEA fuse`;
if (unable) console.log(`exe.test.ts skipped: ${unable}`);

const env = { PATH: process.env.PATH ?? '', LOSSCALC_KERNEL: 'simd', LOSSCALC_CHUNK_POSITIONS: process.env.LOSSCALC_CHUNK_POSITIONS ?? '' };

/** One run of the executable: its exit code and output. */
function exe(argv: string[], stdin?: Buffer, extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(EXE, argv, { env: { ...env, ...extra } });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function runCase(c: Case) {
  if (!c.merge) return exe([...resolveArgv(c.argv), '--json'], c.stdin ? readFileSync(join(FIXTURES, c.stdin)) : undefined);
  const parts = await Promise.all(c.merge.map((argv) => exe([...resolveArgv(argv), '--json'])));
  for (const p of parts) expect(p.code, p.stderr).toBe(0);
  return exe(['merge', '-', '--json'], Buffer.from(parts.map((p) => p.stdout.trim()).join('\n') + '\n'));
}

describe.skipIf(unable !== undefined)('the single executable', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-exe.mjs')], { cwd: ROOT, stdio: 'pipe' });
  }, 300_000);

  it('runs with no file of the repository: its version, and its kernel from itself', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect((await exe(['--version'])).stdout).toBe(`${version}\n`);
    const r = await exe(['ce', join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv'), '-q'], undefined, { NODE_DEBUG: 'losscalc' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('kernel loaded from the executable');
  });

  it(`every PyTorch case (${cases.length}) within 1e-12`, async () => {
    // two at a time
    const queue = [...cases];
    const one = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const out = await runCase(c);
        expect(out.stderr.includes('internal error'), `${c.name}: ${out.stderr}`).toBe(false);
        expect([0, 1], `${c.name}: ${out.stderr}`).toContain(out.code);
        expectReport(c, JSON.parse(out.stdout) as Report);
      }
    };
    await Promise.all([one(), one()]);
  }, 600_000);

  it('the thread fixtures on two threads, a worker running the bundle the executable carries', async () => {
    const threads = readJson<Record<string, { argv: string[]; mean: number }>>(join(FIXTURES, 'threads', 'expected.json'));
    for (const [name, c] of Object.entries(threads)) {
      const argv = c.argv.map((a) => (a.startsWith('threads/') ? join(FIXTURES, a) : a));
      const r = await exe([...argv, '--json', '-j', '2'], undefined, { NODE_DEBUG: 'losscalc' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, name).not.toContain('internal error');
      expectSplit(r.stderr, name);
      expectClose((JSON.parse(r.stdout) as { loss: number }).loss, c.mean, name);
    }
  }, 300_000);

  it('is one file: copied elsewhere, it runs as it does in the build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-exe-'));
    try {
      copyFileSync(EXE, join(dir, 'losscalc'));
      const argv = ['ce', join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv'), '--json'];
      const [there, here] = [join(dir, 'losscalc'), EXE].map((bin) => spawnSync(bin, argv, { cwd: dir, env, encoding: 'utf8' }));
      expect(there.status, there.stderr).toBe(0);
      expect(there.stdout).toBe(here.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
