/**
 * The WebAssembly kernel (kernel/, src/kernel/) against the scalar path, which is the
 * reference: exp and log against Math's, row stats on random and adversarial blocks, the
 * elementwise binary losses, the non-finite scan and the sums, each with the kernel on and off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KERNEL_MIN_VALUES, useKernelFor } from '../src/kernel/load.js';
import { kernelMath, kernelMode, kernelNonFinite, kernelNonFiniteOutside, kernelOn, kernelRowStats, kernelRowSum } from '../src/kernel/index.js';
import { isClose } from '../src/checks.js';
import { bceWithLogits } from '../src/losses/bce-with-logits.js';
import { binaryCrossEntropy } from '../src/losses/binary-cross-entropy.js';
import { blockStats, BlockStats } from '../src/losses/log-softmax.js';
import { Reducer } from '../src/losses/reduce.js';
import type { FloatArray } from '../src/tensor.js';
import { NonFiniteScan } from '../src/warnings.js';
import { seeded } from './helpers.js';
import { inMemory } from '../src/values.js';

const TOL = { rtol: 1e-12, atol: 1e-15, equalNan: true };

const bits = new BigInt64Array(1);
const word = new Float64Array(bits.buffer);
/** How many doubles lie between a and b (both >= 0, or both <= 0 given as their magnitudes): their distance in ulps. */
function ulps(a: number, b: number): number {
  word[0] = a;
  const x = bits[0];
  word[0] = b;
  return Math.abs(Number(x - bits[0]));
}

/** The largest distance in ulps between f and ref over 2e6 arguments arg(i, u), u uniform in [0, 1). */
function worstUlps(f: (x: number) => number, ref: (x: number) => number, arg: (i: number, u: number) => number): number {
  const next = seeded(1);
  let worst = 0;
  for (let i = 0; i < 2e6; i++) {
    const x = arg(i, next());
    worst = Math.max(worst, ulps(Math.abs(f(x)), Math.abs(ref(x))));
  }
  return worst;
}

/** f with the kernel off: the scalar path's result. */
function scalar<T>(f: () => T): T {
  kernelMode.scalar = true;
  try {
    return f();
  } finally {
    kernelMode.scalar = false;
  }
}

afterEach(() => {
  kernelMode.scalar = false;
});

describe('the kernel', () => {
  it('runs here (SIMD validated, dist/kernel.wasm built)', () => expect(kernelOn()).toBe(true));
  it('is off with kernelMode.scalar (LOSSCALC_KERNEL=scalar)', () => expect(scalar(() => kernelOn())).toBe(false));
  it('is off for a run of fewer logits than KERNEL_MIN_VALUES, unless LOSSCALC_KERNEL=simd', () => {
    try {
      useKernelFor(KERNEL_MIN_VALUES - 1);
      expect(kernelOn()).toBe(false);
      kernelMode.simd = true;
      expect(kernelOn()).toBe(true);
      kernelMode.simd = false;
      useKernelFor(KERNEL_MIN_VALUES);
      expect(kernelOn()).toBe(true);
    } finally {
      kernelMode.simd = false;
      useKernelFor(KERNEL_MIN_VALUES);
    }
  });
});

describe('exp', () => {
  const k = kernelMath()!;
  it('is within 1 ulp of Math.exp on 2e6 values over [-750, 0], subnormal results included', () => {
    // the whole range, the subnormal results (below -708.4), and the small arguments of r's range
    const worst = worstUlps(k.exp, Math.exp, (i, u) => (i % 3 === 0 ? -750 * u : i % 3 === 1 ? -708 - 38 * u : -0.01 * u));
    expect(worst).toBeLessThanOrEqual(1);
  });
  it('gives exp(0) = 1 exactly, 0 at -inf and far below, NaN for NaN', () => {
    expect(k.exp(0)).toBe(1);
    expect(k.exp(-0)).toBe(1);
    expect(k.exp(-Infinity)).toBe(0);
    expect(k.exp(-746)).toBe(0);
    expect(k.exp(-745)).toBe(Math.exp(-745));
    expect(k.exp(NaN)).toBeNaN();
  });
});

describe('log', () => {
  const k = kernelMath()!;
  it('is within 2 ulp of Math.log on 2e6 values in (0, 2], and exact at 1', () => {
    // [1, 2] (bce-logits), probabilities down to 1e-300, and values next to 1
    const worst = worstUlps(k.log, Math.log, (i, u) => (i % 3 === 0 ? 1 + u : i % 3 === 1 ? 10 ** (-300 * u) : 1 + (u - 0.5) * 2 ** -20));
    expect(worst).toBeLessThanOrEqual(2);
    expect(k.log(1)).toBe(0);
  });
});

/** Rows of (C, inner) values, with the given generator of values. */
function block(rows: number, C: number, inner: number, value: (i: number) => number, wide: boolean): FloatArray {
  const n = rows * C * inner;
  return wide ? Float64Array.from({ length: n }, (_, i) => value(i)) : Float32Array.from({ length: n }, (_, i) => value(i));
}

function expectStatsClose(x: FloatArray, rows: number, C: number, inner: number): void {
  const fast = new BlockStats();
  blockStats(x, rows, C, inner, fast);
  const ref = scalar(() => {
    const st = new BlockStats();
    blockStats(x, rows, C, inner, st);
    return st;
  });
  for (let k = 0; k < rows * inner; k++) {
    expect(Object.is(fast.max[k], ref.max[k]), `max of position ${k}: ${fast.max[k]} vs ${ref.max[k]}`).toBe(true);
    expect(isClose(fast.logSum[k], ref.logSum[k], TOL), `log Σ exp of position ${k}: ${fast.logSum[k]} vs ${ref.logSum[k]}`).toBe(true);
  }
  // the same bits whichever rows a block starts at: row by row
  for (let n = 0; n < rows; n++) {
    const one = new BlockStats();
    blockStats(x.subarray(n * C * inner, (n + 1) * C * inner), 1, C, inner, one);
    for (let s = 0; s < inner; s++) {
      expect(Object.is(one.logSum[s], fast.logSum[n * inner + s])).toBe(true);
    }
  }
}

describe('row stats against rowStats', () => {
  const shapes: [number, number, number][] = [];
  for (const C of [1, 2, 3, 4, 5, 7, 8, 9, 33, 1000]) for (const inner of [1, 2, 3, 5]) shapes.push([7, C, inner]);
  const kinds: Record<string, (next: () => number) => (i: number) => number> = {
    'normal logits': (next) => () => 6 * next() - 3,
    'huge logits': (next) => () => (next() - 0.5) * 6e37,
    'tiny logits': (next) => () => (next() - 0.5) * 1e-30,
    'spans past exp underflow (terms of 0 and subnormals)': (next) => () => (next() < 0.3 ? 0 : -700 - 60 * next()),
    'NaN and ±inf anywhere': (next) => () => {
      const u = next();
      return u < 0.05 ? NaN : u < 0.1 ? Infinity : u < 0.15 ? -Infinity : 10 * u;
    },
    'rows of -inf only': () => () => -Infinity,
  };
  for (const wide of [false, true]) {
    for (const [name, kind] of Object.entries(kinds)) {
      it(`${wide ? 'float64' : 'float32'}, ${name}, C 1-1000, inner 1-5, 7 rows`, () => {
        const next = seeded(3);
        for (const [rows, C, inner] of shapes) expectStatsClose(block(rows, C, inner, kind(next), wide), rows, C, inner);
      });
    }
  }
  it('float32 and float64 rows of more positions than a kernel region holds (read in pieces of positions)', () => {
    const next = seeded(4);
    for (const wide of [false, true]) expectStatsClose(block(2, 21, 20011, () => 8 * next() - 4, wide), 2, 21, 20011);
  });
  it('rows of more classes than a kernel region holds (read in pieces of classes), float32 and float64, NaN in one', () => {
    const next = seeded(5);
    for (const wide of [false, true]) {
      const x = block(2, 300001, 1, () => 8 * next() - 4, wide);
      x[300001 + 7] = NaN;
      expectStatsClose(x, 2, 300001, 1);
      // by the kernel, but for the row with the NaN
      const st = new BlockStats();
      st.fit(2);
      expect(kernelRowStats(x, 2, 300001, 1, st)).toBe(1);
    }
  });
  it('a row handed in pieces (rows wider than a block) gets the bits of the whole row', () => {
    const next = seeded(6);
    for (const C of [1, 3, 4, 9, 1001]) {
      const x = block(1, C, 1, () => 6 * next() - 3, false);
      const whole = new BlockStats();
      blockStats(x, 1, C, 1, whole);
      const sum = kernelRowSum(C, whole.max[0])!;
      for (let c0 = 0; c0 < C; ) {
        const n = Math.min(C - c0, 1 + Math.floor(next() * 7));
        sum.add(x.subarray(c0, c0 + n), c0);
        c0 += n;
      }
      expect(sum.logSum).toBe(whole.logSum[0]);
    }
  });
});

describe('bce-logits and binary-cross-entropy against the scalar path', () => {
  const values = (next: () => number, n: number, f: (u: number) => number) => Float32Array.from({ length: n }, () => f(next()));
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, 40, -40, 800, -800];
  for (const n of [1, 2, 3, 1001]) {
    it(`bce-logits, ${n} values with NaN, ±inf, 0 and large ones among them`, () => {
      const next = seeded(7 + n);
      const x = values(next, n, (u) => (u < 0.3 ? specials[Math.floor(u * 33)] : 40 * u - 20));
      const t = values(next, n, (u) => (u < 0.05 ? NaN : u < 0.5 ? 0 : u < 0.9 ? 1 : u));
      expectSameLosses(() => bceWithLogits({ data: x, shape: [n], dtype: 'float32' }, { data: t, shape: [n], dtype: 'float32' }, { reduction: 'none' }));
    });
    it(`binary-cross-entropy, ${n} probabilities with 0 and 1 among them`, () => {
      const next = seeded(8 + n);
      const p = Float64Array.from({ length: n }, () => {
        const u = next();
        return u < 0.05 ? 0 : u < 0.1 ? -0 : u < 0.2 ? 1 : u < 0.3 ? 1e-300 : u < 0.4 ? 1 - 2 ** -53 : next();
      });
      const t = values(next, n, (u) => (u < 0.5 ? 0 : u < 0.9 ? 1 : u));
      expectSameLosses(() => binaryCrossEntropy({ data: p, shape: [n], dtype: 'float64' }, { data: t, shape: [n], dtype: 'float32' }, { reduction: 'none' }));
    });
  }
  it('binary-cross-entropy: the same error for a probability outside [0, 1] in a later piece', () => {
    const p = new Float32Array(300000).fill(0.5);
    p[200000] = 1.5;
    const t = new Float32Array(300000);
    const run = () => binaryCrossEntropy({ data: p, shape: [300000], dtype: 'float32' }, { data: t, shape: [300000], dtype: 'float32' });
    const message = scalar(() => {
      try {
        run();
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(message).toMatch(/^probability 1\.5 at index 200000 is outside \[0, 1\]/);
    expect(run).toThrow(message!);
  });
});

function expectSameLosses(run: () => ReturnType<typeof bceWithLogits>): void {
  const fast = run();
  const ref = scalar(run);
  const a = fast.perSample!.toArray();
  const b = ref.perSample!.toArray();
  a.forEach((v, i) => {
    const same = Number.isFinite(b[i]) ? isClose(v, b[i], TOL) : Object.is(v, b[i]);
    expect(same, `loss ${i}: ${v} vs ${b[i]}`).toBe(true);
  });
  expect(fast.nonFinite).toEqual(ref.nonFinite);
  expect(fast.count).toBe(ref.count);
  expect(isClose(fast.sum, ref.sum, TOL), `sum ${fast.sum} vs ${ref.sum}`).toBe(true);
}

describe('Reducer.addLosses', () => {
  for (const on of [true, false]) {
    it(`adds as add() does, to the bit, across chunks (kernel ${on ? 'on' : 'off'})`, () => {
      const next = seeded(9);
      const losses = Float64Array.from({ length: 20000 }, (_, i) => (i === 7000 ? NaN : i === 9000 ? Infinity : next() * 10 ** (8 * next() - 4)));
      const one = new Reducer([20000], 'keep');
      losses.forEach((l, i) => one.add(i, l));
      const blocks = new Reducer([20000], 'keep');
      kernelMode.scalar = !on;
      for (let i = 0; i < losses.length; i += 3001) blocks.addLosses(i, losses.subarray(i, Math.min(losses.length, i + 3001)));
      kernelMode.scalar = false;
      const [a, b] = [one.finish('sum'), blocks.finish('sum')];
      expect(b.exact).toEqual(a.exact);
      expect(b.nonFinite).toEqual(a.nonFinite);
      expect([b.count, b.weightSum]).toEqual([a.count, a.weightSum]);
      expect(b.perSample!.toArray()).toEqual(a.perSample!.toArray());
      // without the NaN and inf, the sums themselves
      const finite = new Reducer([20000], 'drop');
      const finiteOne = new Reducer([20000], 'drop');
      const clean = losses.map((l) => (Number.isFinite(l) ? l : 0));
      clean.forEach((l, i) => finiteOne.add(i, l));
      kernelMode.scalar = !on;
      finite.addLosses(0, clean);
      kernelMode.scalar = false;
      expect(finite.finish('sum').exact).toEqual(finiteOne.finish('sum').exact);
    });
  }
});

describe('the counting scans', () => {
  const scans = {
    'NaN and ±inf (the non-finite scan)': { kernel: kernelNonFinite, counts: (v: number) => !Number.isFinite(v) },
    'non-finite, counted with outside [0, 1]': { kernel: (x: FloatArray) => kernelNonFiniteOutside(x, 0, 1)?.[0], counts: (v: number) => !Number.isFinite(v) },
    'outside [0, 1], NaN not counted (BCE targets), counted with non-finite': { kernel: (x: FloatArray) => kernelNonFiniteOutside(x, 0, 1)?.[1], counts: (v: number) => v < 0 || v > 1 },
  };
  for (const [name, { kernel, counts }] of Object.entries(scans)) {
    it(`${name}: the count and the first as a scalar loop finds them, float32 and float64, any length`, () => {
      const next = seeded(10);
      for (const n of [0, 1, 15, 16, 17, 100, 300001]) {
        for (const wide of [false, true]) {
          const x = block(1, n, 1, () => {
            const u = next();
            return u < 0.001 ? NaN : u < 0.002 ? -Infinity : u < 0.003 ? -0.5 : u < 0.004 ? 1 + 2 ** -20 : u;
          }, wide);
          let count = 0;
          let first = -1;
          x.forEach((v, i) => {
            if (counts(v) && count++ === 0) first = i;
          });
          expect(kernel(x)).toEqual({ count, first });
        }
      }
    });
  }
  it('NonFiniteScan counts through it as through its own loop', () => {
    const x = Float32Array.from({ length: 100000 }, (_, i) => (i % 9999 === 5 ? NaN : i));
    const counted = () => {
      const scan = new NonFiniteScan();
      scan.observe(inMemory({ data: x, shape: [x.length], dtype: 'float32' })).read(1, 0, x.length, () => {});
      return [scan.count, scan.first];
    };
    const nan = x.filter(Number.isNaN).length;
    expect(counted()).toEqual([nan, 5]);
    expect(scalar(counted)).toEqual([nan, 5]);
  });
});
