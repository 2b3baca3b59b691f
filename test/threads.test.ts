/**
 * Threads that claim chunks of rows as they go (parallel.ts, claims.ts), end to end through the
 * built binary, on inputs of many chunks read in small blocks: -j 1, 2, 3 and 4 give the same
 * bytes on stdout (--json, -q), the same saved losses and the same warnings (first non-finite
 * values in late chunks), whichever thread computed which claim; an input error in a late
 * chunk is the same exit and the same one line as on one thread.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { inMemoryLosses } from '../src/losses/reduce.js';
import { encodePerSample } from '../src/report/save.js';
import { openInput } from '../src/io/read.js';
import { asValues } from '../src/values.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-threads-'));
const THREADS = ['1', '2', '3', '4'];

function losscalc(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOSSCALC_BLOCK_BYTES: '65536', ...env }, maxBuffer: 1 << 28 });
  // more threads than this machine's cores are clamped, and said: the one warning -j 1 cannot have
  const clamped = /-j \d+ is more than the \d+ cores here: using \d+/.source;
  const stderr = r.stderr.replace(new RegExp(`^losscalc: warning: ${clamped}\n`, 'm'), '');
  const stdout = r.stdout.replace(new RegExp(`"${clamped}",?`), '');
  return { status: r.status, stdout, stderr };
}

/** The same run on 1, 2, 3 and 4 threads: each gives -j 1's exit, stdout and stderr. */
function sameOnEveryThreadCount(args: string[], env?: Record<string, string>) {
  const [one, ...many] = THREADS.map((j) => losscalc([...args, '-j', j], env));
  expect(one.stderr.includes('internal error'), one.stderr).toBe(false);
  many.forEach((r, i) => expect(r, `-j ${THREADS[i + 1]}`).toEqual(one));
  return one;
}

// (N, C, d) float32 logits: 2048 positions a row, so 2 rows a chunk of the sums and 200 chunks;
// 4M values: enough for workers asked with -j to start while the main thread computes
const [N, C, d] = [400, 5, 2048];
const x = Float32Array.from({ length: N * C * d }, (_, i) => Math.sin(i * 0.37) * 7);
x[(390 * C + 3) * d + 100] = NaN;
x[(398 * C + 1) * d + 5] = Infinity;
const logits = join(dir, 'x.npy');
writeFileSync(logits, encodeNpy({ data: x, shape: [N, C, d], dtype: 'float32' }));
const y = BigInt64Array.from({ length: N * d }, (_, i) => (i % 13 === 0 ? -100n : BigInt(i % C)));
const labels = join(dir, 'y.npy');
writeFileSync(labels, encodeNpy({ data: y, shape: [N, d], dtype: 'int64' }));

describe('threads claiming chunks as they go', () => {
  it('the same loss, --json and warnings on any thread count, with non-finite logits in the last chunks', () => {
    const one = sameOnEveryThreadCount(['ce', logits, labels, '--json', '--label-smoothing', '0.1', '--weight', '1,2,0.5,3,1']);
    const report = JSON.parse(one.stdout) as { loss: string; warnings: string[] };
    expect(report.loss).toBe('NaN');
    expect(one.stderr).toContain('warning: 2 non-finite logits, first NaN at index (390, 3, 100)\n');
  });

  it('the same saved losses on any thread count, each claim written at its place', () => {
    const saved = THREADS.map((j) => join(dir, `losses-${j}.npy`));
    const runs = THREADS.map((j, i) => losscalc(['ce', logits, labels, '--reduction', 'sum', '--save-per-sample', saved[i], '-q', '-j', j]));
    for (const r of runs) expect(r).toEqual(runs[0]);
    expect(runs[0].status).toBe(0);
    const bytes = saved.map((f) => readFileSync(f));
    expect(bytes[0].length).toBeGreaterThan(N * d * 8);
    for (const b of bytes.slice(1)) expect(b.equals(bytes[0])).toBe(true);
  });

  it('a saved NaN loss has one bit pattern, whatever sign the arithmetic gave it', () => {
    // NaN with and without its sign bit, and with a payload, as optimized and interpreted code give them
    const losses = new Float64Array(new BigUint64Array([0xfff8000000000000n, 0x7ffc000000000000n, 0xfffc000000000000n, 0x7ff8000000000000n]).buffer);
    const [, data] = [...encodePerSample('losses.npy', inMemoryLosses(losses, [4]))] as Uint8Array[];
    const bits = new BigUint64Array(data.slice().buffer);
    expect([...bits]).toEqual(Array(4).fill(0x7ff8000000000000n));
  });

  it('the same unreduced losses in --json and -q on any thread count', () => {
    // (600, 64) float64 logits of bce-logits: 64 rows a chunk, 10 chunks
    const [rows, cols] = [600, 64];
    const z = Float64Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 1.1) * 4);
    z[(590 * cols) + 7] = -Infinity;
    const t = Float64Array.from({ length: rows * cols }, (_, i) => (i % 3) / 2);
    const [zf, tf] = [join(dir, 'z.npy'), join(dir, 't.npy')];
    writeFileSync(zf, encodeNpy({ data: z, shape: [rows, cols], dtype: 'float64' }));
    writeFileSync(tf, encodeNpy({ data: t, shape: [rows, cols], dtype: 'float64' }));
    const env = { LOSSCALC_BLOCK_BYTES: '4096' };
    const json = sameOnEveryThreadCount(['bce-logits', zf, tf, '--reduction', 'none', '--json', '--pos-weight', '2'], env);
    expect((JSON.parse(json.stdout) as { perSample: unknown[] }).perSample).toHaveLength(rows * cols);
    expect(json.stderr).toContain('warning: 1 non-finite logits, first -Infinity at index (590, 7)\n');
    sameOnEveryThreadCount(['bce-logits', zf, tf, '--reduction', 'none', '-q'], env);
    sameOnEveryThreadCount(['bce-logits', zf, tf, '--top', '3', '--json'], env);
  });

  it('a bad label in a late chunk is the one line -j 1 gives, naming its place in the whole file', () => {
    const bad = y.slice();
    bad[397 * d + 11] = 9n;
    const file = join(dir, 'bad-labels.npy');
    writeFileSync(file, encodeNpy({ data: bad, shape: [N, d], dtype: 'int64' }));
    const one = sameOnEveryThreadCount(['ce', logits, file, '-q']);
    expect(one.status).toBe(2);
    expect(one.stdout).toBe('');
    expect(one.stderr).toBe(`losscalc: ${file}: label 9 at index (397, 11) is outside [0, 5)\n`);
  });

  it('a bad input met after the workers started (here --weight) ends the run at once, as on one thread', () => {
    const weight = join(dir, 'weight.csv');
    writeFileSync(weight, '1,2,x\n');
    // the workers wait for a job that never comes: they must not hold the process
    const r = spawnSync(process.execPath, [BIN, 'ce', logits, labels, '--weight', weight, '-q', '-j', '2'], { encoding: 'utf8', timeout: 20_000 });
    expect([r.signal, r.status, r.stderr]).toEqual([null, 2, `losscalc: ${weight}: line 1, column 3: "x" is not a number (if line 1 is a header, give --header)\n`]);
  });

  it('a bad cell in a late row of a CSV is the one line -j 1 gives', () => {
    const [rows, cols] = [20_000, 20];
    const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => (Math.sin(r * cols + c) * 3).toFixed(6)).join(','));
    lines[19_000] = lines[19_000].replace(/^[^,]+/, '0.5x');
    const csv = join(dir, 'late.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const targets = join(dir, 'late-labels.npy');
    writeFileSync(targets, encodeNpy({ data: Int32Array.from({ length: rows }, (_, r) => r % cols), shape: [rows], dtype: 'int32' }));
    // the open checks only the first bytes: the bad cell is met by the thread that reads its rows
    const one = sameOnEveryThreadCount(['ce', csv, targets, '-q'], { LOSSCALC_CSV_OPEN_BYTES: '4096' });
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(new RegExp(`^losscalc: ${csv}: .*line 19001.*\\n$`));
  });
});

describe("a thread's claims, read one after another", () => {
  it("reuse the CSV reader's buffers instead of leaving two a claim for the garbage collector", async () => {
    const csv = join(dir, 'claims.csv');
    writeFileSync(csv, Array.from({ length: 3000 }, (_, r) => `${r},${r / 7},${-r}`).join('\n') + '\n');
    const v = asValues(await openInput(csv));
    const seen: ArrayBufferLike[] = [];
    const inner: ArrayBufferLike[] = [];
    for (const [start, end] of [[0, 100], [2000, 2100], [900, 1000]]) {
      v.read(3, start, end, (d, first) => {
        seen.push(d.buffer);
        expect(d[0]).toBe(first);
        // a read within a read's visit gets a buffer of its own
        if (start === 900) v.read(3, 10, 20, (e) => inner.push(e.buffer));
      });
    }
    expect(new Set(seen).size).toBe(1);
    expect(inner.length).toBe(1);
    expect(inner[0]).not.toBe(seen[0]);
  });
});
