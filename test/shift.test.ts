/**
 * --shift, a causal language model's loss (src/shift.ts): every case of fixtures/shift/ (made by
 * scripts/make_shift_fixtures.py with PyTorch, the way Hugging Face's models compute
 * outputs.loss) within 1e-12, in blocks of any size; and what --shift refuses.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose } from './cases.js';
import { expectSplit, FIXTURES, readJson, runCli } from './helpers.js';
import { encodeNpy } from '../src/io/npy.js';
import { readInput } from '../src/io/read.js';

const DIR = join(FIXTURES, 'shift');
const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const { cases } = readJson<{ cases: { argv: string[]; loss: number | number[]; shape: number[] }[] }>(join(DIR, 'expected.json'));
const at = (argv: string[]) => argv.map((a) => (/\.(npy|pt)$/.test(a) ? join(DIR, a) : a));

describe("--shift: PyTorch's causal-LM loss", () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(8));
  for (const c of cases) {
    it(c.argv.join(' '), async () => {
      const r = await runCli([...at(c.argv), '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { loss: number | number[]; shape: number[]; settings: { shift?: boolean } };
      expect(out.shape).toEqual(c.shape);
      expect(out.settings.shift).toBe(true);
      if (Array.isArray(c.loss)) {
        const got = out.loss as number[];
        expect(got.flat()).toHaveLength(c.loss.length);
        got.flat().forEach((v, i) => expectClose(v, (c.loss as number[])[i], `loss ${i}`));
      } else expectClose(out.loss as number, c.loss, c.argv.join(' '));
    });
  }

  it("the human output names the inputs as given and says they were shifted", async () => {
    const r = await runCli(['ce', join(DIR, 'dump.pt'), '--shift', '--no-color']);
    expect(r.stdout.split('\n')[1]).toBe('  logits (3, 7, 11) float32, labels (3, 7) int64, reduction mean, shifted (logits[..., :-1, :] against labels[..., 1:]), 16 contributing');
  });

  it('the same bits in blocks of 64 bytes, across rows, and on two threads', () => {
    const c = cases.find((k) => k.argv[1] === 'long_logits.npy')!;
    const run = (env: Record<string, string>, extra: string[] = []) =>
      spawnSync(process.execPath, [BIN, ...at(c.argv), '-q', ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });
    const plain = run({});
    expect(plain.status, plain.stderr).toBe(0);
    expectClose(Number(plain.stdout), c.loss as number, 'long');
    for (const r of [run({ LOSSCALC_BLOCK_BYTES: '64' }), run({}, ['-j', '2']), run({ LOSSCALC_KERNEL: 'scalar' })]) expect(r.stdout).toBe(plain.stdout);
    // threads split the shifted views' rows, each thread taking the views of its own open
    const split = run({ NODE_DEBUG: 'losscalc' }, ['-j', '2', '--reduction', 'sum']);
    expectSplit(split.stderr, '-j 2');
    expect(split.stdout).toBe(run({}, ['-j', '1', '--reduction', 'sum']).stdout);
  });

  it('--save-per-sample writes the shifted losses, (B, T - 1)', async () => {
    const c = cases.find((k) => Array.isArray(k.loss))!;
    const file = join(mkdtempSync(join(tmpdir(), 'losscalc-shift-')), 'l.npy');
    const r = await runCli([...at(c.argv.filter((a) => !['--reduction', 'none'].includes(a))), '--save-per-sample', file, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const saved = await readInput(file);
    expect(saved.shape).toEqual(c.shape);
    Array.from(saved.data as Float64Array).forEach((v, i) => expectClose(v, (c.loss as number[])[i], `loss ${i}`));
  });
});

describe('what --shift refuses', () => {
  const x = join(DIR, 'logits.npy');
  const y = join(DIR, 'labels.npy');

  it('a class dim that is not the last, labels that are not (..., T), a binary mode', async () => {
    expect(await runCli(['ce', x, y, '--shift', '--class-dim', '1'])).toMatchObject({
      code: 2,
      stderr: "losscalc: --shift takes the vocabulary in the logits' last dim: leave --class-dim out (or give -1), got 1\n",
    });
    expect((await runCli(['ce', x, y, '--shift', '--class-dim', '2'])).code).toBe(0);
    const wrong = await runCli(['ce', x, join(DIR, 'one_labels.npy'), '--shift']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`losscalc: ${join(DIR, 'one_labels.npy')}: --shift needs logits (..., T, V) and labels (..., T), one token a position; got logits (3, 7, 11) and labels (7,)\n`);
    expect(await runCli(['bce-logits', x, x, '--shift'])).toMatchObject({ code: 2, stderr: 'losscalc: --shift does not apply to bce-logits (it applies to cross-entropy, nll, gather, check)\n' });
  });

  it('one step: nothing to predict, a NaN mean as PyTorch gives, and a sum of 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-shift-'));
    const [xs, ys] = [join(dir, 'x.npy'), join(dir, 'y.npy')];
    writeFileSync(xs, encodeNpy({ data: new Float64Array(6).fill(0.5), shape: [2, 1, 3], dtype: 'float64' }));
    writeFileSync(ys, encodeNpy({ data: new BigInt64Array(2), shape: [2, 1], dtype: 'int64' }));
    const mean = await runCli(['ce', xs, ys, '--shift', '--json']);
    expect(mean.code).toBe(0);
    expect(mean.stderr).toBe('losscalc: warning: --shift on sequences of one step: no position has a next token to predict\n');
    expect(JSON.parse(mean.stdout)).toMatchObject({ loss: 'NaN', shape: [2, 0], count: 0 });
    expect(JSON.parse((await runCli(['ce', xs, ys, '--shift', '--json', '--reduction', 'sum'])).stdout)).toMatchObject({ loss: 0 });
  });

  it('a bad label is named where it is in the labels as given; the dropped steps are not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-shift-'));
    const [xs, ys] = [join(dir, 'x.npy'), join(dir, 'y.npy')];
    // (2, 5, 4) logits, NaN only in the last step (dropped); label 99 in the first step (dropped), 9 at (1, 3)
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    x[(0 * 5 + 4) * 4 + 2] = NaN;
    writeFileSync(xs, encodeNpy({ data: x, shape: [2, 5, 4], dtype: 'float32' }));
    const y = new Float64Array(10);
    y[0] = 99;
    writeFileSync(ys, encodeNpy({ data: y, shape: [2, 5], dtype: 'float64' }));
    expect(await runCli(['ce', xs, ys, '--shift', '-q'])).toMatchObject({ code: 0, stderr: '' });
    y[8] = 9;
    writeFileSync(ys, encodeNpy({ data: y, shape: [2, 5], dtype: 'float64' }));
    expect(await runCli(['ce', xs, ys, '--shift', '-q'])).toMatchObject({ code: 2, stderr: `losscalc: ${ys}: label 9 at index (1, 3) is outside [0, 4)\n` });
    y[8] = NaN;
    writeFileSync(ys, encodeNpy({ data: y, shape: [2, 5], dtype: 'float64' }));
    expect((await runCli(['ce', xs, ys, '--shift', '-q'])).stderr).toBe(`losscalc: ${ys}: label NaN at index (1, 3) is not an integer class index\n`);
  });

  it('shards: batched (B, T, V) files join along the batch; (T, V) files, whose sequences would join, are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-shift-'));
    const [x, y] = [await readInput(join(DIR, 'logits.npy')), await readInput(join(DIR, 'labels.npy'))];
    const [B, T, V] = x.shape;
    const part = (name: string, t: typeof x, rows: [number, number], shape: number[]) => {
      const per = t.data.length / B;
      const file = join(dir, name);
      writeFileSync(file, encodeNpy({ data: t.data.subarray(rows[0] * per, rows[1] * per) as never, shape, dtype: t.dtype }));
      return file;
    };
    const mean = cases.find((c) => c.argv.join(' ') === 'ce logits.npy labels.npy --shift --reduction mean')!.loss as number;
    const batched = ['-l', part('x0.npy', x, [0, 2], [2, T, V]), '-l', part('x1.npy', x, [2, 3], [1, T, V])];
    const labels = ['-y', part('y0.npy', y, [0, 2], [2, T]), '-y', part('y1.npy', y, [2, 3], [1, T])];
    const r = await runCli(['ce', ...batched, ...labels, '--shift', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expectClose(Number(r.stdout), mean, 'batched shards');
    const one = ['-l', part('s0.npy', x, [0, 1], [T, V]), '-l', part('s1.npy', x, [1, 2], [T, V]), '-y', part('t0.npy', y, [0, 1], [T]), '-y', part('t1.npy', y, [1, 2], [T])];
    expect(await runCli(['ce', ...one, '--shift'])).toMatchObject({
      code: 2,
      stderr: 'losscalc: --shift with several (T, V) files would join their sequences into one: give them a batch dim, (1, T, V), or run each and merge the results\n',
    });
  });

  it('class weights of shape (V,) only, as cross_entropy on the flattened positions takes them', async () => {
    const w = join(mkdtempSync(join(tmpdir(), 'losscalc-shift-')), 'w.npy');
    writeFileSync(w, encodeNpy({ data: new Float64Array(11).fill(1), shape: [1, 11], dtype: 'float64' }));
    expect(await runCli(['ce', x, y, '--shift', '--weight', w])).toMatchObject({
      code: 2,
      stderr: `losscalc: ${w}: --shift takes class weights of shape (V,), as cross_entropy on the flattened positions does; got (1, 11)\n`,
    });
  });

  it('--markdown names the inputs as given and says they were shifted', async () => {
    const r = await runCli(['ce', join(DIR, 'dump.pt'), '--shift', '--markdown']);
    expect(r.stdout).toContain('| logits | (3, 7, 11) float32 |\n| labels | (3, 7) int64 |\n| shifted | logits[..., :-1, :] against labels[..., 1:] |\n');
  });

  it('merge keeps shifted and unshifted results apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-shift-'));
    const one = join(dir, 'a.json');
    const two = join(dir, 'b.json');
    writeFileSync(one, (await runCli(['ce', x, y, '--shift', '--class-dim', '-1', '--json'])).stdout);
    writeFileSync(two, (await runCli(['ce', join(DIR, 'one_logits.npy'), join(DIR, 'one_labels.npy'), '--json'])).stdout);
    const r = await runCli(['merge', one, two]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shift absent differs from true');
  });
});
