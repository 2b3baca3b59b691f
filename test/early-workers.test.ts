/**
 * Worker threads started by the bin before the CLI's bundle loads (early-workers.ts), when the
 * command line names a large file: which command lines start them, and, through the built
 * binary with NODE_DEBUG=losscalc, that a threaded run adopts them (each loading its bundle
 * from the build's code cache), that a run that does not use them ends them and gives what
 * -j 1 gives, and that -j 1 starts none.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { earlyWorkerCount } from '../src/early-workers.js';
import { encodeNpy } from '../src/io/npy.js';
import { NS_PER_VALUE, PARALLEL_MIN_NS, PARALLEL_MIN_VALUES } from '../src/threads.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-early-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `bytes` bytes (sparse: nothing is written). */
function fileOf(name: string, bytes: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return path;
}

describe('which command lines start workers early', () => {
  // a binary file's size, taken as float32 values through the kernel; a text file's, as a value
  // a byte; the operands' costs add up (small and smallText are a third of the bound each)
  const binaryBytes = (4 * PARALLEL_MIN_NS) / NS_PER_VALUE.kernel;
  const big = fileOf('big.npy', binaryBytes);
  const small = fileOf('small.npy', binaryBytes / 3);
  const half = fileOf('half.npy', binaryBytes / 2);
  const bigText = fileOf('big.csv', PARALLEL_MIN_VALUES);
  const smallText = fileOf('small.csv', Math.floor(PARALLEL_MIN_VALUES / 3));
  const halfText = fileOf('half.csv', PARALLEL_MIN_VALUES / 2);
  const folder = join(dir, 'folder');
  mkdirSync(folder);

  it('a loss mode on a file holding logits worth threads: every core (up to 8) but one, or what -j asks', () => {
    expect(earlyWorkerCount(['ce', big, small], 4)).toBe(3);
    expect(earlyWorkerCount(['bce-logits', small, big], 16)).toBe(7);
    expect(earlyWorkerCount(['nll', big, small, '-j', '3'], 4)).toBe(2);
    expect(earlyWorkerCount(['gather', big, small, '-j3'], 4)).toBe(2);
    expect(earlyWorkerCount(['cross-entropy', big, small, '--threads=2'], 4)).toBe(1);
    expect(earlyWorkerCount(['ce', big, small, '--threads', '9'], 4)).toBe(3);
    // an array by key in an archive, the key holding colons or not
    expect(earlyWorkerCount(['ce', `${big}:logits`, `${big}:a:b`], 2)).toBe(1);
    expect(earlyWorkerCount(['ce', bigText, smallText], 4)).toBe(3);
    expect(earlyWorkerCount(['ce', `${small}:logits`, `${small}:a/b:c`], 4)).toBe(0);
    expect(earlyWorkerCount(['ce', small, smallText], 4)).toBe(0);
    // the logits and the labels (bce's targets) together
    expect(earlyWorkerCount(['bce-logits', half, half], 2)).toBe(1);
    expect(earlyWorkerCount(['ce', halfText, half], 2)).toBe(1);
    expect(earlyWorkerCount(['ce', small, half, smallText], 2)).toBe(1);
  });

  it('none for -j 1, a bad -j, one core, small files, help, check, compare, a --label-column table', () => {
    expect(earlyWorkerCount(['ce', big, small, '-j', '1'], 4)).toBe(0);
    expect(earlyWorkerCount(['ce', big, small, '-j', 'x'], 4)).toBe(0);
    expect(earlyWorkerCount(['ce', big, small], 1)).toBe(0);
    expect(earlyWorkerCount(['ce', small, `${small}:x`], 4)).toBe(0);
    expect(earlyWorkerCount(['ce', big, small, '--help'], 4)).toBe(0);
    expect(earlyWorkerCount(['check', big, small], 4)).toBe(0);
    expect(earlyWorkerCount(['compare', big, big], 4)).toBe(0);
    expect(earlyWorkerCount(['ce', big, '--label-column', 'label'], 4)).toBe(0);
    expect(earlyWorkerCount([], 4)).toBe(0);
  });

  it('looks at regular files only: stdin, folders and missing files are none', () => {
    expect(earlyWorkerCount(['ce', '-', folder, join(dir, 'missing.npy'), '/dev/zero'], 4)).toBe(0);
  });
});

describe('a run with workers started early', () => {
  // (N, C, d) float32 logits: 4M values
  const [N, C, d] = [400, 5, 2048];
  const logits = join(dir, 'x.npy');
  writeFileSync(logits, encodeNpy({ data: Float32Array.from({ length: N * C * d }, (_, i) => Math.sin(i * 0.37) * 7), shape: [N, C, d], dtype: 'float32' }));
  const labels = join(dir, 'y.npy');
  writeFileSync(labels, encodeNpy({ data: BigInt64Array.from({ length: N * d }, (_, i) => BigInt(i % C)), shape: [N, d], dtype: 'int64' }));
  // large enough by its size, too few values: one thread by default
  const mid = join(dir, 'mid.npy');
  writeFileSync(mid, encodeNpy({ data: Float64Array.from({ length: 600_000 }, (_, i) => Math.cos(i)), shape: [120_000, 5], dtype: 'float64' }));
  const midLabels = join(dir, 'mid-labels.npy');
  writeFileSync(midLabels, encodeNpy({ data: BigInt64Array.from({ length: 120_000 }, (_, i) => BigInt(i % 5)), shape: [120_000], dtype: 'int64' }));

  // a CSV, whose layout a worker takes when it starts (csv-file.ts): 200,000 rows, 4 chunks of the sums (reduce.ts)
  const csv = join(dir, 'x.csv');
  writeFileSync(csv, Array.from({ length: 200_000 }, (_, i) => Array.from({ length: 3 }, (_, c) => (Math.sin(i * 3 + c) * 5).toFixed(6)).join(',')).join('\n'));
  const csvLabels = join(dir, 'y.csv');
  writeFileSync(csvLabels, Array.from({ length: 200_000 }, (_, i) => String(i % 3)).join('\n'));

  // threads for work of 4 ms: x.npy (4M float32 logits, 16 ms through the kernel) is worth them,
  // and mid.npy is by its size (4.8 MB, taken as float32) but not by its 600,000 float64 logits
  const env = { PATH: process.env.PATH ?? '', LOSSCALC_PARALLEL_MIN_NS: '4e6', LOSSCALC_CHUNK_POSITIONS: process.env.LOSSCALC_CHUNK_POSITIONS ?? '' };
  const losscalc = (args: string[], debug = true) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...env, ...(debug ? { NODE_DEBUG: 'losscalc' } : {}) }, timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const debugLines = (stderr: string) => stderr.split('\n').filter((l) => /^LOSSCALC \d+: /.test(l)).map((l) => l.replace(/^LOSSCALC \d+: /, ''));
  const withoutDebug = (stderr: string) => stderr.split('\n').filter((l) => !/^LOSSCALC \d+: /.test(l)).join('\n');

  it('adopts them, each loading its bundle from the code cache, and gives what -j 1 gives', () => {
    const one = losscalc(['ce', logits, labels, '--json', '-j', '1'], false);
    expect(one.status).toBe(0);
    const r = losscalc(['ce', logits, labels, '--json', '-j', '2']);
    const said = debugLines(r.stderr);
    expect(said).toContain('started 1 worker thread(s) early');
    expect(said).toContain('adopted 1 worker thread(s) started early');
    expect(said).not.toContain('ended 1 worker thread(s) started early, unused');
    // a worker that joined before the claims ran out loaded from the cache
    if (said.includes('worker 0 takes its first claim')) expect(said.some((l) => /^code cache accepted: .*worker\.cjs\.cache$/.test(l))).toBe(true);
    expect({ status: r.status, stdout: r.stdout, stderr: withoutDebug(r.stderr) }).toEqual(one);
  });

  it('reading text, it adopts them too: the job brings them the layouts the open found', async () => {
    // a layout is shared once the file has not changed for csvChecks.settledMs (2 s)
    const settled = Math.max(statSync(csv).ctimeMs, statSync(csvLabels).ctimeMs) + 2100 - Date.now();
    if (settled > 0) await new Promise((resolve) => setTimeout(resolve, settled));
    const one = losscalc(['ce', csv, csvLabels, '-q', '-j', '1'], false);
    const r = losscalc(['ce', csv, csvLabels, '-q', '-j', '2']);
    const said = debugLines(r.stderr);
    expect(said).toContain('started 1 worker thread(s) early');
    expect(said).toContain('adopted 1 worker thread(s) started early');
    expect(said).not.toContain('ended 1 worker thread(s) started early, unused');
    // both files' layouts, so that the worker reads its rows from the marks the open found
    expect(said).toContain('worker 0 takes 2 file layout(s) with its job');
    expect({ status: r.status, stdout: r.stdout, stderr: withoutDebug(r.stderr) }).toEqual(one);
  });

  it('-j 1 starts none', () => {
    const said = debugLines(losscalc(['ce', logits, labels, '-q', '-j', '1']).stderr);
    expect(said.filter((l) => l.includes('worker'))).toEqual([]);
  });

  it('a run that turns out not to use them ends them, exits, and gives the same output', () => {
    const cases = [
      // fewer values than threads need
      ['ce', mid, midLabels, '--json'],
      // an input error after the workers started
      ['ce', logits, midLabels],
      // a usage error
      ['ce', logits, labels, '--reduction', 'average'],
    ];
    for (const args of cases) {
      const one = losscalc([...args, '-j', '1'], false);
      const r = losscalc(args);
      const said = debugLines(r.stderr);
      expect(said, args.join(' ')).toContain('started 1 worker thread(s) early');
      expect(said, args.join(' ')).toContain('ended 1 worker thread(s) started early, unused');
      expect(said, args.join(' ')).not.toContain('adopted 1 worker thread(s) started early');
      expect({ status: r.status, stdout: r.stdout, stderr: withoutDebug(r.stderr) }, args.join(' ')).toEqual(one);
    }
  });
});
