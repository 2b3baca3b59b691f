/**
 * --class-dim beyond the values (which fixtures/cases.json checks against PyTorch, layout_*
 * cases): the hint for (B, T) labels of (B, T, V) logits, the warning where both layouts fit,
 * the flag's validation, the report's sample positions, and a thread's part of a run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { readInput } from '../src/io/read.js';
import { claimBoard } from '../src/claims.js';
import { temporaryFile } from '../src/loss-store.js';
import { joinClaims, type ParallelJob } from '../src/parallel.js';
import { computeClaims } from '../src/thread-claims.js';
import { cases, expectClose, resolveArgv, type Report } from './cases.js';
import { flatten, runCli, type Expected } from './helpers.js';
import type { Values } from '../src/values.js';

const byName = (name: string) => {
  const c = cases.find((k) => k.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
};

const argvOf = (name: string) => resolveArgv(byName(name).argv);

describe('(B, T) labels with (B, T, V) logits', () => {
  it('without --class-dim, T != V: an error that suggests --class-dim -1', async () => {
    const [mode, logits, labels] = argvOf('layout_ce_lastdim_mean');
    for (const m of [mode, 'nll', 'gather', 'check']) {
      const r = await runCli([m, logits, labels]);
      expect(r.code, m).toBe(2);
      expect(r.stdout).toBe('');
      const want = m === mode || m === 'check' ? ', class probabilities (3, 5, 7)' : '';
      expect(r.stderr).toBe(
        `losscalc: ${labels}: labels shape (3, 5) does not fit logits shape (3, 5, 7): class indices need (3, 7)${want}; ` +
          'if the classes are the last dim, pass --class-dim -1\n',
      );
    }
  });

  it('(N, 1) labels: save them squeezed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-hints-'));
    const logits = join(dir, 'x.csv');
    writeFileSync(logits, '1,2,3\n4,5,6\n');
    const column = join(dir, 'y.npy');
    writeFileSync(column, encodeNpy({ data: BigInt64Array.of(0n, 1n), shape: [2, 1], dtype: 'int64' }));
    const r = await runCli(['ce', logits, column]);
    expect([r.code, r.stderr]).toEqual([
      2,
      `losscalc: ${column}: labels shape (2, 1) does not fit logits shape (2, 3): class indices need (2,), class probabilities (2, 3); labels of (2, 1) hold one index a sample in a dim of size 1: save y.squeeze(-1)\n`,
    ]);
  });

  it('with another --class-dim given, no hint: the user chose the layout', async () => {
    const [, logits, labels] = argvOf('layout_ce_lastdim_mean');
    const r = await runCli(['ce', logits, labels, '--class-dim', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('--class-dim -1');
  });

  it('a labels shape that is no reading of the logits gets no hint', async () => {
    const [, logits] = argvOf('layout_ce_lastdim_mean');
    const [, , labels] = argvOf('ce_mean');
    const r = await runCli(['ce', logits, labels]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('--class-dim');
  });

  const WARNING =
    'losscalc: warning: the layout is ambiguous: labels (2, 4) fit logits (2, 4, 4) with the classes in dim 1, as PyTorch reads ' +
    'them (used here), or in the last dim: pass --class-dim -1 if the classes are the last dim\n';

  it('T == V: PyTorch\'s class dim 1, with a warning that the layout is ambiguous', async () => {
    // nll with --log-softmax: these are logits (nll on them as log-probabilities would warn about that too)
    for (const mode of [['ce'], ['nll', '--log-softmax'], ['gather'], ['check']]) {
      const r = await runCli([mode[0], ...argvOf('layout_ce_ambiguous_default').slice(1), ...mode.slice(1), '-q']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, mode).toBe(WARNING);
    }
    const r = await runCli([...argvOf('layout_ce_ambiguous_default'), '--json']);
    expect((JSON.parse(r.stdout) as { warnings: string[] }).warnings).toEqual([WARNING.slice('losscalc: warning: '.length, -1)]);
  });

  it('T == V with --class-dim given (-1 or 1): no warning', async () => {
    for (const d of ['-1', '1']) {
      const r = await runCli([...argvOf('layout_ce_ambiguous_default'), '--class-dim', d, '-q']);
      expect(r.code).toBe(0);
      expect(r.stderr, d).toBe('');
    }
  });
});

describe('--class-dim as a flag', () => {
  const [, logits, labels] = argvOf('layout_ce_lastdim_mean');

  it('counts negative dims from the end: -1 and 2 are the same dim of (3, 5, 7)', async () => {
    const a = await runCli(['ce', logits, labels, '--class-dim', '-1', '-q']);
    const b = await runCli(['ce', logits, labels, '--class-dim=2', '-q']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('refuses a dim the logits do not have, naming the range', async () => {
    for (const [d, range] of [['3', '-3 to 2'], ['-4', '-3 to 2']]) {
      const r = await runCli(['ce', logits, labels, '--class-dim', d]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`losscalc: ${logits}: --class-dim ${d} is out of range for logits of shape (3, 5, 7): it takes ${range}\n`);
    }
  });

  it('an unbatched (C) input has only dim 0 (or -1)', async () => {
    const [, x, y] = argvOf('layout_ce_unbatched_lastdim');
    const r = await runCli(['ce', x, y, '--class-dim', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`losscalc: ${x}: --class-dim 1 is out of range for logits of shape (5,): it takes -1 to 0\n`);
  });

  it('is a whole number', async () => {
    const r = await runCli(['ce', logits, labels, '--class-dim', '1.5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('losscalc: --class-dim must be an integer (a dim of the logits; -1 is the last), got 1.5\n');
  });

  it('is refused by bce-logits, which has no class dim', async () => {
    const r = await runCli(['bce', logits, logits, '--class-dim', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('losscalc: --class-dim does not apply to bce-logits (it applies to cross-entropy, nll, gather, check)\n');
  });

  it('is refused by check on binary labels (labels of the logits shape)', async () => {
    const r = await runCli(['check', logits, logits, '--class-dim', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'losscalc: --class-dim applies to class labels; these labels have the logits shape, so check compares bce-logits with two-class cross-entropy\n',
    );
  });
});

describe('the per-sample report in the user layout', () => {
  it('names a sample of (B, T, V) logits by (b, t), and --reduction none has shape (B, T)', async () => {
    const c = byName('top_layout_ce_lastdim');
    const r = await runCli([...resolveArgv(c.argv), '--json', '--reduction', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report & { shape: number[]; worst: { index: number; position: string }[] };
    expect(report.shape).toEqual([3, 5]);
    const want = c.expected.worst!.map((w) => w.index as number);
    expect(report.worst.map((w) => w.index)).toEqual(want);
    expect(report.worst.map((w) => w.position)).toEqual(want.map((i) => `(${Math.floor(i / 5)}, ${i % 5})`));
  });

  it('saves the unreduced losses in the (B, T) shape', async () => {
    const c = byName('layout_ce_lastdim_none');
    // .npz's arrays keep the loss's shape (.json holds a record per sample)
    const file = join(mkdtempSync(join(tmpdir(), 'losscalc-layout-')), 'losses.npz');
    const r = await runCli([...resolveArgv(c.argv), '--save-per-sample', file, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const saved = await readInput(`${file}:loss`);
    expect(saved.shape).toEqual([3, 5]);
    expectClose(Array.from(saved.data as Float64Array), flatten(c.expected.loss!), 'saved losses');
  });
});

describe("a thread's part (parallel.ts) carries the class dim", () => {
  for (const name of ['layout_ce_lastdim_weight_ignore_ls_none', 'layout_ce_middle_2_none', 'layout_nll_logsoftmax_lastdim_mean']) {
    it(`${name}: claims of one row each join into PyTorch's loss`, async () => {
      const argv = argvOf(name);
      const flag = (f: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined);
      const weight = flag('--weight');
      const job: ParallelJob = {
        mode: argv[0] === 'ce' ? 'cross-entropy' : (argv[0] as ParallelJob['mode']),
        logits: argv[1],
        labels: argv[2],
        weight: weight === undefined ? undefined : await readInput(weight),
        reduction: (flag('--reduction') ?? 'mean') as ParallelJob['reduction'],
        ignoreIndex: -100,
        labelSmoothing: Number(flag('--label-smoothing') ?? 0),
        logSoftmax: argv.includes('--log-softmax'),
        classDim: Number(flag('--class-dim')),
      };
      const x = await readInput(argv[1]);
      const rows = x.shape[0];
      const board = claimBoard(rows, 1, 0);
      const fd = job.reduction === 'none' ? temporaryFile() : undefined;
      const { result } = joinClaims(await computeClaims(job, board, fd), job, board, { logits: x.data.length / rows, labels: (await readInput(argv[2])).data.length / rows }, fd);
      const loss = result.reduction === 'none' ? nest(readAll(result.perSample!), result.shape) : (result.loss as number);
      expectClose(loss, byName(name).expected.loss!, name);
    });
  }
});

/** Losses kept in a file, read back in blocks into one array. */
function readAll(losses: Values): Float64Array {
  const out = new Float64Array(losses.shape.reduce((n, d) => n * d, 1));
  losses.read(1, 0, out.length, (d, first) => out.set(d as Float64Array, first));
  return out;
}

/** Flat row-major values as nested lists of `shape`, as the fixtures write an unreduced loss. */
function nest(values: Float64Array, shape: number[]): Expected {
  if (shape.length === 0) return values[0];
  const size = values.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(values.subarray(i * size, (i + 1) * size), shape.slice(1)));
}
