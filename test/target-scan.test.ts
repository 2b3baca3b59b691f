/**
 * BCE targets outside [0, 1] are counted by the labels' scan, in the pass that counts their
 * NaN and ±inf (kernel/scan.ts), never in a read of their own; bce-logits' kernel counts both
 * inputs' NaN and ±inf and the targets outside [0, 1] in its own pass when it can
 * (kernelScanning): the same counts and warnings with the kernel and without, in blocks of any
 * size, on 1 to 4 threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelMode } from '../src/kernel/load.js';
import { kernelBceLogits, kernelScanning } from '../src/kernel/index.js';
import { bceWithLogits } from '../src/losses/bce-with-logits.js';
import { Reducer } from '../src/losses/reduce.js';
import { encodeNpy } from '../src/io/npy.js';
import { formatIndex, type FloatArray } from '../src/tensor.js';
import { inMemory, type Values } from '../src/values.js';
import { dataWarnings, NonFiniteScan, TARGET_RANGE, combineScans } from '../src/warnings.js';
import { seeded } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-target-scan-'));

afterEach(() => {
  kernelMode.scalar = false;
});

/** Targets mostly in {0, 1}, with values outside [0, 1] (±inf among them), NaN and -0. */
function targets(n: number, make: Float32ArrayConstructor | Float64ArrayConstructor, seed: number): FloatArray {
  const next = seeded(seed);
  return make.from({ length: n }, () => {
    const u = next();
    if (u < 0.001) return NaN;
    if (u < 0.002) return -Infinity;
    if (u < 0.003) return Infinity;
    if (u < 0.006) return -1;
    if (u < 0.008) return 1 + 2 ** -20;
    if (u < 0.01) return -0;
    return u < 0.5 ? 0 : 1;
  });
}

/** What a plain loop finds: the values outside [0, 1], and the non-finite ones. */
function expected(t: FloatArray): { outside: { count: number; first: number }; nonFinite: { count: number; first: number } } {
  const out = { count: 0, first: -1 };
  const bad = { count: 0, first: -1 };
  t.forEach((v, i) => {
    if ((v < 0 || v > 1) && out.count++ === 0) out.first = i;
    if (!Number.isFinite(v) && bad.count++ === 0) bad.first = i;
  });
  return { outside: out, nonFinite: bad };
}

/** Values read in blocks of `per` values. */
function inBlocks(t: FloatArray, per: number): Values {
  return {
    shape: [t.length],
    dtype: t instanceof Float32Array ? 'float32' : 'float64',
    read(unit, start, end, visit) {
      for (let i = start; i < end; i += per) visit(t.subarray(i * unit, Math.min(end, i + per) * unit), i, Math.min(end, i + per) - i);
    },
  };
}

describe("the labels' scan counts BCE targets outside [0, 1] in the same pass", () => {
  for (const make of [Float32Array, Float64Array]) {
    for (const scalar of [false, true]) {
      it(`${make.name}, ${scalar ? 'scalar loop' : 'kernel'}: counts and firsts as a plain loop finds them, in blocks of any size`, () => {
        kernelMode.scalar = scalar;
        const t = targets(300001, make, 3);
        const want = expected(t);
        for (const per of [1, 7, 4096, t.length]) {
          const scan = new NonFiniteScan(undefined, TARGET_RANGE);
          scan.observe(inBlocks(t, per)).read(1, 0, t.length, () => {});
          const seen = scan.summary();
          expect({ count: seen.count, first: seen.first }).toEqual(want.nonFinite);
          expect(seen.outside).toEqual({ ...want.outside, firstValue: t[want.outside.first] });
        }
      });
    }
  }

  it('integer targets are scanned too (a {-1, 1} int64 file)', () => {
    const t = BigInt64Array.from([1n, 1n, -1n, 1n, -1n]);
    const scan = new NonFiniteScan(undefined, TARGET_RANGE);
    scan.observe(inMemory({ data: t, shape: [5], dtype: 'int64' })).read(1, 0, 5, () => {});
    expect(scan.summary().outside).toEqual({ count: 2, first: 2, firstValue: -1 });
  });

  it('parts scanned apart (threads) join with their offsets, the earliest first', () => {
    const part = (count: number, first: number, firstValue: number) => ({ count: 0, first: -1, firstValue: 0, outside: { count, first, firstValue } });
    const joined = combineScans([
      { scan: part(0, -1, 0), offset: 0 },
      { scan: part(2, 3, -1), offset: 100 },
      { scan: part(1, 0, 2), offset: 200 },
    ]);
    expect(joined.outside).toEqual({ count: 3, first: 103, firstValue: -1 });
  });

  it("the loss's warnings never read the targets again", () => {
    const logits = inMemory({ data: new Float64Array(4), shape: [2, 2], dtype: 'float64' });
    const labels: Values = {
      shape: [2, 2],
      dtype: 'float64',
      read: () => {
        throw new Error('the targets were read again');
      },
    };
    const result = { reduction: 'mean' as const, loss: 0, shape: [], sum: 0, weightSum: 4, count: 4 };
    expect(dataWarnings('bce-logits', { logits, labels }, result, -100)).toEqual([]);
  });
});

describe('the warning on 1 to 4 threads, in blocks of any size, with the kernel and without', () => {
  // 3000 x 10: 40 rows a chunk of the sums, so -j splits them
  const n = 30000;
  const next = seeded(5);
  const x = Float32Array.from({ length: n }, (_, i) => (i === 4321 ? NaN : i === 20000 ? -Infinity : 12 * next() - 6));
  const t = targets(n, Float32Array, 9) as Float32Array;
  const [xs, ts] = ['x', 't'].map((name, k) => {
    const path = join(dir, `${name}.npy`);
    writeFileSync(path, encodeNpy({ data: k === 0 ? x : t, shape: [3000, 10], dtype: 'float32' }));
    return path;
  });
  const { outside } = expected(t);
  const bad = expected(x).nonFinite;
  const logitsWarning = `${bad.count} non-finite logits, first NaN at index ${formatIndex(bad.first, [3000, 10])}`;
  const nonFiniteTargets = expected(t).nonFinite;
  const labelsWarning = `${nonFiniteTargets.count} non-finite labels, first ${t[nonFiniteTargets.first]} at index ${formatIndex(nonFiniteTargets.first, [3000, 10])}`;
  const want =
    `${outside.count} target(s) outside [0, 1], first ${t[outside.first]} at index ${formatIndex(outside.first, [3000, 10])}: ` +
    'BCE targets are probabilities; map {-1, 1} labels to {0, 1} with (t + 1) / 2';
  for (const kernel of ['simd', 'scalar']) {
    it(`bce-logits, LOSSCALC_KERNEL=${kernel}`, () => {
      const seen = new Set<string>();
      for (const j of ['1', '2', '3', '4']) {
        for (const blockBytes of ['256', '']) {
          const r = spawnSync(process.execPath, [BIN, 'bce-logits', xs, ts, '--json', '-j', j], {
            encoding: 'utf8',
            env: { ...process.env, LOSSCALC_BLOCK_BYTES: blockBytes, LOSSCALC_KERNEL: kernel },
          });
          expect([0, 1], r.stderr).toContain(r.status);
          const warnings = (JSON.parse(r.stdout) as { warnings: string[] }).warnings;
          const where = `-j ${j}, blocks of ${blockBytes || 'default'} bytes`;
          expect(warnings.filter((w) => w.includes('outside [0, 1]')), where).toEqual([want]);
          expect(warnings, where).toContain(logitsWarning);
          expect(warnings, where).toContain(labelsWarning);
          // (but for the one that -j beyond the cores gets)
          seen.add(JSON.stringify(warnings.filter((w) => !w.startsWith('-j '))));
        }
      }
      expect(seen.size).toBe(1);
    }, 120_000);
  }
});

describe("bce-logits' kernel counts for the scans of its inputs (kernelScanning)", () => {
  /** Logits with NaN and ±inf among them (when `specials`), and zeros (0·±inf is NaN). */
  function logits(n: number, make: Float32ArrayConstructor | Float64ArrayConstructor, seed: number, specials: boolean): FloatArray {
    const next = seeded(seed);
    return make.from({ length: n }, () => {
      const u = next();
      if (specials && u < 0.003) return u < 0.001 ? NaN : u < 0.002 ? Infinity : -Infinity;
      return u < 0.01 ? 0 : 16 * next() - 8;
    });
  }
  /** Targets in [0, 1] only, or with every kind of value outside. */
  const cleanTargets = (n: number, make: Float32ArrayConstructor | Float64ArrayConstructor, seed: number) => {
    const next = seeded(seed);
    return make.from({ length: n }, () => (next() < 0.01 ? -0 : next()));
  };
  const nonFinite = (x: FloatArray) => expected(x).nonFinite;

  for (const make of [Float32Array, Float64Array]) {
    const cases: Record<string, (n: number) => [FloatArray, FloatArray]> = {
      'all finite, targets in [0, 1] (and -0)': (n) => [logits(n, make, 1, false), cleanTargets(n, make, 2)],
      'NaN and ±inf logits': (n) => [logits(n, make, 3, true), cleanTargets(n, make, 4)],
      'targets outside [0, 1], NaN and ±inf among them': (n) => [logits(n, make, 5, false), targets(n, make, 6)],
      'both': (n) => [logits(n, make, 7, true), targets(n, make, 8)],
      'one target above 1 in the last value': (n) => {
        const t = cleanTargets(n, make, 9);
        t[n - 1] = 1.5;
        return [logits(n, make, 10, false), t];
      },
    };
    for (const [name, make2] of Object.entries(cases)) {
      it(`${make.name}: ${name}: the counts a plain loop finds, whole or in parts, the sums as without counting`, () => {
        for (const n of [1, 7, 300001]) {
          const [x, t] = make2(n);
          for (const parts of [1, 3]) {
            const sums = new Reducer([n], 'drop');
            const plain = new Reducer([n], 'drop');
            const seen: ReturnType<typeof kernelScanning>[] = [];
            const per = Math.ceil(n / parts);
            const sx = kernelScanning(x, () => {
              const st = kernelScanning(t, () => {
                for (let i = 0; i < n; i += per) {
                  const [xs, ts] = [x.subarray(i, i + per), t.subarray(i, i + per)];
                  expect(kernelBceLogits(xs, ts, (first, k, piece) => sums.addSummed(i + first, k, piece))).toBe(true);
                  kernelBceLogits(xs, ts, (first, k, piece) => plain.addSummed(i + first, k, piece));
                }
              }, TARGET_RANGE);
              seen.push(st);
            });
            expect(sx).toEqual({ nonFinite: nonFinite(x) });
            expect(seen[0]).toEqual({ nonFinite: expected(t).nonFinite, outside: expected(t).outside });
            expect(sums.finish('sum').exact).toEqual(plain.finish('sum').exact);
          }
        }
      });
    }
  }

  it('NonFiniteScan through bceWithLogits: the kernel counts as the scalar loop does', () => {
    const n = 300001;
    const x = logits(n, Float32Array, 11, true);
    const t = targets(n, Float32Array, 12);
    const run = () => {
      const scans = [new NonFiniteScan(), new NonFiniteScan(undefined, TARGET_RANGE)];
      const [xv, tv] = [x, t].map((d, k) => scans[k].observe(inBlocks(d, 65536)));
      const r = bceWithLogits(xv, tv, { perSample: 'drop', reduction: 'sum' });
      return { loss: r.loss, x: scans[0].summary(), t: scans[1].summary() };
    };
    const fast = run();
    kernelMode.scalar = true;
    const ref = run();
    expect(fast.x).toEqual(ref.x);
    expect(fast.t).toEqual(ref.t);
    expect(fast.t.outside!.count).toBeGreaterThan(0);
    expect(fast.x.count).toBeGreaterThan(0);
  });
});
