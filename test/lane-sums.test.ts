/**
 * The sums in two lanes (reduce.ts LaneSum, kernel/sum.ts) and bce-logits' kernel, which adds
 * its losses into them as it makes them (kernel/binary.ts, the tail by kernel/softplus.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { kernelMath, kernelMode } from '../src/kernel/index.js';
import { bceWithLogits } from '../src/losses/bce-with-logits.js';
import { ExactSum } from '../src/losses/exact-sum.js';
import { CompensatedSum, Reducer, rowsPerChunk } from '../src/losses/reduce.js';
import { inBlocks } from './breakdown-blocks.js';
import { seeded } from './helpers.js';

afterEach(() => {
  kernelMode.scalar = false;
});

/**
 * The definition, written out: in each chunk, the losses of even positions (from the chunk's
 * start) in one compensated sum and those of odd positions in another; at the chunk's end the
 * two sums added, and, while that is finite, the compensations and its rounding error, go
 * into the exact sum.
 */
function laneSums(losses: Float64Array, chunk: number): number[] {
  const exact = new ExactSum();
  for (let start = 0; start < losses.length; start += chunk) {
    const lanes = [new CompensatedSum(), new CompensatedSum()];
    for (let p = start; p < Math.min(losses.length, start + chunk); p++) lanes[(p - start) % 2].add(losses[p]);
    const [a, b] = lanes;
    const sum = a.s + b.s;
    exact.add(sum);
    // the compensations and the error of a.s + b.s (Knuth's TwoSum)
    const z = sum - a.s;
    if (Number.isFinite(sum)) exact.add(a.c + b.c + (a.s - (sum - z) + (b.s - z)));
  }
  return exact.state();
}

describe('a chunk sum in two lanes', () => {
  // rows of 7: 585 rows a chunk, 4095 positions, so that every other chunk starts in lane 1 of the last one's count
  const shape = [3000, 7];
  const n = 21000;
  const chunk = rowsPerChunk(shape) * 7;
  const next = seeded(21);
  const losses = Float64Array.from({ length: n }, () => next() * 10 ** (12 * next() - 6) * (next() < 0.1 ? -1 : 1));
  const withBad = losses.map((l, i) => (i === 9001 ? NaN : i === 15000 ? -Infinity : l));

  it('has odd chunks here (lanes start again at each chunk)', () => expect(chunk % 2).toBe(1));
  for (const data of [losses, withBad]) {
    const name = data === losses ? 'finite losses' : 'with NaN and -inf';
    it(`${name}: add(), and addLosses in pieces of any length with the kernel on and off, sum as the definition does`, () => {
      const expected = laneSums(data, chunk);
      const one = new Reducer(shape, 'drop');
      data.forEach((l, i) => one.add(i, l));
      expect(one.finish('sum').exact!.sum).toEqual(expected);
      for (const scalar of [false, true]) {
        kernelMode.scalar = scalar;
        const pieces = new Reducer(shape, 'drop');
        for (let i = 0; i < n; ) {
          const count = Math.min(n - i, 1 + Math.floor(next() * 3001));
          pieces.addLosses(i, data.subarray(i, i + count));
          i += count;
        }
        const r = pieces.finish('sum');
        expect(r.exact!.sum).toEqual(expected);
        expect(r.nonFinite).toEqual(one.finish('sum').nonFinite);
      }
    });
  }
});

describe('bce-logits through the kernel', () => {
  const rows = 5001;
  const next = seeded(22);
  const special = [NaN, Infinity, -Infinity, 0, 40, -40, 1e30];
  const x = Float32Array.from({ length: rows * 7 }, (_, i) => (i % 997 === 400 ? special[(i / 997) % 7 | 0] : 16 * next() - 8));
  const t = Float32Array.from({ length: rows * 7 }, (_, i) => (i === 30000 ? NaN : next() < 0.5 ? 0 : 1));
  const tensors = [
    { data: x, shape: [rows, 7], dtype: 'float32' as const },
    { data: t, shape: [rows, 7], dtype: 'float32' as const },
  ];

  it('sums to the same bits read whole or in blocks of odd lengths, its losses kept or dropped', () => {
    const whole = bceWithLogits(tensors[0], tensors[1], { perSample: 'keep', reduction: 'sum' });
    for (const [units, keep] of [[3, 'drop'], [1, 'keep'], [1000, 'drop']] as const) {
      const r = bceWithLogits(inBlocks(tensors[0], units), inBlocks(tensors[1], units), { perSample: keep, reduction: 'sum' });
      expect(r.exact).toEqual(whole.exact);
      expect(r.nonFinite).toEqual(whole.nonFinite);
      expect(r.count).toBe(whole.count);
    }
    // the kept losses, summed by the definition, give the kernel's sums
    expect(whole.exact!.sum).toEqual(laneSums(whole.perSample!.toArray(), rowsPerChunk([rows, 7]) * 7));
  });

  it("gives the scalar path's NaN at x = -inf whatever the target (2 too), and inf at x = +inf below t = 1", () => {
    const xs = Float32Array.of(-Infinity, -Infinity, -Infinity, Infinity, Infinity, Infinity, -0, 0);
    const ts = Float32Array.of(0, 1, 2, 0.5, 1, 2, 1, 0);
    const run = () => bceWithLogits({ data: xs, shape: [8], dtype: 'float32' }, { data: ts, shape: [8], dtype: 'float32' }, { reduction: 'none' });
    const fast = run().perSample!.toArray();
    kernelMode.scalar = true;
    const ref = run().perSample!.toArray();
    expect([...fast]).toEqual([...ref]);
    expect(fast[3]).toBe(Infinity);
  });

  it('finds the NaN and ±inf losses the scalar path finds, the first one too', () => {
    const fast = bceWithLogits(tensors[0], tensors[1], { perSample: 'drop' });
    kernelMode.scalar = true;
    const ref = bceWithLogits(tensors[0], tensors[1], { perSample: 'drop' });
    expect(fast.nonFinite!.count).toBeGreaterThan(3);
    expect(fast.nonFinite).toEqual(ref.nonFinite);
  });
});

describe("bce-logits' tail log(1 + e^-|x|)", () => {
  const k = kernelMath()!;
  const bits = new BigInt64Array(1);
  const word = new Float64Array(bits.buffer);
  const ulps = (a: number, b: number) => {
    word[0] = a;
    const x = bits[0];
    word[0] = b;
    return Math.abs(Number(x - bits[0]));
  };

  it('is within 5 ulp of Math.log1p(Math.exp(-|x|)) on 2e6 values in [-36.99, 36.99] (about 3 ulp and 1.5 from the exact tail)', () => {
    const next = seeded(23);
    let worst = 0;
    for (let i = 0; i < 2e6; i++) {
      const x = (i % 2 ? 36.99 : 8) * (2 * next() - 1);
      worst = Math.max(worst, ulps(k.softplusTail(x), Math.log1p(Math.exp(-Math.abs(x)))));
    }
    expect(worst).toBeLessThanOrEqual(5);
  });
  it('is log 2 at 0, and 0 from 37 on, where PyTorch rounds 1 + e^-|x| to 1', () => {
    expect(k.softplusTail(0)).toBe(Math.log1p(1));
    expect(k.softplusTail(-0)).toBe(Math.log1p(1));
    for (const x of [37, -37, 37.5, 1e300, Infinity, -Infinity]) expect(k.softplusTail(x)).toBe(0);
    expect(1 + Math.exp(-37)).toBe(1);
  });
});

describe('CompensatedSum.addEach', () => {
  it('leaves s and c as add() of each weight in order does: 0 and 1 (and -0) counted, others added', () => {
    const next = seeded(21);
    const starts = [0, 5, 0.1, 2 ** 53 - 3, 1e300, Infinity, NaN];
    const runs: Record<string, () => number> = {
      'zeros and ones': () => (next() < 0.3 ? 0 : 1),
      'with -0': () => (next() < 0.3 ? -0 : 1),
      'a class weight among them': () => (next() < 0.01 ? 0.37 : next() < 0.3 ? 0 : 1),
      'class weights': () => 3 * next(),
    };
    for (const start of starts) {
      for (const [name, weight] of Object.entries(runs)) {
        const ws = Float64Array.from({ length: 2000 }, weight);
        const one = new CompensatedSum();
        const each = new CompensatedSum();
        one.add(start);
        each.add(start);
        for (const w of ws) one.add(w);
        each.addEach(ws, 0, 1000);
        each.addEach(ws, 1000, ws.length);
        expect([each.s, each.c], `${name} from ${start}`).toEqual([one.s, one.c]);
        expect(Object.is(each.value, one.value), `${name} from ${start}`).toBe(true);
      }
    }
  });
});
