/**
 * The unreduced losses kept only for an output that needs them: in memory up to a bound, in an
 * unlinked temporary file beyond it, read back in blocks; and threads that pass no losses
 * between them, claiming rows at the sums' chunks, with class-index labels read once and shared.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareValues } from '../src/checks.js';
import { streaming } from '../src/io/npy-file.js';
import { encodeNpy } from '../src/io/npy.js';
import { lossStore, storedLosses } from '../src/loss-store.js';
import { bceWithLogits } from '../src/losses/bce-with-logits.js';
import { memoryLosses, Reducer, rowsPerChunk, type KeepLosses } from '../src/losses/reduce.js';
import { claimBoard, claimRows, claimSize } from '../src/claims.js';
import { shareLabels, threadCount } from '../src/parallel.js';
import { generated, inMemory } from '../src/values.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-store-'));
const blockBytes = streaming.blockBytes;
afterEach(() => {
  streaming.blockBytes = blockBytes;
});

/** Losses of shape (rows, 3) through a Reducer, every third position skipped (it stays 0). */
function reduced(perSample: KeepLosses, rows = 50) {
  const r = new Reducer([rows, 3], perSample);
  for (let pos = 0; pos < rows * 3; pos++) if (pos % 3 !== 1) r.add(pos, Math.sin(pos) * 10 + pos);
  return r.finish('none');
}

describe('the store of unreduced losses', () => {
  it('beyond its bound writes a temporary file, unlinked at once, and reads back what memory holds, in blocks of at most a block', () => {
    const previous = process.env.TMPDIR;
    const folder = mkdtempSync(join(dir, 'tmp-'));
    process.env.TMPDIR = folder;
    try {
      const spilled = reduced(lossStore({ bound: 10 })).perSample!;
      expect(readdirSync(folder)).toEqual([]);
      const kept = reduced('keep').perSample!.toArray();
      streaming.blockBytes = 64; // 8 values
      for (const unit of [1, 3, 6]) {
        for (let pass = 0; pass < 2; pass++) {
          const seen = new Float64Array(kept.length);
          spilled.read(unit, 0, kept.length / unit, (d, first, count) => {
            expect(d.length).toBe(count * unit);
            expect(d.length).toBeLessThanOrEqual(Math.max(8, unit));
            seen.set(d as Float64Array, first * unit);
          });
          expect(seen).toEqual(kept);
        }
      }
      expect(spilled.toArray()).toEqual(kept);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it('joins parts held in memory, in files and in other stores, in order', () => {
    const a = reduced('keep', 4).perSample!;
    const b = reduced(lossStore({ bound: 0 }), 5).perSample!;
    const c = reduced(lossStore({ bound: 0 }), 3).perSample!;
    const joined = storedLosses([{ data: a.toArray() }, { losses: b }, { losses: storedLosses([{ losses: c }], [3, 3]) }], [12, 3]);
    expect(joined.toArray()).toEqual(Float64Array.from([...a.toArray(), ...b.toArray(), ...c.toArray()]));
  });

  it('is not made when the losses are dropped: mean and sum come from the sums alone', () => {
    const kept = reduced('keep');
    const r = new Reducer([50, 3], 'drop');
    for (let pos = 0; pos < 150; pos++) if (pos % 3 !== 1) r.add(pos, Math.sin(pos) * 10 + pos);
    const dropped = r.finish('mean');
    expect(dropped.perSample).toBeUndefined();
    expect(dropped.sum).toBe(kept.sum);
  });

  it('a kernel puts its losses where it is told', () => {
    const x = { data: Float64Array.from({ length: 30 }, (_, i) => i / 7 - 2), shape: [10, 3], dtype: 'float64' as const };
    const t = { data: Float64Array.from({ length: 30 }, (_, i) => (i % 4) / 3), shape: [10, 3], dtype: 'float64' as const };
    const kept = bceWithLogits(x, t, { reduction: 'none' }).perSample!.toArray();
    const shapes: number[][] = [];
    const sink: KeepLosses = (shape) => (shapes.push(shape), memoryLosses(shape));
    expect(bceWithLogits(x, t, { reduction: 'none', perSample: sink }).perSample!.toArray()).toEqual(kept);
    expect(shapes).toEqual([[10, 3]]);
  });
});

describe('compareValues over values read in blocks', () => {
  const ramp = (bad: number) => generated([40], (out, from) => out.forEach((_, k) => (out[k] = from + k + (from + k === bad ? 1 : 0))), 4);
  it('names the first element that is not close, across block boundaries', () => {
    const c = compareValues('reference', ramp(-1), ramp(29), { rtol: 0, atol: 0.5 });
    expect([c.ok, c.index, c.a, c.b]).toEqual([false, 29, 29, 30]);
  });
  it('else the farthest apart', () => {
    const c = compareValues('reference', ramp(-1), ramp(17), { rtol: 0, atol: 2 });
    expect([c.ok, c.index, c.diff]).toEqual([true, 17, 1]);
  });
});

describe('threads', () => {
  it('claim rows at multiples of the sums chunk, and never run more threads than chunks', () => {
    const R = rowsPerChunk([10_000, 100]);
    const board = claimBoard(10_000, claimSize(10_000, R, 800, 3), 2);
    expect(claimRows(board, 0)[0]).toBe(0);
    expect(claimRows(board, board.claims - 1)[1]).toBe(10_000);
    for (let k = 1; k < board.claims; k++) expect(claimRows(board, k)[0] % R).toBe(0);
    expect(threadCount(8, 1 << 24, Math.ceil(100 / R), 8)).toBe(Math.ceil(100 / R));
  });

  it('share class indices as int32 on shared memory, read in blocks, when they fit; else not at all', () => {
    const labels = inMemory({ data: BigInt64Array.from([0n, 3n, -100n, 2n, 1n]), shape: [5], dtype: 'int64' });
    const blocks: number[] = [];
    const small = shareLabels({ ...labels, read: (u, s, e, visit) => labels.read(u, s, e, (d, f, c) => (blocks.push(c), visit(d, f, c))) })!;
    expect(small.data).toBeInstanceOf(Int32Array);
    expect(small.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(small.data as Int32Array)).toEqual([0, 3, -100, 2, 1]);
    expect(blocks).toEqual([5]);
    expect(shareLabels(inMemory({ data: Float64Array.from([1, 2.5]), shape: [2], dtype: 'float64' }))).toBeUndefined();
    expect(shareLabels(inMemory({ data: Float64Array.from([1, 2 ** 40]), shape: [2], dtype: 'float64' }))).toBeUndefined();
  });

  it('-j above the cores is clamped with a warning', () => {
    const cores = availableParallelism();
    const x = join(dir, 'wx.npy');
    const y = join(dir, 'wy.npy');
    writeFileSync(x, encodeNpy({ data: Float64Array.from({ length: 8 }, (_, i) => i / 3), shape: [4, 2], dtype: 'float64' }));
    writeFileSync(y, encodeNpy({ data: Int32Array.from([0, 1, 1, 0]), shape: [4], dtype: 'int32' }));
    const r = spawnSync(process.execPath, [BIN, 'ce', x, y, '-j', '1000', '-q'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`losscalc: warning: -j 1000 is more than the ${cores} cores here: using ${cores}\n`);
  });

  // 9000 rows of one value: 4096 rows a chunk, so three chunks and up to three threads
  const rows = 9000;
  const logits = join(dir, 'tx.npy');
  const targets = join(dir, 'tt.npy');
  const classes = join(dir, 'cy.npy');
  const classLogits = join(dir, 'cx.npy');
  writeFileSync(logits, encodeNpy({ data: Float64Array.from({ length: rows }, (_, i) => Math.sin(i) * 30), shape: [rows, 1], dtype: 'float64' }));
  writeFileSync(targets, encodeNpy({ data: Float64Array.from({ length: rows }, (_, i) => (i % 5) / 4), shape: [rows, 1], dtype: 'float64' }));
  writeFileSync(classLogits, encodeNpy({ data: Float64Array.from({ length: rows * 3 }, (_, i) => Math.cos(i) * 5), shape: [rows, 3], dtype: 'float64' }));
  writeFileSync(classes, encodeNpy({ data: BigInt64Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -100n : BigInt(i % 3))), shape: [rows], dtype: 'int64' }));
  // labels read whole (JSON) are shared with the threads, not read again by each
  const classesJson = join(dir, 'cy.json');
  writeFileSync(classesJson, JSON.stringify(Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -100 : i % 3))));
  const threads = String(Math.min(3, availableParallelism()));
  const losscalc = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, LOSSCALC_BLOCK_BYTES: '4096', ...env } });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  };

  for (const [mode, x, y] of [
    ['bce-logits', logits, targets],
    ['ce', classLogits, classes],
    ['gather', classLogits, classesJson],
  ] as const) {
    it(`${mode}: the same bits on one thread and on ${threads}, for every reduction and the saved losses`, () => {
      for (const reduction of ['mean', 'sum', 'none']) {
        const one = losscalc([mode, x, y, '--reduction', reduction, '--json', '-j', '1']).toString();
        const many = losscalc([mode, x, y, '--reduction', reduction, '--json', '-j', threads]).toString();
        expect(many).toBe(one);
      }
      const [a, b] = [join(dir, `${mode}-1.npy`), join(dir, `${mode}-n.npy`)];
      losscalc([mode, x, y, '-j', '1', '--save-per-sample', a]);
      losscalc([mode, x, y, '-j', threads, '--save-per-sample', b]);
      expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    });
  }

  it('a temporary file that cannot be made or written is one line naming the folder, and only when the losses are kept', () => {
    const big = join(dir, 'big.npy');
    const bigT = join(dir, 'bigt.npy');
    // more losses than are kept in memory (1 Mi)
    writeFileSync(big, encodeNpy({ data: new Float32Array(1100 * 1000), shape: [1100, 1000], dtype: 'float32' }));
    writeFileSync(bigT, encodeNpy({ data: new Float32Array(1100 * 1000), shape: [1100, 1000], dtype: 'float32' }));
    const env = { ...process.env, TMPDIR: join(dir, 'no-such-folder') };
    const mean = spawnSync(process.execPath, [BIN, 'bce-logits', big, bigT, '-q'], { env, encoding: 'utf8' });
    expect([mean.status, mean.stderr]).toEqual([0, '']);
    const none = spawnSync(process.execPath, [BIN, 'bce-logits', big, bigT, '--reduction', 'none', '-q'], { env, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      `losscalc: ${env.TMPDIR}: cannot create a temporary file for the per-sample losses: no such file or directory (TMPDIR names another folder)\n`,
    );
    // a write that fails (here: over a file size limit of 2 MB, as a full disk would) says so too
    const folder = mkdtempSync(join(dir, 'small-'));
    const limited = spawnSync('bash', ['-c', 'ulimit -f 4000; exec "$@" > /dev/null', 'bash', process.execPath, BIN, 'bce-logits', big, bigT, '--reduction', 'none', '-q'], {
      env: { ...process.env, TMPDIR: folder },
      encoding: 'utf8',
    });
    expect(limited.status).toBe(2);
    expect(limited.stderr).toBe(`losscalc: ${folder}: cannot write a temporary file for the per-sample losses: file too large (TMPDIR names another folder)\n`);
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('layers', () => {
  it('the options parser does not reach the save writer (options -> save -> json -> evaluate -> options was a circle)', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(src, file), 'utf8');
      for (const m of text.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)\.js';/gm)) {
        walk(join(file, '..', m[1]).replace(/^\.\//, '') + '.ts');
      }
    };
    walk('options.ts');
    expect([...seen].filter((f) => f.startsWith('report/'))).toEqual([]);
  });
});
