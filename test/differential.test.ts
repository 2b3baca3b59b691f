/**
 * Differential test against PyTorch: seeded random configurations (every mode, file dtype,
 * shape, weight, ignore_index, label smoothing and reduction; scripts/make_differential.py)
 * and the corners around them. Each one's NPY files are written, run in-process through the
 * CLI, and must give PyTorch's float64 result (rtol 1e-12, atol 1e-15, NaN = NaN, the same
 * infinities), or exit 2 with one line where PyTorch raised. Batched ones run again in
 * blocks of 64 bytes (rows cross block boundaries), and a sample on three threads.
 * LOSSCALC_DIFFERENTIAL=<file> runs a longer set made by the same script (--count, --out).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import type { DType, Storage } from '../src/tensor.js';
import { expectClose, inBlocksOf } from './cases.js';
import { FIXTURES, readJson, runCli, toNumber, type Expected, THREADS } from './helpers.js';

interface ArrayFile {
  dtype: DType;
  shape: number[];
  data: (number | string | boolean)[];
}

interface Config {
  name: string;
  argv: string[];
  files: Record<'logits' | 'labels' | 'weight' | 'pos-weight', ArrayFile | undefined>;
  loss?: Expected;
  raised?: string;
}

const source = process.env.LOSSCALC_DIFFERENTIAL ?? join(FIXTURES, 'differential.json');
const { configs } = readJson<{ configs: Config[] }>(source);

const STORAGE: Partial<Record<DType, new (values: ArrayLike<number>) => Storage>> = {
  float64: Float64Array,
  float32: Float32Array,
  float16: Float32Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** The NPY bytes of a fixture array: its values are exact in its dtype. */
function npy(a: ArrayFile): Uint8Array {
  const values = a.data.map((v) => (typeof v === 'boolean' ? Number(v) : toNumber(v)));
  const data = a.dtype === 'int64' ? BigInt64Array.from(values.map(BigInt)) : new STORAGE[a.dtype]!(values);
  return encodeNpy({ data, shape: a.shape, dtype: a.dtype });
}

const dir = mkdtempSync(join(tmpdir(), 'losscalc-differential-'));

/** The config's files written (once), and its argv with their paths. */
function argvOf(c: Config, i: number): string[] {
  const path = (key: keyof Config['files']) => {
    const p = join(dir, `${i}-${key}.npy`);
    writeFileSync(p, npy(c.files[key]!));
    return p;
  };
  const [mode, ...flags] = c.argv;
  const argv = [mode, path('logits'), path('labels'), ...flags];
  for (const key of ['weight', 'pos-weight'] as const) if (c.files[key]) argv.push(`--${key}`, path(key));
  return argv;
}

/** PyTorch's result, or its refusal, against what losscalc printed. */
function expectPyTorch(c: Config, out: { code: number | null; stdout: string; stderr: string }): void {
  if (c.raised !== undefined) {
    expect(out.code, `PyTorch raised "${c.raised}"; losscalc printed ${out.stdout}`).toBe(2);
    expect(out.stderr).toMatch(/^losscalc: [^\n]+\n$/);
    return;
  }
  expect(out.stderr.includes('internal error'), out.stderr).toBe(false);
  expect(out.code, out.stderr).toBe(0);
  expectClose((JSON.parse(out.stdout) as { loss: Expected }).loss, c.loss!, 'loss');
}

const batched = (c: Config) => c.files.logits!.shape.length >= 2 && c.files.logits!.shape[0] >= 2;

describe(`PyTorch on random configurations (${configs.length})`, () => {
  it('has the corners and hundreds of random configurations', () => {
    expect(configs.filter((c) => c.name.startsWith('corner ')).length).toBeGreaterThan(100);
    expect(configs.length).toBeGreaterThan(1000);
  });

  configs.forEach((c, i) => {
    it(c.name, async () => expectPyTorch(c, await runCli([...argvOf(c, i), '--json'])));
  });
});

describe('the batched ones read in blocks of 64 bytes', () => {
  inBlocksOf(64);
  configs.forEach((c, i) => {
    if (batched(c)) it(c.name, async () => expectPyTorch(c, await runCli([...argvOf(c, i), '--json'])));
  });
});

describe('a sample on three threads (the built binary)', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
  const sample = configs.map((c, i) => [c, i] as const).filter(([c]) => batched(c) && c.files.logits!.shape[0] >= 3);
  const every = Math.ceil(sample.length / 24);
  sample.forEach(([c, i], k) => {
    if (k % every !== 0) return;
    it(c.name, () => {
      const r = spawnSync(process.execPath, [BIN, ...argvOf(c, i), '--json', '-j', THREADS], { encoding: 'utf8' });
      expectPyTorch(c, { code: r.status, stdout: r.stdout, stderr: r.stderr });
    });
  });
});

/** The refusals above say which weight shape would do (PyTorch's own checks: tensor.ts). */
describe('class weights of a shape PyTorch refuses', () => {
  const file = (name: string, values: number[], shape: number[], dtype: DType = 'float64') => {
    const p = join(dir, name);
    writeFileSync(p, npy({ dtype, shape, data: values }));
    return p;
  };
  const x41 = file('x41.npy', [0.5, -1, 2, 0], [4, 1]);
  const y4 = file('y4.npy', [0, 0, 0, 0], [4], 'int64');
  const x232 = file('x232.npy', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
  const y22 = file('y22.npy', [0, 1, 2, 0], [2, 2], 'int64');
  const cases: [string, string[], string][] = [
    ['a 0-d weight with C = 1, (N, 1) logits', ['ce', x41, y4, '--weight', file('w0d.npy', [0.5], [])], 'weight has shape (), expected (1,)'],
    ['a (1, C) weight with (N, C) logits', ['nll', x41, y4, '--weight', file('w11.npy', [1], [1, 1])], 'weight has shape (1, 1), expected (1,)'],
    ['(1, C) with label smoothing', ['ce', x232, y22, '--label-smoothing', '0.1', '--weight', file('w13.npy', [1, 2, 3], [1, 3])], 'weight has shape (1, 3), expected (3,)'],
    ['(C, 1) with label smoothing, mean', ['ce', x232, y22, '--label-smoothing', '0.1', '--weight', file('w31.npy', [1, 2, 3], [3, 1])], 'weight has shape (3, 1), expected (3,)'],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => {
      const out = await runCli(argv);
      expect(out.code).toBe(2);
      expect(out.stderr).toBe(`losscalc: ${argv[argv.length - 1]}: ${message}: one weight per class\n`);
    });
  }
});
