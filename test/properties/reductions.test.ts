/**
 * Properties of the reductions: mean and sum are what the unreduced losses add up to, and
 * results computed per shard of the batch merge (src/merge.ts) into the result of one run.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { bceWithLogits } from '../../src/losses/bce-with-logits.js';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { gatherLoss } from '../../src/losses/gather.js';
import { logSoftmax } from '../../src/losses/log-softmax.js';
import { nllLoss } from '../../src/losses/nll.js';
import type { LossResult, Reduction } from '../../src/losses/reduce.js';
import { mergeResults } from '../../src/merge.js';
import { numel, type Tensor } from '../../src/tensor.js';
import { bceCase, classCase, f64, labels, posWeightShape, logits, options, probabilities, values, type ClassCase } from './arbitraries.js';
import { EXACT, expectClose, mergeTolerance, reductionTolerance } from './close.js';

const RUNS = 300;

/** Σ w_y over the targets that are not ignored (w = 1 without weights). */
function weightOfTargets(c: ClassCase): number {
  let s = 0;
  for (const t of c.y) if (t !== c.ignoreIndex) s += c.weight ? c.weight[t] : 1;
  return s;
}

function naiveSum(xs: Float64Array): number {
  let s = 0;
  for (const v of xs) s += v;
  return s;
}

/** none -> sum and none -> mean (Σ l / denominator) recomputed here, against the library's. */
function checkReductions(run: (r: Reduction) => LossResult, denominator: number, what: string): void {
  const none = run('none').perSample!.toArray();
  const total = naiveSum(none);
  expectClose(run('sum').loss, total, reductionTolerance('sum', none, 1), `${what}: Σ none = sum`);
  expectClose(run('mean').loss, total / denominator, reductionTolerance('mean', none, denominator), `${what}: Σ none / Σ w = mean`);
}

describe('reductions (properties)', () => {
  it('class indices: Σ none = sum and Σ none / Σ w_y (non-ignored) = mean, for ce, nll, gather', () => {
    fc.assert(
      fc.property(classCase({ weights: 'maybe', smoothing: true }), (c) => {
        const W = weightOfTargets(c);
        const ce = (reduction: Reduction) =>
          crossEntropy(logits(c), labels(c), { ...options(c), reduction, labelSmoothing: c.labelSmoothing });
        checkReductions(ce, W, 'ce');
        checkReductions((reduction) => nllLoss(logSoftmax(logits(c)), labels(c), { ...options(c), reduction }), W, 'nll');
        // gather has no weights: its mean counts the non-ignored targets
        const count = c.y.filter((t) => t !== c.ignoreIndex).length;
        checkReductions((reduction) => gatherLoss(logits(c), labels(c), { ignoreIndex: c.ignoreIndex, reduction }), count, 'gather');
      }),
      { numRuns: RUNS },
    );
  });

  it('probability targets: mean = Σ none / (N·d1·…), even with class weights', () => {
    const arb = classCase({ ignore: false, weights: 'maybe', smoothing: true }).chain((c) => fc.tuple(fc.constant(c), probabilities(c)));
    fc.assert(
      fc.property(arb, ([c, q]) => {
        const run = (reduction: Reduction) =>
          crossEntropy(logits(c), f64(q, c.shape), { weight: options(c).weight, reduction, labelSmoothing: c.labelSmoothing });
        checkReductions(run, c.rows, 'ce(probabilities)');
      }),
      { numRuns: RUNS },
    );
  });

  it('bce-with-logits: Σ none = sum and Σ none / numel = mean, with weight and pos_weight', () => {
    const arb = bceCase(20).chain((b) =>
      fc.tuple(fc.constant(b), fc.option(values(numel(b.shape), 0.5, 2)), fc.option(values(numel(posWeightShape(b.shape)), 0.5, 2))),
    );
    fc.assert(
      fc.property(arb, ([b, w, p]) => {
        const opts = { weight: w ? f64(w, b.shape) : undefined, posWeight: p ? f64(p, posWeightShape(b.shape)) : undefined };
        checkReductions((reduction) => bceWithLogits(f64(b.x, b.shape), f64(b.t, b.shape), { ...opts, reduction }), b.x.length, 'bce');
      }),
      { numRuns: RUNS },
    );
  });
});

/** Split points 0 < s_1 < … < s_{k-1} < N: k >= 1 contiguous, non-empty shards of the batch. */
function cuts(n: number): fc.Arbitrary<number[]> {
  return fc.subarray(Array.from({ length: n - 1 }, (_, i) => i + 1)).map((inner) => [0, ...inner, n]);
}

/** Rows [from, to) of a tensor along dim 0 (row-major, so a contiguous block). */
function slice(t: Tensor, from: number, to: number): Tensor {
  const per = numel(t.shape.slice(1));
  return f64(t.data.subarray(from * per, to * per) as Float64Array, [to - from, ...t.shape.slice(1)]);
}

function checkMerge(mode: string, whole: LossResult, parts: LossResult[], denominator: number): void {
  const merged = mergeResults(parts.map((p, i) => ({ ...p, mode, source: `shard ${i}` })));
  // none: a row's loss reads only that row, so sharding cannot change a bit of it
  const tol = whole.reduction === 'none' ? EXACT : mergeTolerance(whole.perSample, whole.reduction === 'mean' ? denominator : 1);
  expectClose(merged.loss, whole.loss, tol, `${mode} ${whole.reduction}: merged`);
  if (merged.count !== whole.count) throw new Error(`count ${merged.count} vs ${whole.count}`);
  if (merged.shape.join() !== whole.shape.join()) throw new Error(`shape (${merged.shape}) vs (${whole.shape})`);
}

describe('shards merged = one run (properties)', () => {
  it('cross-entropy with class indices, weights, ignore_index and label smoothing', () => {
    const arb = classCase({ unbatched: false, weights: 'maybe', smoothing: true }).chain((c) =>
      fc.tuple(fc.constant(c), cuts(c.shape[0])),
    );
    fc.assert(
      fc.property(arb, ([c, at]) => {
        const opts = { ...options(c), labelSmoothing: c.labelSmoothing };
        const run = (x: Tensor, y: Tensor) => crossEntropy(x, y, opts);
        const parts = at.slice(1).map((to, i) => run(slice(logits(c), at[i], to), slice(labels(c), at[i], to)));
        checkMerge('cross-entropy', run(logits(c), labels(c)), parts, weightOfTargets(c));
      }),
      { numRuns: RUNS },
    );
  });

  it('bce-with-logits with a per-element weight', () => {
    const arb = bceCase(20)
      .filter((b) => b.shape.length > 0)
      .chain((b) => fc.tuple(fc.constant(b), values(b.x.length, 0.5, 2), cuts(b.shape[0])));
    fc.assert(
      fc.property(arb, ([b, w, at]) => {
        const [x, t, wt] = [b.x, b.t, w].map((d) => f64(d, b.shape));
        const run = (from: number, to: number) =>
          bceWithLogits(slice(x, from, to), slice(t, from, to), { weight: slice(wt, from, to), reduction: b.reduction });
        const parts = at.slice(1).map((to, i) => run(at[i], to));
        checkMerge('bce-logits', run(0, b.shape[0]), parts, b.x.length);
      }),
      { numRuns: RUNS },
    );
  });
});
