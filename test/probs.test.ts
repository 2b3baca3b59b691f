/**
 * Probabilities and log-probabilities: cross-entropy --input probs|log-probs, the
 * binary-cross-entropy mode, and check's binary_cross_entropy(sigmoid(x), t) path. The values
 * are PyTorch's (fixtures/cases.json, the probs_* cases, run by cases.test.ts); here: check's
 * verdict against PyTorch's own, threads, errors, and what the options accept.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { cases, expectReport, resolveArgv, type Case, type Report } from './cases.js';
import { runCli, THREADS } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-probs-'));
const f64 = (name: string, values: number[], shape = [values.length]) => {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy({ data: Float64Array.from(values), shape, dtype: 'float64' }));
  return path;
};
const i64 = (name: string, values: number[]) => {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy({ data: BigInt64Array.from(values.map(BigInt)), shape: [values.length], dtype: 'int64' }));
  return path;
};
const find = (name: string): Case => {
  const c = cases.find((k) => k.name === name);
  expect(c, name).toBeDefined();
  return c!;
};

describe("check's verdict is PyTorch's (torch.allclose of the first way with each other)", () => {
  const verdicts = cases.filter((c) => (c.expected as { ok?: boolean }).ok !== undefined);
  it('has passing and failing cases', () => {
    const oks = verdicts.map((c) => (c.expected as { ok: boolean }).ok);
    expect(oks).toContain(true);
    expect(oks).toContain(false);
  });
  for (const c of verdicts) {
    const ok = (c.expected as { ok: boolean }).ok;
    it(`${c.name}: ${ok ? 'passes' : 'fails'}`, async () => {
      const out = await runCli([...resolveArgv(c.argv), '--json']);
      expect(out.code, out.stderr).toBe(ok ? 0 : 1);
      const report = JSON.parse(out.stdout) as Report & { ok: boolean };
      expect(report.ok).toBe(ok);
      expectReport(c, report);
    });
  }

  it('says why bce-logits and the sigmoid path legitimately differ', async () => {
    const out = await runCli(resolveArgv(find('probs_check_binary_extreme_mean').argv));
    expect(out.code).toBe(1);
    const failed = out.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^FAIL bce-logits = binary-cross-entropy-sigmoid: 52\.\d+ vs 50\.\d+, \|diff\| 2\.\d+; the logits reach -150 \(at index 1\), where log\(sigmoid\(x\)\), about x, is below -100, and binary_cross_entropy clamps each log at -100: the two differ there in PyTorch too; bce-logits is the exact one$/);
    expect(out.stdout).toMatch(/^ok {3}bce-logits = cross-entropy-binary/m);
    // a large positive logit: sigmoid rounds to 1 (PyTorch's sigmoid path gives 100 for x = 60, target 0)
    const positive = await runCli(['check', '-', f64('positive-targets.npy', [0, 1]), '--format', 'json'], {}, false, new TextEncoder().encode('[60, 1]'));
    expect(positive.code).toBe(1);
    expect(positive.stdout).toContain('the logits reach 60 (at index 0), where sigmoid(x) rounds to 1 in float64 (from x = 36.7 on), so log(1 - sigmoid(x)) is -inf,');
  });

  it('says why gather differs on probabilities that are not normalised', async () => {
    const out = await runCli(resolveArgv(find('probs_check_ce_probs_unnormalised').argv));
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /^FAIL cross-entropy = gather: [\d.]+ vs [\d.]+, \|diff\| 0\.105\d+; gather takes log_softmax\(log p\), which is log p only where the rows of p sum to 1: these probs are not normalised$/m,
    );
  });

  it('skips the sigmoid path, with the reason, for a NaN logit (binary_cross_entropy refuses it) and for pos_weight', async () => {
    const x = f64('nan-logits.npy', [0.5, NaN, -1]);
    const t = f64('nan-targets.npy', [1, 0, 1]);
    const nan = await runCli(['check', x, t, '--json']);
    expect(nan.code).toBe(1);
    expect(JSON.parse(nan.stdout).skipped).toEqual({ 'binary-cross-entropy-sigmoid': 'the logit at index 1 is NaN, and binary_cross_entropy refuses its sigmoid' });
    const pw = await runCli(['check', f64('pw-logits.npy', [0.5, 2, -1]), t, '--pos-weight', '2', '--json']);
    expect(JSON.parse(pw.stdout).skipped).toMatchObject({ 'binary-cross-entropy-sigmoid': 'binary_cross_entropy has no pos_weight' });
  });
});

describe('on three threads, in blocks of 256 bytes (the built binary)', () => {
  const names = [
    'probs_ce_probs_weight_ignore_mean',
    'probs_ce_logprobs_ls_weight_ignore_none',
    'probs_ce_probs_kdim_none',
    'probs_ce_probs_zero_target_mean',
    'probs_ce_probs_soft_sum',
    'probs_bce_weight_4x1_none',
    'probs_bce_clamp_sum',
    'probs_bce_3d_mean',
  ];
  for (const name of names) {
    it(name, () => {
      const c = find(name);
      const r = spawnSync(process.execPath, [BIN, ...resolveArgv(c.argv), '--json', '-j', THREADS], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '256' },
      });
      expect(r.stderr.includes('internal error'), r.stderr).toBe(false);
      expectReport(c, JSON.parse(r.stdout) as Report);
    });
  }

  it('names a probability outside [0, 1] by its place in the whole file, not in a thread part', () => {
    const rows = 12;
    const p = Array.from({ length: rows * 3 }, (_, i) => ((i * 7) % 10) / 10);
    p[10 * 3 + 1] = 1.25; // in the last of three parts
    const probs = f64('threads-probs.npy', p, [rows, 3]);
    const targets = f64('threads-targets.npy', p.map((v) => (v > 0.5 ? 1 : 0)), [rows, 3]);
    const bce = spawnSync(process.execPath, [BIN, 'binary-cross-entropy', probs, targets, '-j', THREADS], { encoding: 'utf8' });
    expect(bce.status).toBe(2);
    expect(bce.stderr).toBe(
      `losscalc: ${probs}: probability 1.25 at index (10, 1) is outside [0, 1]: binary-cross-entropy takes probabilities, as F.binary_cross_entropy does (for logits use bce-logits)\n`,
    );
    const labels = i64('threads-labels.npy', Array.from({ length: rows }, (_, i) => i % 3));
    const ce = spawnSync(process.execPath, [BIN, 'ce', probs, labels, '--input', 'probs', '-j', THREADS], { encoding: 'utf8' });
    expect(ce.status).toBe(2);
    expect(ce.stderr).toBe(
      `losscalc: ${probs}: probability 1.25 at index (10, 1) is outside [0, 1]: cross-entropy with --input probs takes probabilities (for logits use --input logits)\n`,
    );
  });
});

describe('bad input and options', () => {
  const targets = f64('targets.npy', [1, 0, 1]);

  it('refuses NaN and negative probabilities, as F.binary_cross_entropy does', async () => {
    for (const [bad, shown] of [[NaN, 'NaN'], [-0.5, '-0.5']] as const) {
      const p = f64(`bad-${shown}.npy`, [0.5, bad, 0.25]);
      const out = await runCli(['bce-probs', p, targets]);
      expect(out.code).toBe(2);
      expect(out.stderr).toBe(
        `losscalc: ${p}: probability ${shown} at index 1 is outside [0, 1]: binary-cross-entropy takes probabilities, as F.binary_cross_entropy does (for logits use bce-logits)\n`,
      );
    }
  });

  it('computes targets outside [0, 1] as PyTorch 1.13 does, and warns as for bce-logits', async () => {
    const c = find('probs_bce_targets_outside01_none');
    const out = await runCli([...resolveArgv(c.argv), '--json']);
    expect(out.code).toBe(0);
    expectReport(c, JSON.parse(out.stdout) as Report);
    expect(out.stderr).toMatch(/^losscalc: warning: 3 target\(s\) outside \[0, 1\], first 1\.5 at index 0: BCE targets are probabilities/);
  });

  it('refuses targets of another shape, as F.binary_cross_entropy does', async () => {
    const out = await runCli(['binary-cross-entropy', f64('p3.npy', [0.5, 0.2, 0.9]), f64('t2.npy', [1, 0])]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/t2\.npy: labels shape \(2,\) does not fit logits shape \(3,\): binary-cross-entropy needs targets of the logits shape\n$/);
  });

  it('checks --input and where it applies', async () => {
    const p = f64('p.npy', [0.2, 0.8, 0.6, 0.4], [2, 2]);
    const y = i64('y.npy', [1, 0]);
    const cases: [string[], string][] = [
      [['ce', p, y, '--input', 'probabilities'], 'losscalc: --input must be one of logits, probs, log-probs, got "probabilities"\n'],
      [['nll', p, y, '--input', 'probs'], 'losscalc: --input does not apply to nll (it applies to cross-entropy, check)\n'],
      [['bce-probs', p, p, '--pos-weight', '2'], 'losscalc: --pos-weight does not apply to binary-cross-entropy (it applies to bce-logits, check)\n'],
      [
        ['check', p, p, '--input', 'probs'],
        'losscalc: --input probs applies to class labels; these labels have the logits shape, so check compares bce-logits with two-class cross-entropy (binary targets on probabilities: binary-cross-entropy; class probabilities: cross-entropy --input)\n',
      ],
    ];
    for (const [argv, message] of cases) {
      const out = await runCli(argv);
      expect(out.code, argv.join(' ')).toBe(2);
      expect(out.stderr).toBe(message);
    }
  });

  it('names the new mode and its alias in the help', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toContain('binary-cross-entropy');
    expect(help.stdout).toMatch(/aliases: [^)]*bce-probs/);
    const mode = await runCli(['bce-probs', '--help']);
    expect(mode.code).toBe(0);
    expect(mode.stdout).toContain('F.binary_cross_entropy(p, t, weight, reduction)');
    const ce = await runCli(['ce', '--help']);
    expect(ce.stdout).toContain('--input <logits|probs|log-probs>');
    expect(ce.stdout).toContain('F.cross_entropy(log p, y, ..., label_smoothing=ε)');
  });
});

describe('merge and --input', () => {
  it('records --input in the settings, and refuses parts computed on another kind of input', async () => {
    const p = f64('m-p.npy', [0.2, 0.8, 0.6, 0.4], [2, 2]);
    const y1 = i64('m-y1.npy', [1, 0]);
    const y2 = i64('m-y2.npy', [0, 0]);
    const a = await runCli(['ce', p, y1, '--input', 'probs', '--json']);
    const b = await runCli(['ce', p, y2, '--json']);
    expect(JSON.parse(a.stdout).settings.input).toBe('probs');
    writeFileSync(join(dir, 'a.json'), a.stdout);
    writeFileSync(join(dir, 'b.json'), b.stdout);
    const merged = await runCli(['merge', join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toBe(`losscalc: ${join(dir, 'b.json')}: input logits differs from probs in ${join(dir, 'a.json')}\n`);
  });

  it('reads a result without settings.input (from before --input) as computed on logits', async () => {
    const p = f64('m-x.npy', [0.2, 0.8, 0.6, 0.4], [2, 2]);
    const a = JSON.parse((await runCli(['ce', p, i64('m-y3.npy', [1, 0]), '--json'])).stdout);
    const b = JSON.parse((await runCli(['ce', p, i64('m-y4.npy', [0, 1]), '--json'])).stdout);
    delete a.settings.input;
    writeFileSync(join(dir, 'old-a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'new-b.json'), JSON.stringify(b));
    const merged = await runCli(['merge', join(dir, 'old-a.json'), join(dir, 'new-b.json'), '-q']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
  });
});
