/**
 * Properties at the edges: large finite logits give finite losses (the stable log-sum-exp and
 * log-sigmoid at work), and a NaN logit poisons exactly its own row, as in PyTorch, unless
 * that row's target is ignored.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { bceWithLogits } from '../../src/losses/bce-with-logits.js';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { gatherLoss } from '../../src/losses/gather.js';
import { logSoftmax } from '../../src/losses/log-softmax.js';
import { nllLoss } from '../../src/losses/nll.js';
import type { LossResult } from '../../src/losses/reduce.js';
import { numel } from '../../src/tensor.js';
import { bceCase, classCase, f64, labels, logits, options, posWeightShape, probabilities, values } from './arbitraries.js';
import { bceTolerance, EXACT, expectClose, maxAbs } from './close.js';

const RUNS = 300;
const BIG = 1e4;

/** Every unreduced loss finite and >= floor; the reduced loss finite (NaN only for a mean over nothing). */
function expectFinite(r: LossResult, floor: number, what: string): void {
  r.perSample!.toArray().forEach((l, i) => {
    if (!Number.isFinite(l) || l < floor) throw new Error(`${what}: element ${i} is ${l}`);
  });
  const loss = r.loss as number;
  const emptyMean = r.reduction === 'mean' && r.count === 0;
  if (r.reduction !== 'none' && (emptyMean ? !Number.isNaN(loss) : !Number.isFinite(loss))) {
    throw new Error(`${what}: ${r.reduction} is ${loss} over ${r.count} elements`);
  }
}

describe(`finite logits up to ${BIG} give finite losses (properties)`, () => {
  // cross-entropy's loss is >= 0 exactly: x_y - m <= 0 and log Σ exp(x_c - m) >= log 1 = 0
  // survive rounding (both operations are monotone), and weights and smoothing only add
  // non-negative products.
  it('cross-entropy, class indices, with label smoothing and weights in [1e-3, 1e3]', () => {
    fc.assert(
      fc.property(classCase({ logitMax: BIG, weights: 'maybe', weightRange: [1e-3, 1e3], smoothing: true }), (c) => {
        expectFinite(crossEntropy(logits(c), labels(c), { ...options(c), labelSmoothing: c.labelSmoothing }), 0, 'ce');
      }),
      { numRuns: RUNS },
    );
  });

  it('cross-entropy, probability targets, with label smoothing and weights in [1e-3, 1e3]', () => {
    const arb = classCase({ logitMax: BIG, ignore: false, weights: 'maybe', weightRange: [1e-3, 1e3], smoothing: true }).chain((c) =>
      fc.tuple(fc.constant(c), probabilities(c)),
    );
    fc.assert(
      fc.property(arb, ([c, q]) => {
        const r = crossEntropy(logits(c), f64(q, c.shape), { weight: options(c).weight, reduction: c.reduction, labelSmoothing: c.labelSmoothing });
        expectFinite(r, 0, 'ce(probabilities)');
      }),
      { numRuns: RUNS },
    );
  });

  it('bce-with-logits, with weight and pos_weight in [1e-3, 1e3]', () => {
    const arb = bceCase(BIG).chain((b) =>
      fc.tuple(fc.constant(b), fc.option(values(b.x.length, 1e-3, 1e3)), fc.option(values(numel(posWeightShape(b.shape)), 1e-3, 1e3))),
    );
    fc.assert(
      fc.property(arb, ([b, w, p]) => {
        const r = bceWithLogits(f64(b.x, b.shape), f64(b.t, b.shape), {
          weight: w ? f64(w, b.shape) : undefined,
          posWeight: p ? f64(p, posWeightShape(b.shape)) : undefined,
          reduction: b.reduction,
        });
        // bce's true loss is >= 0; the computed one may dip below by its rounding error (bceTolerance)
        const slack = bceTolerance('none', { B: maxAbs(b.x), count: 1, wmax: w ? maxAbs(w) : 1, pmax: p ? maxAbs(p) : 1 }).atol;
        expectFinite(r, -slack, 'bce');
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * With one logit set to NaN, `poisoned` must equal `clean` except at `row`: NaN there (and in
 * sum and mean) when the row counts, nothing changed at all when its target is ignored.
 * Other rows are compared bitwise: a row's loss reads only that row's logits.
 */
function expectNaNOnlyAt(poisoned: LossResult, clean: LossResult, row: number, ignored: boolean, what: string): void {
  if (ignored) {
    expectClose(poisoned.perSample, clean.perSample, EXACT, `${what}: ignored row`);
    expectClose(poisoned.loss, clean.loss, EXACT, `${what}: ignored row, ${clean.reduction}`);
    return;
  }
  const expected = Float64Array.from(clean.perSample!.toArray());
  expected[row] = NaN;
  expectClose(poisoned.perSample, expected, EXACT, `${what}: NaN row`);
  if (clean.reduction !== 'none' && !Number.isNaN(poisoned.loss as number)) {
    throw new Error(`${what}: ${clean.reduction} is ${String(poisoned.loss)}, expected NaN`);
  }
}

describe('a NaN logit propagates to its row only (properties)', () => {
  it('cross-entropy, nll(log_softmax) and gather: the row goes NaN, unless its target is ignored', () => {
    const arb = classCase({ weights: 'maybe', smoothing: true }).chain((c) =>
      fc.tuple(fc.constant(c), fc.integer({ min: 0, max: c.x.length - 1 })),
    );
    fc.assert(
      fc.property(arb, ([c, e]) => {
        const x = Float64Array.from(c.x);
        x[e] = NaN;
        const n = Math.floor(e / (c.classes * c.inner));
        const row = n * c.inner + (e % c.inner);
        const ignored = c.y[row] === c.ignoreIndex;
        const ce = { ...options(c), labelSmoothing: c.labelSmoothing };
        expectNaNOnlyAt(crossEntropy(logits(c, x), labels(c), ce), crossEntropy(logits(c), labels(c), ce), row, ignored, 'ce');
        const nll = (xs: Float64Array) => nllLoss(logSoftmax(logits(c, xs)), labels(c), options(c));
        expectNaNOnlyAt(nll(x), nll(c.x), row, ignored, 'nll(log_softmax)');
        const gather = (xs: Float64Array) => gatherLoss(logits(c, xs), labels(c), { ignoreIndex: c.ignoreIndex, reduction: c.reduction });
        expectNaNOnlyAt(gather(x), gather(c.x), row, ignored, 'gather');
      }),
      { numRuns: RUNS },
    );
  });

  it('bce-with-logits: the element goes NaN', () => {
    const arb = bceCase(20).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: b.x.length - 1 })));
    fc.assert(
      fc.property(arb, ([{ shape, x, t, reduction }, e]) => {
        const poisoned = Float64Array.from(x);
        poisoned[e] = NaN;
        const run = (xs: Float64Array) => bceWithLogits(f64(xs, shape), f64(t, shape), { reduction });
        expectNaNOnlyAt(run(poisoned), run(x), e, false, 'bce');
      }),
      { numRuns: RUNS },
    );
  });
});
