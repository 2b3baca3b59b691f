/**
 * Shards read one after another (io/concat.ts joinBatch): the PyTorch cases whose logits and
 * labels are NPY files, each split along the batch dim into three shards of uneven sizes (the
 * middle logits shard widened to float64 when the logits are float32, so that dtypes mix), read
 * in blocks of 64 bytes, must give PyTorch's values as the one file does. A shard given to a
 * file holding both (`-l a.npz -l b.npz`) is read the same way.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { numel, toFloat64, type Tensor } from '../src/tensor.js';
import { cases, expectReport, inBlocksOf, resolveArgv, type Report } from './cases.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BINARY = new Set(['bce', 'bce-logits', 'bce-probs', 'binary-cross-entropy']);

/** Rows [from, to) of `t`, as a tensor of their own. */
function rows(t: Tensor, from: number, to: number): Tensor {
  const row = numel(t.shape.slice(1));
  return { data: t.data.subarray(from * row, to * row) as Tensor['data'], shape: [to - from, ...t.shape.slice(1)], dtype: t.dtype };
}

/** `t` in three shards of uneven sizes, written to files; the middle one widened to float64 when `mix`. */
function shards(t: Tensor, name: string, mix: boolean): string[] {
  const n = t.shape[0];
  const cuts = [0, 1, Math.max(2, Math.floor((2 * n) / 3)), n];
  return [0, 1, 2].map((i) => {
    let part = rows(t, cuts[i], cuts[i + 1]);
    if (mix && i === 1 && part.dtype === 'float32') part = { data: toFloat64(part), shape: part.shape, dtype: 'float64' };
    const path = join(dir, `${name}_${i}.npy`);
    writeFileSync(path, encodeNpy(part));
    return path;
  });
}

const splittable = cases.flatMap((c) => {
  if (c.merge || c.stdin || c.argv[0] === 'check' || c.argv.includes('--class-dim')) return [];
  const argv = resolveArgv(c.argv);
  if (!/\.npy$/.test(argv[1] ?? '') || !/\.npy$/.test(argv[2] ?? '')) return [];
  const logits = parseNpy(readFileSync(argv[1]), argv[1]);
  const labels = parseNpy(readFileSync(argv[2]), argv[2]);
  // unbatched (C,) logits have no batch dim to split
  const batched = logits.shape.length >= (BINARY.has(argv[0]) ? 1 : 2) && labels.shape.length >= 1;
  return batched && logits.shape[0] >= 3 && labels.shape[0] === logits.shape[0] ? [{ c, argv, logits, labels }] : [];
});

describe('PyTorch cases as three shards, in blocks of 64 bytes', () => {
  inBlocksOf(64);
  it('has cases', () => expect(splittable.length).toBeGreaterThan(100));
  for (const { c, argv, logits, labels } of splittable) {
    it(c.name, async () => {
      const x = shards(logits, `${c.name}_logits`, true);
      const y = shards(labels, `${c.name}_labels`, false);
      const out = await runCli([argv[0], ...x.flatMap((p) => ['-l', p]), ...y.flatMap((p) => ['-y', p]), ...argv.slice(3), '--json']);
      expect([0, 1], out.stderr).toContain(out.code);
      expectReport(c, JSON.parse(out.stdout) as Report);
    });
  }
});

describe('files holding both, as shards', () => {
  inBlocksOf(64);
  it.each(splittable.slice(0, 8).map((s) => [s.c.name, s] as const))('%s', async (_, { c, argv, logits, labels }) => {
    const x = shards(logits, `${c.name}_both_logits`, false);
    const y = shards(labels, `${c.name}_both_labels`, false);
    const archives = x.map((p, i) => {
      const path = join(dir, `${c.name}_both_${i}.npz`);
      writeFileSync(path, zipSync({ 'logits.npy': [readFileSync(p), { level: 0 }], 'labels.npy': [readFileSync(y[i]), { level: 0 }] }));
      return path;
    });
    const out = await runCli([argv[0], ...archives.flatMap((p) => ['-l', p]), ...argv.slice(3), '--json']);
    expect([0, 1], out.stderr).toContain(out.code);
    expectReport(c, JSON.parse(out.stdout) as Report);
  });
});
