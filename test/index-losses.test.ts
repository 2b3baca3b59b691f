/**
 * Class-index cross-entropy's per-position losses in the kernel (kernel/index-losses.ts through
 * kernelIndexLosses) against the scalar path, which is the reference: random labels with
 * ignore_index among them, class weights or none, inner of odd sizes, batch rows split into
 * slices of positions (copied, or read where they lie), NaN and ±inf among the logits; and the
 * Reducer's bulk entry with weights.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isClose } from '../src/checks.js';
import { kernelClassLabels, kernelIndexLosses, kernelMode, kernelScanning } from '../src/kernel/index.js';
import { giveReadRegion, takeReadRegion } from '../src/kernel/read-regions.js';
import { kernel } from '../src/kernel/views.js';
import { crossEntropy } from '../src/losses/cross-entropy.js';
import { blockStats, BlockStats } from '../src/losses/log-softmax.js';
import { Reducer } from '../src/losses/reduce.js';
import type { FloatArray } from '../src/tensor.js';
import { inMemory } from '../src/values.js';
import { NonFiniteScan } from '../src/warnings.js';
import { seeded } from './helpers.js';

const TOL = { rtol: 1e-12, atol: 1e-15, equalNan: true };

afterEach(() => {
  kernelMode.scalar = false;
});

interface Case {
  x: FloatArray;
  y: Float64Array;
  w?: Float64Array;
  rows: number;
  C: number;
  inner: number;
  ignore: number;
}

/** rows x C x inner logits (a few NaN and ±inf when `specials`), labels with about 10% ignored. */
function makeCase(seed: number, rows: number, C: number, inner: number, wide: boolean, weighted: boolean, specials: boolean, ignore = 255): Case {
  const next = seeded(seed);
  const n = rows * C * inner;
  const value = () => {
    const u = next();
    if (specials && u < 0.003) return u < 0.001 ? NaN : u < 0.002 ? Infinity : -Infinity;
    return 12 * next() - 6;
  };
  const x = wide ? Float64Array.from({ length: n }, value) : Float32Array.from({ length: n }, value);
  const y = Float64Array.from({ length: rows * inner }, () => (next() < 0.1 ? ignore : Math.floor(C * next())));
  const w = weighted ? Float64Array.from({ length: C }, () => 2 * next()) : undefined;
  return { x, y, w, rows, C, inner, ignore };
}

/** The kernel's losses, weights and count of contributing positions, copied out of its memory. */
function kernelLosses({ x, y, w, rows, C, inner, ignore }: Case, scalarLoss: (k: number) => number) {
  const losses = new Float64Array(rows * inner).fill(-1);
  const weights = new Float64Array(rows * inner).fill(-1);
  let contributing = 0;
  const done = kernelIndexLosses(x, rows, C, inner, y, w, ignore, scalarLoss, (part) => {
    losses.set(part.losses, part.first);
    weights.set(part.weights, part.first);
    contributing += part.contributing;
  });
  expect(done).toBe(true);
  return { losses, weights, contributing };
}

const shapes: [number, number, number][] = [
  [5, 21, 1],
  [3, 1, 7],
  [4, 2, 1],
  [3, 3, 5],
  [2, 7, 33],
  [3, 21, 31],
  // a batch row of more values than a kernel region: sliced into positions of every class
  [2, 21, 20011],
];

describe('kernelIndexLosses', () => {
  for (const wide of [false, true]) {
    for (const weighted of [false, true]) {
      it(`${wide ? 'float64' : 'float32'}, ${weighted ? 'class weights' : 'no weights'}: -w_y log p_y from blockStats' stats to the bit, 0 where ignored`, () => {
        let seed = wide ? 100 : 200;
        let fallbacks = 0;
        for (const [rows, C, inner] of shapes) {
          const c = makeCase(seed++, rows, C, inner, wide, weighted, true);
          const st = new BlockStats();
          blockStats(c.x, rows, C, inner, st);
          const expected = (k: number) => {
            const n = Math.floor(k / inner);
            const t = c.y[k];
            const wt = c.w ? c.w[t] : 1;
            return -wt * (c.x[n * C * inner + t * inner + (k - n * inner)] - st.max[k] - st.logSum[k]);
          };
          const asked: number[] = [];
          const got = kernelLosses(c, (k) => {
            asked.push(k);
            return expected(k);
          });
          let contributing = 0;
          for (let k = 0; k < rows * inner; k++) {
            const ignored = c.y[k] === c.ignore;
            if (!ignored) contributing++;
            const want = ignored ? 0 : expected(k);
            expect(Object.is(got.losses[k], want), `(${rows}, ${C}, ${inner}) position ${k}: ${got.losses[k]} vs ${want}`).toBe(true);
            expect(got.weights[k]).toBe(ignored ? 0 : c.w ? c.w[c.y[k]] : 1);
          }
          expect(got.contributing).toBe(contributing);
          // the scalar path was asked for exactly the positions that count whose max is not finite
          const flagged = [...Array(rows * inner).keys()].filter((k) => c.y[k] !== c.ignore && !Number.isFinite(positionMax(c, k)));
          expect(asked).toEqual(flagged);
          fallbacks += flagged.length;
        }
        expect(fallbacks).toBeGreaterThan(0);
      });
    }
  }
  it('is off on the scalar path (the caller computes the block)', () => {
    kernelMode.scalar = true;
    const c = makeCase(1, 2, 3, 4, false, false, false);
    expect(kernelIndexLosses(c.x, 2, 3, 4, c.y, undefined, 255, () => 0, () => {})).toBe(false);
  });
});

/** Math.max of position k's values: NaN if one is NaN. */
function positionMax({ x, C, inner }: Case, k: number): number {
  const n = Math.floor(k / inner);
  let m = -Infinity;
  for (let c = 0, i = n * C * inner + (k - n * inner); c < C; c++, i += inner) m = Math.max(m, x[i]);
  return m;
}

describe('strided row stats', () => {
  it('give a position the same bits whichever group of positions computes it (eight, four, two or one at a time)', () => {
    for (const wide of [false, true]) {
      const c = makeCase(14, 1, 21, 37, wide, false, true);
      const all = new BlockStats();
      blockStats(c.x, 1, 21, 37, all);
      // positions s0 .. s0 + k of every class, as a (1, 21, k) block of their own
      for (const [s0, k] of [[0, 2], [3, 3], [8, 5], [13, 8], [21, 9], [1, 17]]) {
        const part = c.x.slice(0, 21 * k);
        for (let cl = 0; cl < 21; cl++) part.set(c.x.subarray(cl * 37 + s0, cl * 37 + s0 + k), cl * k);
        const st = new BlockStats();
        blockStats(part, 1, 21, k, st);
        for (let s = 0; s < k; s++) {
          expect(Object.is(st.max[s], all.max[s0 + s]) && Object.is(st.logSum[s], all.logSum[s0 + s]), `position ${s0 + s} from (${s0}, ${k})`).toBe(true);
        }
      }
    }
  });
});

describe('cross-entropy with class indices: the kernel against the scalar path', () => {
  for (const wide of [false, true]) {
    it(`${wide ? 'float64' : 'float32'}: losses within 1e-12, the same counts, weights and non-finite losses; ignore_index -100 and 255`, () => {
      let seed = wide ? 300 : 400;
      for (const [rows, C, inner] of shapes) {
        for (const weighted of [false, true]) {
          for (const ignore of [-100, 255]) {
            const c = makeCase(seed++, rows, C, inner, wide, weighted, seed % 2 === 0, ignore);
            const shape = inner === 1 ? [rows, C] : [rows, C, inner];
            const run = () =>
              crossEntropy({ data: c.x, shape, dtype: wide ? 'float64' : 'float32' }, { data: c.y, shape: inner === 1 ? [rows] : [rows, inner], dtype: 'float64' }, {
                reduction: 'none',
                ignoreIndex: ignore,
                ...(c.w && { weight: { data: c.w, shape: [C], dtype: 'float64' } }),
              });
            const fast = run();
            kernelMode.scalar = true;
            const ref = run();
            kernelMode.scalar = false;
            const [a, b] = [fast.perSample!.toArray(), ref.perSample!.toArray()];
            a.forEach((v, i) => expect(isClose(v, b[i], TOL), `(${rows}, ${C}, ${inner}) loss ${i}: ${v} vs ${b[i]}`).toBe(true));
            expect([fast.count, fast.weightSum, fast.nonFinite]).toEqual([ref.count, ref.weightSum, ref.nonFinite]);
          }
        }
      }
    });
  }
  it('a label outside the classes is the same error with the kernel as without', () => {
    const c = makeCase(7, 2, 21, 1000, false, false, false);
    c.y[1234] = 21;
    const run = () => crossEntropy({ data: c.x, shape: [2, 21, 1000], dtype: 'float32' }, { data: c.y, shape: [2, 1000], dtype: 'float64' }, { ignoreIndex: 255 });
    kernelMode.scalar = true;
    expect(run).toThrow(/^label 21 at index \(1, 234\) is outside \[0, 21\)/);
    kernelMode.scalar = false;
    expect(run).toThrow(/^label 21 at index \(1, 234\) is outside \[0, 21\)/);
  });
});

describe('Reducer.addLosses with weights', () => {
  for (const [on, unit] of [[true, false], [false, false], [true, true], [false, true]]) {
    it(`adds as add() of the positions that contribute does, to the bit, across chunks (kernel ${on ? 'on' : 'off'}${unit ? ', weights 1 and 0 added as a count' : ''})`, () => {
      const next = seeded(11);
      const n = 20000;
      const ignored = Array.from({ length: n }, () => next() < 0.1);
      const losses = Float64Array.from({ length: n }, (_, i) => (ignored[i] ? 0 : i === 7001 ? NaN : next() * 10 ** (8 * next() - 4)));
      const weights = Float64Array.from({ length: n }, (_, i) => (ignored[i] ? 0 : unit ? 1 : i % 7 === 0 ? 0 : 3 * next()));
      const one = new Reducer([n], 'keep');
      losses.forEach((l, i) => ignored[i] || one.add(i, l, weights[i]));
      const blocks = new Reducer([n], 'keep');
      kernelMode.scalar = !on;
      // pieces within a chunk of the sums (4096 positions) and across one
      for (let i = 0; i < n; i += 3001) {
        const end = Math.min(n, i + 3001);
        const contributing = ignored.slice(i, end).filter((x) => !x).length;
        blocks.addLosses(i, losses.subarray(i, end), weights.subarray(i, end), contributing, unit);
      }
      kernelMode.scalar = false;
      const [a, b] = [one.finish('mean'), blocks.finish('mean')];
      expect(b.exact).toEqual(a.exact);
      expect(b.nonFinite).toEqual(a.nonFinite);
      expect([b.count, b.weightSum]).toEqual([a.count, a.weightSum]);
      expect(b.perSample!.toArray()).toEqual(a.perSample!.toArray());
    });
  }
});

describe('the non-finite scan on the kernel\'s copy (kernelScanning)', () => {
  /** (2, 21, 20011) float32 logits, sliced by positions: NaN and ±inf where given (flat indices). */
  function logits(at: Record<number, number>): Case {
    const c = makeCase(12, 2, 21, 20011, false, false, false);
    for (const [i, value] of Object.entries(at)) c.x[Number(i)] = value;
    return c;
  }
  const plain = (x: FloatArray) => {
    let [count, first] = [0, -1];
    x.forEach((v, i) => {
      if (!Number.isFinite(v) && count++ === 0) first = i;
    });
    return { count, first };
  };
  // the first in x's order (class 3 of a later slice of positions) after one in an earlier slice (class 10)
  const layouts: Record<string, Record<number, number>> = {
    'none': {},
    'NaN, +inf and a -inf among finite values, the first not in the first slice': { [10 * 20011 + 5]: NaN, [3 * 20011 + 15000]: -Infinity, [420263 + 7]: Infinity, [420263 + 20 * 20011 + 20010]: NaN },
    'in the first value': { 0: NaN },
  };
  for (const [name, at] of Object.entries(layouts)) {
    it(`counts as a plain loop does, on the copies kernelIndexLosses makes: ${name}`, () => {
      const c = logits(at);
      const found = kernelScanning(c.x, () => kernelIndexLosses(c.x, 2, 21, 20011, c.y, undefined, 255, () => 0, () => {}));
      expect(found?.nonFinite).toEqual(plain(c.x));
      // NonFiniteScan through cross-entropy, the kernel on and off
      for (const scalar of [false, true]) {
        kernelMode.scalar = scalar;
        const scan = new NonFiniteScan();
        const x = scan.observe(inMemory({ data: c.x, shape: [2, 21, 20011], dtype: 'float32' }));
        crossEntropy(x, { data: c.y, shape: [2, 20011], dtype: 'float64' }, { ignoreIndex: 255, perSample: 'drop' });
        expect({ count: scan.count, first: scan.first }).toEqual(plain(c.x));
      }
    });
  }
  it('counts as a plain loop does on slices of whole batch rows, float32 and float64', () => {
    for (const wide of [false, true]) {
      const c = makeCase(13, 6, 7, 33, wide, false, false);
      [2 * 231 + 40, 2 * 231 + 200, 4 * 231 + 3].forEach((i, k) => (c.x[i] = [Infinity, NaN, -Infinity][k]));
      expect(kernelScanning(c.x, () => kernelIndexLosses(c.x, 6, 7, 33, c.y, undefined, 255, () => 0, () => {}))?.nonFinite).toEqual(plain(c.x));
    }
  });
  it('leaves the count to the caller when the visit copied nothing, or not every value, of x', () => {
    const c = logits({ 5: NaN });
    expect(kernelScanning(c.x, () => {})).toBeUndefined();
    const half = c.x.subarray(0, 21 * 20011);
    expect(kernelScanning(c.x, () => kernelIndexLosses(half, 1, 21, 20011, c.y, undefined, 255, () => 0, () => {}))).toBeUndefined();
    kernelMode.scalar = true;
    expect(kernelScanning(c.x, () => kernelIndexLosses(c.x, 2, 21, 20011, c.y, undefined, 255, () => 0, () => {}))).toBeUndefined();
  });
});

describe('slices of a batch row read where they lie (a block in a read region of the kernel)', () => {
  /** x copied into a read region of the kernel's memory, as a reader reads a block there; given back after `use`. */
  function inReadRegion<T>(x: FloatArray, use: (there: FloatArray) => T): T {
    expect(kernel()).toBeDefined();
    const region = takeReadRegion(x.byteLength)!;
    expect(region).toBeDefined();
    try {
      const there = x instanceof Float32Array ? new Float32Array(region.buffer, region.byteOffset, x.length) : new Float64Array(region.buffer, region.byteOffset, x.length);
      there.set(x);
      return use(there);
    } finally {
      giveReadRegion(region);
    }
  }

  /** Positions of C classes a copied slice holds: region A's 1 MiB of float32 or float64 values. */
  const perSlice = (C: number, wide: boolean) => Math.floor((wide ? 1 << 17 : 1 << 18) / C);
  // rows of more values than region A holds, inner odd; 2·perSlice + 1 positions leave a copied
  // slice of one position at the end of each row
  const layouts = (wide: boolean): [number, number, number][] => [
    [2, 21, 20011],
    [2, 21, 2 * perSlice(21, wide) + 1],
    [2, 5, 60001],
  ];
  for (const wide of [false, true]) {
    for (const weighted of [false, true]) {
      it(`${wide ? 'float64' : 'float32'}, ${weighted ? 'class weights' : 'no weights'}: the same bits as on a copy, the same positions left to the scalar path, region A untouched`, () => {
        let seed = wide ? 500 : 600;
        for (const [rows, C, inner] of layouts(wide)) {
          const c = makeCase(seed++, rows, C, inner, wide, weighted, true);
          const asked: number[][] = [[], []];
          const copied = kernelLosses(c, (k) => (asked[0].push(k), -k));
          const v = kernel()!;
          const sentinel = v.f64.subarray(v.a / 8, v.a / 8 + 1024);
          sentinel.fill(-7);
          const inPlace = inReadRegion(c.x, (x) => kernelLosses({ ...c, x }, (k) => (asked[1].push(k), -k)));
          expect(sentinel.every((s) => s === -7), 'region A was written').toBe(true);
          expect(inPlace.contributing).toBe(copied.contributing);
          expect(asked[1]).toEqual(asked[0]);
          expect(asked[0].length).toBeGreaterThan(0);
          const differ = [...Array(rows * inner).keys()].filter((k) => !Object.is(inPlace.losses[k], copied.losses[k]) || inPlace.weights[k] !== copied.weights[k]);
          expect(differ, `(${rows}, ${C}, ${inner})`).toEqual([]);
        }
      });
    }
  }

  it('row stats (kernelRowStats) in place: the bits of the copied slices', () => {
    for (const wide of [false, true]) {
      const c = makeCase(17, 2, 21, 2 * perSlice(21, wide) + 1, wide, false, true);
      const copied = new BlockStats();
      blockStats(c.x, 2, 21, c.inner, copied);
      const inPlace = new BlockStats();
      inReadRegion(c.x, (x) => blockStats(x, 2, 21, c.inner, inPlace));
      const differ = [...Array(2 * c.inner).keys()].filter((k) => !Object.is(inPlace.max[k], copied.max[k]) || !Object.is(inPlace.logSum[k], copied.logSum[k]));
      expect(differ).toEqual([]);
    }
  });

  it('the non-finite scan counts every value once, the first in x\'s order', () => {
    const inner = 2 * perSlice(21, false) + 1;
    for (const at of [[], [5], [10 * inner + 7, 3 * inner + 20000, 21 * inner + 2], [21 * inner + 20 * inner + inner - 1]]) {
      const c = makeCase(18, 2, 21, inner, false, false, false);
      for (const i of at) c.x[i] = NaN;
      const plain = { count: at.length, first: at.length ? Math.min(...at) : -1 };
      const found = inReadRegion(c.x, (x) => kernelScanning(x, () => kernelIndexLosses(x, 2, 21, inner, c.y, undefined, 255, () => 0, () => {})));
      expect(found?.nonFinite).toEqual(plain);
    }
  });
});

describe('strided stats at the corners of their max (pmax, a NaN sum)', () => {
  it('NaN after or before a larger value, +inf, all -inf, -inf among finite values, a max of -0 and +0: the scalar path for exactly the positions with NaN or +inf or only -inf, the others within 1e-12', () => {
    // (1, 3, 8) float32 and float64: position s holds column s of each class
    const columns = [
      [1, NaN, 0.5],
      [NaN, 2, -1],
      [0.5, Infinity, 1],
      [-Infinity, -Infinity, -Infinity],
      [-Infinity, 0.25, -3],
      [-0, 0, -0],
      [0, -0, -5],
      [-2, -0.5, -1],
    ];
    const inner = columns.length;
    for (const make of [Float32Array, Float64Array]) {
      const x = make.from({ length: 3 * inner }, (_, i) => columns[i % inner][Math.floor(i / inner)]);
      for (const label of [0, 1, 2]) {
        const y = new Float64Array(inner).fill(label);
        const asked: number[] = [];
        const losses = new Float64Array(inner);
        kernelIndexLosses(x, 1, 3, inner, y, undefined, -100, (k) => (asked.push(k), NaN), (part) => losses.set(part.losses, part.first));
        expect(asked, `${make.name}, label ${label}`).toEqual([0, 1, 2, 3]);
        for (const s of [4, 5, 6, 7]) {
          const column = columns[s];
          const m = Math.max(...column);
          const want = -(column[label] - m - Math.log(column.reduce((a, v) => a + Math.exp(v - m), 0)));
          expect(isClose(losses[s], want, TOL), `${make.name}, label ${label}, position ${s}: ${losses[s]} vs ${want}`).toBe(true);
        }
      }
      const st = new BlockStats();
      blockStats(x, 1, 3, inner, st);
      // the scalar path's stats where the kernel left a position (blockStats fills them in)
      expect(st.max[0]).toBeNaN();
      expect(st.max[2]).toBe(Infinity);
      expect(st.max[3]).toBe(-Infinity);
      expect(Math.abs(st.max[5])).toBe(0);
      expect(st.max[4]).toBe(0.25);
    }
  });
});

describe('uint8 class labels checked by the kernel (kernelClassLabels)', () => {
  /** What a plain loop notes of them. */
  function plain(y: Uint8Array, C: number, ignore: number) {
    let [valid, contributing, zero] = [true, false, false];
    for (const t of y) {
      if (t === ignore) continue;
      contributing = true;
      if (t >= C) valid = false;
      if (t === 0) zero = true;
    }
    return { valid, contributing, zero };
  }
  it('notes what a plain loop notes: any length, C from 1 to beyond 255, ignore_index in and outside [0, 255]', () => {
    const next = seeded(31);
    for (const n of [0, 1, 15, 16, 17, 100, 1 << 20, (1 << 20) + 33]) {
      for (const C of [1, 2, 21, 255, 256, 1000]) {
        for (const ignore of [-100, 0, 255, 7, 256, 2 ** 32 + 7, 1.5]) {
          const kinds = [
            () => Math.floor(Math.min(C, 256) * next()),
            () => (next() < 0.05 ? ignore : Math.floor(Math.min(C, 256) * next())),
            () => (next() < 0.001 ? 255 : 1 + Math.floor((Math.min(C, 256) - 1) * next())),
            () => ignore,
          ];
          for (const kind of kinds) {
            if (n > 100 && (C !== 21 || kind !== kinds[1])) continue;
            const y = Uint8Array.from({ length: n }, kind);
            expect(kernelClassLabels(y, C, ignore), `n ${n}, C ${C}, ignore ${ignore}`).toEqual(plain(y, C, ignore));
          }
        }
      }
    }
  });
  it('cross-entropy with uint8 labels: the same loss and the same error as on the scalar path', () => {
    const c = makeCase(41, 2, 21, 3001, false, false, false);
    const labels = Uint8Array.from(c.y);
    const run = () => crossEntropy({ data: c.x, shape: [2, 21, 3001], dtype: 'float32' }, { data: labels, shape: [2, 3001], dtype: 'uint8' }, { ignoreIndex: 255, reduction: 'sum' });
    const fast = run();
    kernelMode.scalar = true;
    const ref = run();
    kernelMode.scalar = false;
    expect(isClose(fast.loss as number, ref.loss as number, TOL)).toBe(true);
    expect([fast.count, fast.weightSum]).toEqual([ref.count, ref.weightSum]);
    labels[4000] = 21;
    const message = () => {
      try {
        run();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const kernelSays = message();
    expect(kernelSays).toMatch(/^label 21 at index \(1, 999\) is outside \[0, 21\)/);
    kernelMode.scalar = true;
    expect(message()).toBe(kernelSays);
    // labels 1 .. C (no 0): the hint that they look 1-based, with the kernel as without
    labels.forEach((t, i) => (labels[i] = t === 255 ? t : Math.min(21, t + 1)));
    const oneBased = message();
    expect(oneBased).toMatch(/labels look 1-based: subtract 1$/);
    kernelMode.scalar = false;
    expect(message()).toBe(oneBased);
  });
});
