/**
 * The breakdown (--per-sample / --top) as sinks over blocks: logits, labels and unreduced
 * losses read side by side in blocks of rows give the same worst rows, per-class table and
 * histogram as the same arrays read whole, and PyTorch's values on the top_* fixtures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { breakdown, type Breakdown, type BreakdownOptions, type PredictionKind } from '../src/breakdown.js';
import { parseNpy } from '../src/io/npy.js';
import { bceWithLogits } from '../src/losses/bce-with-logits.js';
import { binaryCrossEntropy } from '../src/losses/binary-cross-entropy.js';
import { crossEntropy } from '../src/losses/cross-entropy.js';
import { nllLoss } from '../src/losses/nll.js';
import { inMemoryLosses, type LossResult } from '../src/losses/reduce.js';
import { classLayout, numel, type Tensor } from '../src/tensor.js';
import { inMemory, type Values } from '../src/values.js';
import { inBlocks } from './breakdown-blocks.js';
import { cases, expectReport, type Report } from './cases.js';
import { Rng } from './fuzz/prng.js';
import { FIXTURES } from './helpers.js';

const f64 = (data: ArrayLike<number>, shape: number[]): Tensor => ({ data: Float64Array.from(data), shape, dtype: 'float64' });
const lossValues = (r: LossResult): Values => r.perSample!;

/** The breakdown with every input read whole (one block each). */
function whole(x: Tensor, y: Tensor, r: LossResult, opts: BreakdownOptions): Breakdown {
  return breakdown(x, y, lossValues(r), r.shape, opts);
}

/** The breakdown with each input in its own size of blocks (units of a batch row, or of an element). */
function blocked(x: Tensor, y: Tensor, r: LossResult, opts: BreakdownOptions, [bx, by, bl]: number[]): Breakdown {
  const losses = inBlocks({ data: r.perSample!.toArray(), shape: r.shape, dtype: 'float64' }, bl);
  return breakdown(inBlocks(x, bx), inBlocks(y, by), losses, r.shape, opts);
}

const BLOCKS = [
  [1, 1, 1],
  [2, 3, 1],
  [3, 1, 5],
  [7, 2, 4],
  [1, 64, 64],
];

describe('the top_* fixtures, inputs in blocks', () => {
  const npy = (p: string) => parseNpy(readFileSync(join(FIXTURES, p)), p);
  const flag = (argv: string[], name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const topCases = cases.filter((c) => c.expected.worst);
  it('has cases', () => expect(topCases.length).toBeGreaterThan(10));
  for (const c of topCases) {
    it(c.name, () => {
      const [mode, xp, yp] = c.argv;
      const x = npy(xp);
      const y = npy(yp);
      const weightPath = flag(c.argv, '--weight');
      const weight = weightPath ? npy(weightPath) : undefined;
      const classDim = flag(c.argv, '--class-dim') === undefined ? undefined : Number(flag(c.argv, '--class-dim'));
      const input = flag(c.argv, '--input') as 'probs' | undefined;
      const binary = mode === 'bce' || mode === 'binary-cross-entropy';
      const r = binary
        ? (mode === 'bce' ? bceWithLogits : binaryCrossEntropy)(x, y, { weight, reduction: 'none' })
        : mode === 'nll'
          ? nllLoss(x, y, { weight, classDim, reduction: 'none' })
          : crossEntropy(x, y, { weight, classDim, input, reduction: 'none' });
      const kind: PredictionKind = binary
        ? mode === 'bce'
          ? 'binary'
          : 'binary-probabilities'
        : mode === 'nll'
          ? 'log-probabilities'
          : input === 'probs'
            ? 'probabilities'
            : 'logits';
      const opts = { kind, top: Number(flag(c.argv, '--top')), ignoreIndex: -100, classDim };
      const want = whole(x, y, r, opts);
      expectReport({ ...c, expected: { worst: c.expected.worst, perClass: c.expected.perClass } }, want as unknown as Report);
      for (const sizes of BLOCKS) expect(blocked(x, y, r, opts, sizes), `blocks ${sizes}`).toEqual(want);
    });
  }
});

/** Logits on a coarse grid (equal losses, equal maxima), with NaNs, and labels with ignored targets. */
function classData(rng: Rng, shape: number[], classDim: number | undefined, probabilityTargets: boolean) {
  const { outer, classes: C, inner, outShape } = classLayout(shape, classDim);
  const x = f64(
    Array.from({ length: numel(shape) }, () => (rng.chance(0.01) ? NaN : rng.int(5) / 2)),
    shape,
  );
  if (!probabilityTargets) {
    const y = f64(Array.from({ length: outer * inner }, () => (rng.chance(0.15) ? -100 : rng.int(C))), outShape);
    return { x, y };
  }
  const q = new Float64Array(numel(shape));
  for (let n = 0; n < outer; n++) {
    for (let s = 0; s < inner; s++) {
      let total = 0;
      for (let c = 0; c < C; c++) total += q[(n * C + c) * inner + s] = 1 + rng.int(3);
      for (let c = 0; c < C; c++) q[(n * C + c) * inner + s] /= total;
    }
  }
  return { x, y: f64(q, shape) };
}

describe('blocks of any size give the whole-array breakdown', () => {
  const layouts: { shape: number[]; classDim?: number }[] = [
    { shape: [300, 5] },
    { shape: [40, 4, 3] },
    { shape: [6, 20, 7], classDim: -1 },
    { shape: [5, 3, 4, 2], classDim: 2 },
    { shape: [9] },
  ];
  for (const { shape, classDim } of layouts) {
    for (const probabilityTargets of [false, true]) {
      it(`cross-entropy on ${JSON.stringify(shape)}, class dim ${classDim ?? 'default'}, ${probabilityTargets ? 'probability' : 'index'} targets`, () => {
        const rng = new Rng(11, shape.length * 2 + Number(probabilityTargets));
        const { x, y } = classData(rng, shape, classDim, probabilityTargets);
        const r = crossEntropy(x, y, { classDim, reduction: 'none' });
        for (const top of [1, 4, 25, 10_000]) {
          const opts = { kind: 'logits' as const, top, ignoreIndex: -100, classDim };
          const want = whole(x, y, r, opts);
          expect(want.worst.length).toBe(Math.min(top, want.perClass.reduce((n, c) => n + c.count, 0)));
          for (const sizes of BLOCKS) expect(blocked(x, y, r, opts, sizes), `top ${top}, blocks ${sizes}`).toEqual(want);
        }
      });
    }
  }

  for (const kind of ['binary', 'binary-probabilities'] as const) {
    it(`${kind} on (60, 7), with equal losses`, () => {
      const rng = new Rng(12, kind.length);
      const shape = [60, 7];
      const x = f64(
        Array.from({ length: 420 }, () => (kind === 'binary' ? rng.int(7) - 3 : (1 + rng.int(3)) / 4)),
        shape,
      );
      const t = f64(
        Array.from({ length: 420 }, () => rng.int(3) / 2),
        shape,
      );
      const r = kind === 'binary' ? bceWithLogits(x, t, { reduction: 'none' }) : binaryCrossEntropy(x, t, { reduction: 'none' });
      for (const top of [1, 5, 1000]) {
        const opts = { kind, top, ignoreIndex: -100 };
        const want = whole(x, t, r, opts);
        expect(want.worst.length).toBe(Math.min(top, 420));
        for (const sizes of BLOCKS) expect(blocked(x, t, r, opts, sizes), `top ${top}, blocks ${sizes}`).toEqual(want);
      }
    });
  }

  it('int64 labels in blocks read as their whole tensor does', () => {
    const rng = new Rng(13);
    const { x, y } = classData(rng, [50, 6], undefined, false);
    const y64: Tensor = { data: BigInt64Array.from(y.data as Float64Array, (v) => BigInt(v)), shape: y.shape, dtype: 'int64' };
    const r = crossEntropy(x, y64, { reduction: 'none' });
    const opts = { kind: 'logits' as const, top: 8, ignoreIndex: -100 };
    const want = whole(x, y, r, opts);
    for (const sizes of BLOCKS) expect(blocked(x, y64, r, opts, sizes)).toEqual(want);
  });
});

describe('the sinks', () => {
  // the losses as the breakdown ranks them: NaN as +inf, then the lower index first
  const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);

  it('worst: the k largest losses, largest first, NaN as +inf, ties in index order', () => {
    const rng = new Rng(14);
    const pool = [0, 0.5, 1, 1, 2, Infinity, NaN, -1];
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + rng.int(80);
      const losses = Float64Array.from({ length: n }, () => rng.pick(pool));
      const x = f64(new Float64Array(n), [n]);
      const r = { perSample: inMemoryLosses(losses, [n]), shape: [n] } as LossResult;
      const k = rng.int(n + 3);
      const got = blocked(x, x, r, { kind: 'binary', top: k, ignoreIndex: -100 }, [1 + rng.int(5), 1 + rng.int(5), 1 + rng.int(5)]).worst;
      expect(got.length).toBe(Math.min(k, n));
      const kept = new Set(got.map((w) => w.index));
      got.forEach((w, i) => {
        expect(Object.is(w.loss, losses[w.index])).toBe(true);
        if (i > 0) {
          const prev = got[i - 1];
          expect(rank(prev.loss) > rank(w.loss) || (rank(prev.loss) === rank(w.loss) && prev.index < w.index)).toBe(true);
        }
      });
      // every sample left out ranks below the last one kept
      const last = got[got.length - 1];
      for (let i = 0; i < n && k > 0; i++) {
        if (kept.has(i)) continue;
        expect(rank(losses[i]) < rank(last.loss) || (rank(losses[i]) === rank(last.loss) && i > last.index)).toBe(true);
      }
    }
  });

  it('histogram: the finite losses in equal bins from their min to their max, read twice in blocks', () => {
    const rng = new Rng(15);
    const n = 500;
    const losses = Float64Array.from({ length: n }, () => (rng.chance(0.05) ? rng.pick([NaN, Infinity]) : rng.int(1000) / 7));
    const x = f64(new Float64Array(n), [n]);
    const r = { perSample: inMemoryLosses(losses, [n]), shape: [n] } as LossResult;
    const l = inBlocks({ data: losses, shape: [n], dtype: 'float64' }, 3);
    const h = breakdown(x, x, l, [n], { kind: 'binary', top: 1, ignoreIndex: -100, bins: 6 }).histogram;
    expect(l.largest).toBe(3);
    const finite = [...losses].filter(Number.isFinite);
    const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
    expect(h.nonFinite).toBe(n - finite.length);
    expect(h.edges[0]).toBe(lo);
    expect(h.edges[6]).toBe(hi);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(finite.length);
    for (let b = 0; b < 6; b++) {
      const inBin = finite.filter((v) => v >= h.edges[b] && (b === 5 ? v <= hi : v < h.edges[b + 1])).length;
      expect(inBin, `bin ${b}`).toBe(h.counts[b]);
    }
    expect(whole(x, x, r, { kind: 'binary', top: 1, ignoreIndex: -100, bins: 6 }).histogram).toEqual(h);
  });

  it('histogram: one bin when every finite loss is the same; none when no loss is finite', () => {
    const x = f64([0, 0, 0], [3]);
    const histogramOf = (losses: number[]) => breakdown(x, x, inMemory(f64(losses, [3])), [3], { kind: 'binary', top: 1, ignoreIndex: -100 }).histogram;
    const same = [2, 2, NaN];
    // the one bin is [min, max] of the finite losses, here both the same loss
    expect(histogramOf(same)).toEqual({ edges: [same[0], same[1]], counts: [2], nonFinite: 1 });
    expect(histogramOf([NaN, Infinity, -Infinity])).toEqual({ edges: [], counts: [], nonFinite: 3 });
  });
});
