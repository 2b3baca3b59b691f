/**
 * The fast paths against PyTorch: NPY logits (alone, or as stored npz entries) read in blocks
 * (tiny blocks here, so that rows cross block boundaries) and computed on several threads (the
 * built binary with -j), must give PyTorch's values exactly as the whole-array path does.
 */
import { spawnSync } from 'node:child_process';
import { zipSync } from 'fflate';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { cases, expectReport, inBlocksOf, resolveArgv, type Report } from './cases.js';
import { runCli, THREADS } from './helpers.js';

const npyCases = cases.filter((c) => !c.merge && !c.stdin && /\.npy$/.test(c.argv[1] ?? '') && c.argv[0] !== 'check');

describe('NPY logits in blocks of 64 bytes', () => {
  inBlocksOf(64);
  it('has cases', () => expect(npyCases.length).toBeGreaterThan(100));
  for (const c of npyCases) {
    it(c.name, async () => {
      const out = await runCli([...resolveArgv(c.argv), '--json']);
      expect([0, 1], out.stderr).toContain(out.code);
      expectReport(c, JSON.parse(out.stdout) as Report);
    });
  }
});

describe('on three threads, in blocks of 256 bytes (the built binary)', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
  const names = [
    'ce_weight_ignore_mean',
    'ce_ls02_weight_none',
    'ce_kdim2_weight_ignore_sum',
    'ce_prob_weight_mean',
    'ce_float32_logits_int32_labels_weight_none',
    'nll_logsoftmax_weight_ignore_mean',
    'nll_kdim1_weight_ignore_none',
    'gather_ignore_default_sum',
    'bce_weight_posweight_none',
    'bce_posweight_3d_lastdim_mean',
    'ce_all_ignored_mean',
    'corner_ce_ls_weight0_mean',
    'corner_ce_kdim_weight_4x1_ls_sum',
    'corner_nll_kdim_weight_1x4_mean',
    'corner_bce_tail_weight_none',
    'corner_bce_neginf_outside01_none_posweight',
    // --class-dim: each thread reads its batch rows of (B, T, V) or (N, d1, C, d2) logits
    'layout_ce_lastdim_weight_ignore_ls_mean',
    'layout_ce_lastdim_prob_none',
    'layout_nll_logsoftmax_lastdim_sum',
    'layout_gather_lastdim_none',
    'layout_ce_middle_neg2_none',
    'layout_ce_lastdim_float32_int32_none',
    'top_layout_ce_lastdim',
  ];
  for (const name of names) {
    it(name, () => {
      const c = cases.find((k) => k.name === name)!;
      expect(c, name).toBeDefined();
      const r = spawnSync(process.execPath, [BIN, ...resolveArgv(c.argv), '--json', '-j', THREADS], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '256' },
      });
      expect(r.stderr.includes('internal error'), r.stderr).toBe(false);
      expectReport(c, JSON.parse(r.stdout) as Report);
    });
  }

  // the same inputs as stored entries of one archive (np.savez): read in place, a block at a time
  for (const name of names.slice(0, 6)) {
    it(`${name}, from an npz archive`, () => {
      const c = cases.find((k) => k.name === name)!;
      const argv = resolveArgv(c.argv);
      const archive = join(mkdtempSync(join(tmpdir(), 'losscalc-npz-')), 'dump.npz');
      writeFileSync(archive, zipSync({ 'logits.npy': [readFileSync(argv[1]), { level: 0 }], 'labels.npy': [readFileSync(argv[2]), { level: 0 }] }));
      const r = spawnSync(process.execPath, [BIN, argv[0], `${archive}:logits`, `${archive}:labels`, ...argv.slice(3), '--json', '-j', THREADS], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '256' },
      });
      expect(r.stderr).toBe('');
      expectReport(c, JSON.parse(r.stdout) as Report);
    });
  }

  it('gives the single-thread result to the last bit, whatever the thread count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-bits-'));
    const rows = 997;
    const logits = join(dir, 'x.npy');
    const labels = join(dir, 'y.npy');
    writeFileSync(logits, encodeNpy({ data: Float64Array.from({ length: rows * 7 }, (_, i) => Math.sin(i * 1.3) * 9), shape: [rows, 7], dtype: 'float64' }));
    writeFileSync(labels, encodeNpy({ data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % 5 === 0 ? -100 : i % 7)), shape: [rows], dtype: 'int64' }));
    const run = (j: string, extra: string[]) =>
      spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-q', '-j', j, ...extra], { encoding: 'utf8' }).stdout;
    for (const extra of [[], ['--weight', '0.3,1.7,2.9,0.11,5,1,0.5'], ['--reduction', 'sum', '--label-smoothing', '0.1']]) {
      const one = run('1', extra);
      expect(one).toMatch(/^\d/);
      for (const j of ['2', '3', '5']) expect(run(j, extra), `-j ${j} ${extra.join(' ')}`).toBe(one);
    }
  });

  it('with --class-dim, gives the single-thread result to the last bit, whatever the thread count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-bits-'));
    const [B, T, V] = [61, 9, 7];
    const logits = join(dir, 'x.npy');
    const labels = join(dir, 'y.npy');
    writeFileSync(logits, encodeNpy({ data: Float64Array.from({ length: B * T * V }, (_, i) => Math.sin(i * 1.3) * 9), shape: [B, T, V], dtype: 'float64' }));
    writeFileSync(labels, encodeNpy({ data: BigInt64Array.from({ length: B * V }, (_, i) => BigInt(i % 5 === 0 ? -100 : i % 9)), shape: [B, V], dtype: 'int64' }));
    const lm = join(dir, 'lm.npy');
    writeFileSync(lm, encodeNpy({ data: BigInt64Array.from({ length: B * T }, (_, i) => BigInt(i % 5 === 0 ? -100 : i % 7)), shape: [B, T], dtype: 'int64' }));
    const run = (j: string, extra: string[]) =>
      spawnSync(process.execPath, [BIN, 'ce', logits, ...extra, '-q', '-j', j], { encoding: 'utf8', env: { ...process.env, LOSSCALC_BLOCK_BYTES: '256' } });
    for (const extra of [[lm, '--class-dim', '-1'], [labels, '--class-dim', '1', '--label-smoothing', '0.1'], [lm, '--class-dim', '2', '--weight', '0.3,1.7,2.9,0.11,5,1,0.5']]) {
      const one = run('1', extra);
      expect(one.stdout, one.stderr).toMatch(/^\d/);
      for (const j of ['2', '3']) expect(run(j, extra).stdout, `-j ${j} ${extra.join(' ')}`).toBe(one.stdout);
    }
  });

  it('counts non-finite logits over every thread, naming the first by its place in the whole file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-threads-'));
    const logits = join(dir, 'nan-logits.npy');
    const labels = join(dir, 'nan-labels.npy');
    const x = Float64Array.from({ length: 12 * 4 }, (_, i) => Math.cos(i));
    x[9 * 4 + 2] = NaN; // row 9: in the last of three parts
    x[11 * 4 + 1] = Infinity;
    writeFileSync(logits, encodeNpy({ data: x, shape: [12, 4], dtype: 'float64' }));
    writeFileSync(labels, encodeNpy({ data: BigInt64Array.from({ length: 12 }, (_, i) => BigInt(i % 4)), shape: [12], dtype: 'int64' }));
    const r = spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-j', THREADS, '-q'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('nan');
    expect(r.stderr).toContain('warning: 2 non-finite logits, first NaN at index (9, 2)');
  });

  it('names a bad label by its place in the whole file, not in a thread part', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-threads-'));
    const rows = 12;
    const logits = join(dir, 'logits.npy');
    const labels = join(dir, 'labels.npy');
    writeFileSync(logits, encodeNpy({ data: Float32Array.from({ length: rows * 4 }, (_, i) => Math.sin(i)), shape: [rows, 4], dtype: 'float32' }));
    const y = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % 4));
    y[10] = 7n; // in the last of three parts
    writeFileSync(labels, encodeNpy({ data: y, shape: [rows], dtype: 'int64' }));
    const r = spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-j', THREADS], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`losscalc: ${labels}: label 7 at index 10 is outside [0, 4)\n`);
  });
});
