/**
 * Properties of the class-index losses over random shapes and values: the ways of computing
 * cross-entropy agree, it ignores a per-row shift of the logits, and options that mean
 * "nothing" (weights of 1, label smoothing 0, one-hot probabilities) change nothing.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { gatherLoss } from '../../src/losses/gather.js';
import { logSoftmax } from '../../src/losses/log-softmax.js';
import { nllLoss } from '../../src/losses/nll.js';
import { numel } from '../../src/tensor.js';
import { at, classCase, f64, labels, logits, oneHot, options, probabilities, value, weightRange, type ClassCase } from './arbitraries.js';
import { ceTolerance, expectClose, maxAbs } from './close.js';

const RUNS = 300;

/** The error model of ceTolerance for this case, B covering every logits array involved. */
function tolerance(c: ClassCase, ...xs: Float64Array[]) {
  return ceTolerance(c.reduction, { B: maxAbs(c.x, ...xs), C: c.classes, count: numel(c.outShape), ...weightRange(c.weight) });
}

describe('cross-entropy with class indices (properties)', () => {
  it('cross_entropy = nll_loss(log_softmax) = gather, with ignore_index, K-dim and unbatched inputs', () => {
    fc.assert(
      fc.property(classCase({ minN: 0, weights: 'maybe' }), (c) => {
        const ce = crossEntropy(logits(c), labels(c), options(c));
        const nll = nllLoss(logSoftmax(logits(c)), labels(c), options(c));
        expectClose(nll.loss, ce.loss, tolerance(c), 'nll(log_softmax)');
        if (nll.count !== ce.count) throw new Error(`count ${nll.count} vs ${ce.count}`);
        if (!c.weight) {
          const gather = gatherLoss(logits(c), labels(c), { ignoreIndex: c.ignoreIndex, reduction: c.reduction });
          expectClose(gather.loss, ce.loss, tolerance(c), 'gather');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is invariant to adding a constant to every logit of a row', () => {
    // shifts up to 1e3 against logits up to 10: the tolerance grows with B = max |x + k|
    const arb = classCase({ weights: 'maybe', smoothing: true }).chain((c) =>
      fc.tuple(fc.constant(c), fc.array(value(-1e3, 1e3), { minLength: c.rows, maxLength: c.rows })),
    );
    fc.assert(
      fc.property(arb, ([c, shift]) => {
        const shifted = new Float64Array(c.x.length);
        for (let row = 0; row < c.rows; row++) {
          for (let k = 0; k < c.classes; k++) shifted[at(c, row, k)] = c.x[at(c, row, k)] + shift[row];
        }
        const opts = { ...options(c), labelSmoothing: c.labelSmoothing };
        const base = crossEntropy(logits(c), labels(c), opts);
        const moved = crossEntropy(logits(c, shifted), labels(c), opts);
        expectClose(moved.loss, base.loss, tolerance(c, shifted), 'shifted');
      }),
      { numRuns: RUNS },
    );
  });

  it('weights of all ones are no weights (cross-entropy with smoothing, nll)', () => {
    fc.assert(
      fc.property(classCase({ weights: 'never', smoothing: true }), (c) => {
        const ones = f64(new Float64Array(c.classes).fill(1), [c.classes]);
        const ce = { ignoreIndex: c.ignoreIndex, reduction: c.reduction, labelSmoothing: c.labelSmoothing };
        expectClose(
          crossEntropy(logits(c), labels(c), { ...ce, weight: ones }).loss,
          crossEntropy(logits(c), labels(c), ce).loss,
          tolerance(c),
          'ce',
        );
        // nll on the raw logits: it takes any input, not only log-probabilities
        const nll = { ignoreIndex: c.ignoreIndex, reduction: c.reduction };
        expectClose(
          nllLoss(logits(c), labels(c), { ...nll, weight: ones }).loss,
          nllLoss(logits(c), labels(c), nll).loss,
          tolerance(c),
          'nll',
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('class weights scale each element: l_i with weight = w_{y_i} · l_i without (no smoothing)', () => {
    fc.assert(
      fc.property(classCase({ weights: 'always', weightRange: [1e-3, 1e3] }), (c) => {
        const opts = { ignoreIndex: c.ignoreIndex, reduction: 'none' as const };
        const plain = crossEntropy(logits(c), labels(c), opts).perSample!.toArray();
        const weighted = crossEntropy(logits(c), labels(c), { ...opts, weight: options(c).weight }).perSample;
        const w = c.weight as Float64Array;
        const expected = plain.map((l, i) => (c.y[i] === c.ignoreIndex ? 0 : w[c.y[i]] * l));
        expectClose(weighted, expected, tolerance({ ...c, reduction: 'none' }), 'weighted');
      }),
      { numRuns: RUNS },
    );
  });

  it('weights of all ones are no weights with probability targets', () => {
    const arb = classCase({ ignore: false, smoothing: true }).chain((c) => fc.tuple(fc.constant(c), probabilities(c)));
    fc.assert(
      fc.property(arb, ([c, q]) => {
        const ones = f64(new Float64Array(c.classes).fill(1), [c.classes]);
        const opts = { reduction: c.reduction, labelSmoothing: c.labelSmoothing };
        const target = f64(q, c.shape);
        expectClose(
          crossEntropy(logits(c), target, { ...opts, weight: ones }).loss,
          crossEntropy(logits(c), target, opts).loss,
          tolerance(c),
          'ce(probabilities)',
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('label smoothing 0 is no label smoothing (class indices and probabilities)', () => {
    const arb = classCase({ weights: 'maybe' }).chain((c) => fc.tuple(fc.constant(c), probabilities(c)));
    fc.assert(
      fc.property(arb, ([c, q]) => {
        const opts = options(c);
        expectClose(
          crossEntropy(logits(c), labels(c), { ...opts, labelSmoothing: 0 }).loss,
          crossEntropy(logits(c), labels(c), opts).loss,
          tolerance(c),
          'indices',
        );
        const target = f64(q, c.shape);
        const prob = { weight: opts.weight, reduction: c.reduction };
        expectClose(
          crossEntropy(logits(c), target, { ...prob, labelSmoothing: 0 }).loss,
          crossEntropy(logits(c), target, prob).loss,
          tolerance(c),
          'probabilities',
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('one-hot probabilities = class indices (no weights, or weights with sum/none; label smoothing too)', () => {
    // with weights, mean differs on purpose: indices divide by Σ w_y, probabilities by N·d1·…
    const arb = classCase({ ignore: false, weights: 'maybe', smoothing: true }).map((c) =>
      c.weight && c.reduction === 'mean' ? { ...c, reduction: 'sum' as const } : c,
    );
    fc.assert(
      fc.property(arb, (c) => {
        const opts = { weight: options(c).weight, reduction: c.reduction, labelSmoothing: c.labelSmoothing };
        expectClose(
          crossEntropy(logits(c), oneHot(c), opts).loss,
          crossEntropy(logits(c), labels(c), opts).loss,
          tolerance(c),
          'one-hot',
        );
      }),
      { numRuns: RUNS },
    );
  });
});
