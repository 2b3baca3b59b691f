/**
 * The built binary, spawned as a user runs it: exit codes, stdout, stderr. Values are
 * checked against PyTorch in cases.test.ts; here it is the contract around them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { FIXTURES } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];

function losscalc(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'losscalc-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const logits = file('logits.csv', '1,2,3\n0.5,0.1,-1\n');
const labels = file('labels.csv', '2\n0\n');

/** One line on stderr, the losscalc prefix, no stack trace. */
function expectOneLineError(r: { stderr: string }, ...parts: string[]): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^losscalc: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe('losscalc binary', () => {
  it('prints a human result and exits 0', () => {
    const r = losscalc(['ce', ...EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cross-entropy {2}\d+\.\d+/);
    expect(r.stdout).toContain('reduction mean');
    expect(r.stderr).toBe('');
  });

  it('check on the example runs every way and passes', () => {
    const r = losscalc(['check', ...EXAMPLE]);
    expect(r.code).toBe(0);
    for (const way of ['cross-entropy', 'nll', 'gather', 'cross-entropy-onehot']) expect(r.stdout).toContain(way);
    expect(r.stdout).toContain('all 3 checks passed');
  });

  it('--json writes one object with the documented fields', () => {
    const r = losscalc(['ce', logits, labels, '--json', '--reduction', 'none']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['mode', 'reduction', 'loss', 'count', 'shapes', 'perSample', 'checks', 'ok']) expect(j).toHaveProperty(k);
    expect(j.mode).toBe('cross-entropy');
    expect(j.shapes).toEqual({ logits: [2, 3], labels: [2] });
    expect(j.loss).toHaveLength(2);
    expect(j.perSample).toEqual(j.loss);
    expect(j.count).toBe(2);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it("each mode's --help lists the flags that apply to it; another mode's flag is still refused by name", () => {
    const help = (mode: string) => losscalc([mode, '--help']).stdout;
    for (const flag of ['--weight', '--label-smoothing', '--pos-weight', '--log-softmax', '--input']) expect(help('gather')).not.toContain(flag);
    for (const flag of ['--ignore-index', '--class-dim', '--label-smoothing', '--topk', '--input']) expect(help('bce-logits')).not.toContain(flag);
    for (const flag of ['--metrics', '--bins', '--topk', '--log-softmax']) expect(help('check')).not.toContain(flag);
    for (const flag of ['--weight', '--label-smoothing', '--ignore-index', '--class-dim', '--input', '--metrics', '--topk']) expect(help('cross-entropy')).toContain(flag);
    expect(help('nll')).toContain('--log-softmax');
    expect(help('bce-logits')).toContain('--pos-weight');
    const r = losscalc(['gather', logits, labels, '--label-smoothing', '0.1']);
    expect([r.code, r.stderr]).toEqual([2, 'losscalc: --label-smoothing does not apply to gather (it applies to cross-entropy, check)\n']);
  });

  it('--expect: exit 0 when close, 1 when not, and the result is still printed', () => {
    const j = JSON.parse(losscalc(['ce', logits, labels, '--json']).stdout);
    expect(losscalc(['ce', logits, labels, '--expect', String(j.loss)]).code).toBe(0);
    const off = losscalc(['ce', logits, labels, '--expect', String(j.loss * 1.001), '--json']);
    expect(off.code).toBe(1);
    const out = JSON.parse(off.stdout);
    expect(out.ok).toBe(false);
    expect(out.checks[0]).toMatchObject({ name: 'expect', ok: false });
    expect(out.loss).toBe(j.loss);
    // a looser tolerance accepts the same number
    expect(losscalc(['ce', logits, labels, '--expect', String(j.loss * 1.001), '--rtol', '1e-2']).code).toBe(0);
    // -q: the bare loss on stdout; why the exit is 1 on stderr, the check's line
    const quiet = losscalc(['ce', logits, labels, '--expect', String(j.loss * 1.001), '-q']);
    expect(quiet).toMatchObject({ code: 1, stdout: `${j.loss}\n` });
    expect(quiet.stderr).toBe(`losscalc: FAIL expect: ${j.loss} vs ${j.loss * 1.001}, |diff| ${Math.abs(j.loss - j.loss * 1.001)}\n`);
    expect(losscalc(['ce', logits, labels, '--expect', String(j.loss), '-q'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('--reference: a scalar for mean, an array for none', () => {
    const none = JSON.parse(losscalc(['ce', logits, labels, '--json', '--reduction', 'none']).stdout);
    const mean = JSON.parse(losscalc(['ce', logits, labels, '--json']).stdout);
    expect(losscalc(['ce', logits, labels, '--reference', file('ref.json', JSON.stringify(mean.loss))]).code).toBe(0);
    expect(losscalc(['ce', logits, labels, '--reference', file('bad.json', String(mean.loss + 1))]).code).toBe(1);
    const arr = file('ref-none.json', JSON.stringify(none.loss));
    expect(losscalc(['ce', logits, labels, '--reduction', 'none', '--reference', arr]).code).toBe(0);
    const shifted = file('ref-shift.json', JSON.stringify([none.loss[0], none.loss[1] + 0.5]));
    const r = losscalc(['ce', logits, labels, '--reduction', 'none', '--reference', shifted, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).checks[0]).toMatchObject({ name: 'reference', ok: false, index: 1 });
    const wrongSize = losscalc(['ce', logits, labels, '--reference', arr]);
    expect(wrongSize.code).toBe(2);
    expectOneLineError(wrongSize, arr, 'expected one value');
  });

  it('check: the exit code follows the reported checks, also at zero tolerance', () => {
    // atol 0 and rtol 0 demand bit-identical results; fused and materialised paths differ in the last bits
    // for these logits, so a strict check must fail while the default one passes
    const big = file('big.csv', Array.from({ length: 64 }, (_, i) => [Math.sin(i) * 30, Math.cos(i * 7) * 30, i / 3].join(',')).join('\n'));
    const y = file('big-labels.csv', Array.from({ length: 64 }, (_, i) => String(i % 3)).join('\n'));
    expect(losscalc(['check', big, y]).code).toBe(0);
    const strict = losscalc(['check', big, y, '--rtol', '0', '--atol', '0', '--json']);
    const j = JSON.parse(strict.stdout);
    expect(strict.code).toBe(j.checks.every((c: { ok: boolean }) => c.ok) ? 0 : 1);
  });

  it('takes logits and labels as flags too: -l, -y, --labels, --targets', () => {
    const want = losscalc(['ce', logits, labels, '--json']).stdout;
    expect(JSON.parse(want).loss).toBeGreaterThan(0);
    expect(losscalc(['ce', '-l', logits, '-y', labels, '--json']).stdout).toBe(want);
    expect(losscalc(['ce', '--logits', logits, '--labels', labels, '--json']).stdout).toBe(want);
    expect(losscalc(['ce', '--logits', logits, '--targets', labels, '--json']).stdout).toBe(want);
    expect(losscalc(['ce', logits, '--targets', labels, '--json']).stdout).toBe(want);
  });

  it('prints help with examples for each mode, and the version', () => {
    const h = losscalc(['ce', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(h.stdout).toContain('--label-smoothing');
    const v = losscalc(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('warns about BCE targets outside [0, 1] on stderr, keeping stdout clean', () => {
    const x = file('bx.csv', '0.5\n-1\n2\n');
    const t = file('bt.csv', '1\n-1\n1\n');
    const r = losscalc(['bce', x, t, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: 1 target(s) outside [0, 1], first -1 at index 1');
    expect(JSON.parse(r.stdout).warnings).toHaveLength(1);
  });

  it('colour: none in a pipe, forced by FORCE_COLOR, off again with --no-color or NO_COLOR', () => {
    const esc = '\u001b[';
    expect(losscalc(['check', ...EXAMPLE]).stdout).not.toContain(esc);
    expect(losscalc(['check', ...EXAMPLE], { FORCE_COLOR: '1' }).stdout).toContain(esc);
    expect(losscalc(['check', ...EXAMPLE, '--no-color'], { FORCE_COLOR: '1' }).stdout).not.toContain(esc);
    expect(losscalc(['check', ...EXAMPLE], { NO_COLOR: '1' }).stdout).not.toContain(esc);
  });
});

describe('usage errors exit 2 with one line', () => {
  const cases: [string, string[], string[]][] = [
    ['no arguments', [], []],
    ['unknown mode', ['crossentropy', logits, labels], ['unknown mode']],
    ['unknown option', ['ce', logits, labels, '--frobnicate'], ['unknown option']],
    ['bad reduction', ['ce', logits, labels, '--reduction', 'avg'], ['--reduction must be one of mean, sum, none']],
    ['label smoothing above 1', ['ce', logits, labels, '--label-smoothing', '1.5'], ['--label-smoothing must be in [0, 1]']],
    ['label smoothing not a number', ['ce', logits, labels, '--label-smoothing', 'x'], ['--label-smoothing needs a number']],
    ['weight on gather', ['gather', logits, labels, '--weight', '1,2,3'], ['--weight does not apply to gather']],
    ['label smoothing on gather', ['gather', logits, labels, '--label-smoothing', '0.1'], ['--label-smoothing does not apply to gather']],
    ['pos-weight on ce', ['ce', logits, labels, '--pos-weight', '2'], ['--pos-weight does not apply to cross-entropy']],
    ['log-softmax on ce', ['ce', logits, labels, '--log-softmax'], ['--log-softmax does not apply']],
    ['non-integer ignore index', ['ce', logits, labels, '--ignore-index', '1.5'], ['--ignore-index must be an integer']],
    ['ignore index beyond 2^53', ['ce', logits, labels, '--ignore-index', '9007199254740993'], ['--ignore-index must be within ±2^53 (9007199254740991), where every integer is exact, got 9007199254740993']],
    ['negative rtol', ['ce', logits, labels, '--rtol', '-1'], ['--rtol must be a finite number >= 0']],
    ['expect with none', ['ce', logits, labels, '--expect', '1', '--reduction', 'none'], ['--reference']],
    ['missing labels', ['ce', logits], ['missing labels']],
    ['too many arguments', ['ce', logits, labels, labels], ['too many arguments']],
  ];
  for (const [what, args, parts] of cases) {
    it(what, () => {
      const r = losscalc(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      if (args.length === 0) expect(r.stderr).toContain('Usage: losscalc');
      else expectOneLineError(r, ...parts);
    });
  }
});

describe('input errors exit 2 naming the file and the place', () => {
  const sub = join(dir, 'a-directory');
  mkdirSync(sub, { recursive: true });
  const cases: [string, () => string[], (args: string[]) => string[]][] = [
    ['missing file', () => ['ce', join(dir, 'nope.csv'), labels], (a) => [a[1], 'no such file']],
    ['a directory', () => ['ce', sub, labels], (a) => [a[1], 'is a directory']],
    ['label out of range', () => ['ce', logits, file('oor.csv', '2\n3\n')], (a) => [a[2], 'label 3 at index 1 is outside [0, 3)']],
    ['negative label', () => ['nll', logits, file('neg.csv', '-1\n0\n')], (a) => [a[2], 'label -1 at index 0 is outside [0, 3)']],
    ['non-integer label', () => ['gather', logits, file('frac.csv', '0.5\n0\n')], (a) => [a[2], 'label 0.5 at index 0 is not an integer']],
    ['NaN label', () => ['ce', logits, file('nan.csv', 'nan\n0\n')], (a) => [a[2], 'label NaN at index 0']],
    ['labels shape', () => ['ce', logits, file('three.csv', '0\n1\n2\n')], (a) => [a[2], 'labels shape (3,) does not fit logits shape (2, 3)']],
    ['bce shape', () => ['bce', logits, labels], (a) => [a[2], 'labels shape (2,) does not fit logits shape (2, 3)']],
    ['weight size', () => ['ce', logits, labels, '--weight', '1,2'], () => ['--weight', 'weight has shape (2,), expected (3,)']],
    ['weight file size', () => ['ce', logits, labels, '--weight', file('w.csv', '1\n2\n')], (a) => [a[4], 'expected (3,)']],
    ['pos-weight size', () => ['bce', logits, file('t.csv', '0,1,0\n1,0,1\n'), '--pos-weight', '1,2'], () => ['--pos-weight', 'does not broadcast to logits shape (2, 3)']],
    ['ignore index with probabilities', () => ['ce', logits, file('p.csv', '0,0,1\n1,0,0\n'), '--ignore-index', '0'], (a) => [a[2], 'ignore_index is not supported']],
    ['check: label smoothing with binary labels', () => ['check', logits, file('bin.csv', '0,1,0\n1,0,1\n'), '--label-smoothing', '0.1'], () => ['--label-smoothing applies to class labels']],
    ['check: pos-weight with class labels', () => ['check', logits, labels, '--pos-weight', '2'], () => ['--pos-weight applies to binary targets']],
    ['reference of another shape', () => ['ce', logits, labels, '--reduction', 'none', '--reference', file('ref21.json', '[[1], [2]]')], (a) => [a[6], "expected the loss's shape (2,)"]],
    ['non-numeric CSV cell', () => ['ce', file('bad.csv', '1,2,3\n4,x,6\n'), labels], (a) => [a[1], 'line 2']],
  ];
  for (const [what, argsOf, partsOf] of cases) {
    it(what, () => {
      const args = argsOf();
      const r = losscalc(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expectOneLineError(r, ...partsOf(args));
    });
  }
});

describe('a closed pipe', () => {
  it('ends quietly when the reader goes away (losscalc ... | head -1)', async () => {
    const { spawn } = await import('node:child_process');
    const rows = 200_000;
    const x = file('pipe-x.csv', Array.from({ length: rows }, (_, i) => `${i % 7},${i % 3}`).join('\n'));
    const y = file('pipe-y.csv', Array.from({ length: rows }, (_, i) => String(i % 2)).join('\n'));
    const child = spawn(process.execPath, [BIN, 'ce', x, y, '--reduction', 'none', '-q']);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('standard input', () => {
  it('reads - and -:key as arguments, the same loss as from the files', () => {
    const dir2 = join(FIXTURES, 'losses', 'fmt_npz_savez_keys_mean');
    const npz = join(dir2, 'dump.npz');
    const want = losscalc(['ce', `${npz}:logits`, `${npz}:labels`, '-q']).stdout;
    expect(want).toMatch(/^\d/);
    const r = spawnSync(process.execPath, [BIN, 'ce', '-:logits', '-:labels', '-q'], { input: readFileSync(npz), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(want);
    const csv = spawnSync(process.execPath, [BIN, 'ce', '-', EXAMPLE[1], '-q'], { input: readFileSync(EXAMPLE[0]), encoding: 'utf8' });
    expect(csv.stdout).toBe(losscalc(['ce', ...EXAMPLE, '-q']).stdout);
  });
});

describe('--header and --no-header', () => {
  const io = join(FIXTURES, 'io');
  const manifest = JSON.parse(readFileSync(join(io, 'expected.json'), 'utf8')) as {
    files: Record<string, { shape: number[]; values: number[] }>;
    cli: { argv: string[]; loss: number }[];
  };

  // pandas' files, npz keys; one file with everything and gzip in test/io/inputs.test.ts too
  it.each(manifest.cli.map((c) => [c.argv.join(' '), c] as const))("fixtures/io: %s is PyTorch's loss", (_, c) => {
    const argv = c.argv.map((a) => (existsSync(join(io, a.replace(/:[^:]*$/, ''))) ? join(io, a) : a));
    const r = losscalc([...argv, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const loss = (JSON.parse(r.stdout) as { loss: number }).loss;
    expect(Math.abs(loss - c.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(c.loss));
  });

  it('decide for every CSV input, labels and compare operands too', () => {
    const columns = join(io, 'pandas_columns.csv');
    const labelsFile = join(io, 'pandas_labels.csv');
    // without --header the labels' "0" is a label: one too many for the logits
    const r = losscalc(['ce', columns, labelsFile]);
    expect(r.code).toBe(2);
    expectOneLineError(r, 'labels shape (5,) does not fit logits shape (4, 3)');
    const npy = join(dir, 'labels.npy');
    const { values } = manifest.files['pandas_labels.csv'];
    writeFileSync(npy, encodeNpy({ data: Float64Array.from(values), shape: [values.length], dtype: 'float64' }));
    expect(losscalc(['compare', labelsFile, npy, '--header']).code).toBe(0);
    expect(losscalc(['compare', labelsFile, npy]).code).toBe(1);
    const h = losscalc(['compare', labelsFile, npy, '--no-header', '--json']);
    expect((JSON.parse(h.stdout) as { ok: boolean }).ok).toBe(false);
  });

  it('--no-header makes a header row an error at its first name', () => {
    const r = losscalc(['ce', file('named.csv', 'a,b,c\n1,2,3\n'), labels, '--no-header']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`losscalc: ${join(dir, 'named.csv')}: line 1, column 1: "a" is not a number\n`);
  });

  it('are in the help of the loss modes and compare', () => {
    for (const mode of ['ce', 'bce', 'compare']) {
      const help = losscalc([mode, '--help']).stdout;
      expect(help).toContain('--header');
      expect(help).toContain('--no-header');
    }
  });
});
