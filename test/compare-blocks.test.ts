/**
 * compare reads both operands in blocks. Every fixture pair (fixtures/compare.json, made by
 * scripts/make_fixtures.py with numpy and torch.isclose; cases.test.ts checks the statistics)
 * read in blocks of 64 bytes gives the report it gives in one block, byte for byte; the
 * `blocks_*` pairs hold more differences than the median may keep at that size, so their median
 * is found by reading again. Larger pairs are generated here, and Values handing out a few
 * values at a time go through compareArrays.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE } from '../src/checks.js';
import { compareArrays } from '../src/compare.js';
import { MedianSelection } from '../src/median.js';
import { encodeNpy } from '../src/io/npy.js';
import { openNpyFile, streaming } from '../src/io/npy-file.js';
import type { Storage, Tensor } from '../src/tensor.js';
import type { Values } from '../src/values.js';
import { FIXTURES, readJson, runCli, seeded, type RunOutput } from './helpers.js';

/** The CLI run twice: in blocks of the usual size, then of `bytes`. */
async function wholeAndBlocks(argv: string[], bytes = 64): Promise<[RunOutput, RunOutput]> {
  const whole = await runCli(argv);
  const saved = streaming.blockBytes;
  streaming.blockBytes = bytes;
  try {
    return [whole, await runCli(argv)];
  } finally {
    streaming.blockBytes = saved;
  }
}

describe('every fixture pair, in blocks of 64 bytes, as in one block', () => {
  const cases = readJson<{ name: string; argv: string[] }[]>(join(FIXTURES, 'compare.json'));
  it('has pairs larger than the median keeps at that size', () => {
    expect(cases.filter((c) => c.name.startsWith('blocks_')).length).toBeGreaterThan(5);
  });
  for (const c of cases) {
    const argv = c.argv.map((a, i) => (i > 0 && a.startsWith('compare/') ? join(FIXTURES, a) : a));
    it(c.name, async () => {
      for (const output of [['--json'], []]) {
        const [whole, blocks] = await wholeAndBlocks([...argv, ...output]);
        expect(whole.stderr).toBe('');
        expect(blocks).toEqual(whole);
      }
    });
  }
});

describe('generated files larger than a block', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-compare-blocks-'));
  const next = seeded(11);
  const n = 6000;
  const b = Float32Array.from({ length: n }, () => next() * 4 - 2);
  // a perturbed copy: a third exactly equal, the rest off by up to 1e-4 relative, a few NaN and inf
  const a = Float64Array.from(b, (v, i) => (i % 3 === 0 ? v : v * (1 + (next() - 0.5) * 2e-4)));
  a[17] = NaN;
  a[4000] = Infinity;
  const file = (name: string, t: Tensor) => {
    const path = join(dir, name);
    writeFileSync(path, encodeNpy(t));
    return path;
  };
  const b32 = file('b32.npy', { data: b, shape: [n / 6, 6], dtype: 'float32' });
  const a64 = file('a64.npy', { data: a, shape: [n / 6, 6], dtype: 'float64' });
  const a32 = file('a32.npy', { data: Float32Array.from(a), shape: [n / 6, 6], dtype: 'float32' });
  const cell = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : String(v));
  const csv = join(dir, 'a.csv');
  writeFileSync(csv, Array.from({ length: n / 6 }, (_, r) => Array.from(a.subarray(r * 6, r * 6 + 6), cell).join(',')).join('\n') + '\n');

  it('float32 against float32, float64 (blocks of other lengths) and CSV, in blocks of 256 bytes', async () => {
    for (const x of [a32, a64, csv]) {
      for (const flags of [['--json'], ['--equal-nan', '--rtol', '1e-4'], ['--atol', '1e-3', '--json']]) {
        const [whole, blocks] = await wholeAndBlocks(['compare', x, b32, ...flags], 256);
        expect(whole.code, whole.stderr).toBe(1);
        expect(blocks).toEqual(whole);
      }
    }
  });

  it('int64 beyond 2^53 against CSV integers written beyond 2^53, in blocks of 64 bytes', async () => {
    const m = 500;
    const ints = BigInt64Array.from({ length: m }, (_, i) => 2n ** 60n + BigInt(Math.floor(next() * 1000)) * BigInt(i % 4));
    const int64 = file('ints.npy', { data: ints, shape: [m], dtype: 'int64' });
    const text = join(dir, 'ints.csv');
    writeFileSync(text, Array.from(ints, (v, i) => String(v + BigInt(i % 5 === 0 ? 1 : 0))).join('\n') + '\n');
    for (const argv of [['compare', text, int64], ['compare', int64, text]]) {
      const [whole, blocks] = await wholeAndBlocks([...argv, '--rtol', '0', '--atol', '0', '--json']);
      expect(JSON.parse(whole.stdout).mismatches).toBe(m / 5);
      expect(blocks).toEqual(whole);
    }
  });
});

/** `t` as Values that hand out at most `most` values per visit, each a copy of its own. */
function inPieces(t: Tensor, most: number): Values {
  return {
    shape: t.shape,
    dtype: t.dtype,
    read(unit, start, end, visit) {
      for (let first = start; first < end; first += most) {
        const count = Math.min(most, end - first);
        visit(t.data.slice(first * unit, (first + count) * unit) as Storage, first, count);
      }
    },
  };
}

describe('compareArrays over Values', () => {
  const next = seeded(5);
  const n = 5000;
  // differences with ties (0, 1, 2 exactly), a spread of sizes, infinities and NaN
  const b = Float64Array.from({ length: n }, () => Math.round(next() * 100));
  const a = Float64Array.from(b, (v, i) => [v, v + 1, v + 2, v + next() * 10 ** (next() * 10 - 5), Infinity, NaN][i % 6]);
  const [ta, tb]: Tensor[] = [a, b].map((data) => ({ data, shape: [n], dtype: 'float64' }));
  const whole = compareArrays(ta, tb, DEFAULT_TOLERANCE);

  it('in pieces of other lengths on each side, as in one block', () => {
    for (const most of [1, 7, 64, 999]) {
      const got = compareArrays(inPieces(ta, most), inPieces(tb, 3 * most + 1), DEFAULT_TOLERANCE, { medianValues: 4 * most });
      expect(got).toEqual(whole);
    }
  });

  it('the median is the same whatever it may keep: from all differences down to one', () => {
    for (const count of [n, n - 1, 2, 1]) {
      const [x, y] = [ta, tb].map((t) => ({ ...t, data: t.data.subarray(0, count), shape: [count] }));
      const sorted = compareArrays(x, y, DEFAULT_TOLERANCE).medianAbsDiff;
      for (const medianValues of [1, 2, 3, 50, count - 1]) {
        expect(compareArrays(x, y, DEFAULT_TOLERANCE, { medianValues }).medianAbsDiff, `${count} ${medianValues}`).toBe(sorted);
      }
    }
  });
});

describe('MedianSelection', () => {
  /** The median of `values` fed pass after pass, keeping at most `limit`; the passes it took. */
  function select(values: number[], limit: number): { value: number; passes: number } {
    const m = new MedianSelection(values.length, limit);
    let passes = 0;
    for (;;) {
      values.forEach((v) => m.add(v));
      passes++;
      if (m.endPass()) return { value: m.value, passes };
    }
  }
  const sortedMedian = (values: number[]) => select(values, values.length).value;

  it('keeps and sorts when the values fit: one pass', () => {
    expect(select([3, 1, 2], 3)).toEqual({ value: 2, passes: 1 });
    expect(select([], 0).value).toBeNaN();
  });

  it('values alike in all but their last bits: a digit at a time, at most four passes', () => {
    const ulp = 2 ** -52;
    const values = Array.from({ length: 200 }, (_, k) => 1 + ((k * 37) % 200) * ulp);
    expect(select(values, 3)).toEqual({ value: sortedMedian(values), passes: 4 });
  });

  it('the middle ranks in different bins, and a bin of equal values, need no pass to sort', () => {
    const values = [...Array(150).fill(1), ...Array(150).fill(2)];
    expect(select(values, 10)).toEqual({ value: 1.5, passes: 1 });
    expect(select([...values, 0, Infinity, Infinity], 10)).toEqual({ value: sortedMedian([...values, 0, Infinity, Infinity]), passes: 1 });
  });

  it('zeros, subnormals, the largest float64 and infinity, in any number', () => {
    const next = seeded(3);
    const pool = [0, 5e-324, 1e-310, Number.MIN_VALUE * 3, 1e-300, 0.5, 1, 1e300, Number.MAX_VALUE, Infinity];
    for (let trial = 0; trial < 40; trial++) {
      const values = Array.from({ length: 1 + Math.floor(next() * 300) }, () => (next() < 0.5 ? pool[Math.floor(next() * pool.length)] : next() * 2 ** (next() * 60 - 30)));
      expect(select(values, 1 + Math.floor(next() * 20)).value).toBe(sortedMedian(values));
    }
  });
});

describe('an NPY file read beside another', () => {
  it('reuses its buffer from one read to the next, and a read within a read gets its own', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'losscalc-npy-')), 'x.npy');
    writeFileSync(path, encodeNpy({ data: Float64Array.from({ length: 64 }, (_, i) => i), shape: [64], dtype: 'float64' }));
    const v = openNpyFile(path)!;
    const buffers: ArrayBufferLike[] = [];
    v.read(1, 0, 8, (d) => buffers.push(d.buffer));
    v.read(1, 8, 16, (d) => buffers.push(d.buffer));
    expect(buffers[1]).toBe(buffers[0]);
    v.read(1, 16, 24, (outer) => {
      v.read(1, 40, 48, (inner) => expect(inner.buffer).not.toBe(outer.buffer));
      expect(Array.from(outer)).toEqual(Array.from({ length: 8 }, (_, i) => 16 + i));
    });
  });
});
