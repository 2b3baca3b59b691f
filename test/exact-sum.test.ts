/**
 * The exact sum (reduce.ts's accumulator of chunk sums) against exact arithmetic: every double
 * is an integer multiple of 2^-1074, so BigInt sums them exactly, and Number(BigInt) rounds to
 * the nearest double, ties to even, as the result must.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum } from '../src/losses/exact-sum.js';
import { Reducer, rowsPerChunk } from '../src/losses/reduce.js';

/** x · 2^1074, exactly. */
function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = (bits >> 52n) & 0x7ffn;
  const fraction = bits & ((1n << 52n) - 1n);
  const magnitude = biased === 0n ? fraction : (fraction | (1n << 52n)) << (biased - 1n);
  return bits >> 63n ? -magnitude : magnitude;
}

/** The double nearest to s · 2^-1074 (ties to even). */
function nearest(s: bigint): number {
  const negative = s < 0n;
  let m = negative ? -s : s;
  // keep 60 bits and a sticky bit, so that Number() rounds as the whole would
  let shift = 0n;
  const bits = BigInt(m.toString(2).length);
  if (bits > 60n) {
    shift = bits - 60n;
    const sticky = (m & ((1n << shift) - 1n)) !== 0n;
    m = (m >> shift) | (sticky ? 1n : 0n);
  }
  // Number(m) (m < 2^61) rounds once; the power of two, in two halves, scales exactly (or overflows to inf)
  const e = Number(shift) - 1074;
  const half = Math.trunc(e / 2);
  const value = Number(m) * 2 ** half * 2 ** (e - half);
  return negative ? -value : value;
}

function exactly(xs: number[]): number {
  return nearest(xs.reduce((s, x) => s + scaled(x), 0n));
}

function summed(xs: number[]): number {
  const s = new ExactSum();
  xs.forEach((x) => s.add(x));
  return s.value;
}

/** Doubles of every magnitude, both signs, with many cancellations. */
const doubles = fc.oneof(
  fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((k) => k / 1024),
  fc.constantFrom(2 ** 53, -(2 ** 53), 1, -1, 2 ** -54, 0.1, 1e16, -1e16),
);

describe('ExactSum', () => {
  it('is the exact sum rounded once, whatever the magnitudes', () => {
    fc.assert(
      fc.property(fc.array(doubles, { maxLength: 40 }), (xs) => {
        expect(Object.is(summed(xs), exactly(xs) + 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds a tie by what lies below it: 2^53 + 1 + 2^-100 goes up, 2^53 + 1 - 2^-100 down', () => {
    for (const xs of [
      [2 ** 53, 1, 2 ** -100],
      [2 ** 53, 1, -(2 ** -100)],
      [2 ** 53 + 10, 1, 2 ** -100],
      [2 ** 53 - 4, 0.5, 2 ** -54],
      [2 ** 53, -0.5, -(2 ** -54)],
    ]) {
      expect(summed(xs)).toBe(exactly(xs));
    }
  });

  it('joins sums made apart to the same bits, however the values were split', () => {
    fc.assert(
      fc.property(fc.array(doubles, { maxLength: 40 }), fc.nat(40), (xs, cut) => {
        const [a, b] = [new ExactSum(), new ExactSum()];
        xs.forEach((x, i) => (i < cut ? a : b).add(x));
        a.addState(b.state());
        expect(Object.is(a.value, summed(xs))).toBe(true);
      }),
    );
  });

  it('keeps non-finite values aside as fsum does: inf wins, inf - inf and NaN are NaN', () => {
    expect(summed([1, Infinity, -1e308])).toBe(Infinity);
    expect(summed([-Infinity, 5])).toBe(-Infinity);
    expect(summed([Infinity, 1, -Infinity])).toBeNaN();
    expect(summed([NaN, 1])).toBeNaN();
    expect(summed([])).toBe(0);
  });
});

describe('Reducer: sums in chunks of whole rows', () => {
  it('rows per chunk are fixed by the output shape', () => {
    expect(rowsPerChunk([10])).toBe(4096);
    expect(rowsPerChunk([10, 100])).toBe(40);
    expect(rowsPerChunk([3, 5000])).toBe(1);
    expect(rowsPerChunk([])).toBe(4096);
  });
  it('and by the input row: rows of 32000 classes are chunked 32 at a time, so that 4096 of them still split among threads', () => {
    expect(rowsPerChunk([4096], 32000)).toBe(32);
    expect(rowsPerChunk([10, 100], 100)).toBe(40);
  });

  it('joins the chunks exactly: 2^53, 1 and 2^-60 in three chunks sum to 2^53 + 2, where one compensated sum gives 2^53', () => {
    // one Neumaier sum keeps the 1 in its compensation, where the 2^-60 rounds away, and
    // 2^53 + 1 is then a tie that goes to even; the exact sum is above the tie
    const xs = [2 ** 53, 1, 2 ** -60];
    const r = new Reducer([3, 4096]);
    xs.forEach((x, row) => r.add(row * 4096, x));
    expect(r.finish('sum').loss).toBe(exactly(xs));
    expect(exactly(xs)).toBe(2 ** 53 + 2);
  });

  it('keeps no losses when told to drop them, and still reduces', () => {
    const r = new Reducer([3], 'drop');
    [2, 3, 4].forEach((x, i) => r.add(i, x));
    const result = r.finish('sum');
    expect(result.perSample).toBeUndefined();
    expect(result.loss).toBe(9);
    expect(() => r.finish('none')).toThrow(/dropped/);
  });
});
