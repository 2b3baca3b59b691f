/**
 * `check`: every way of computing the loss that applies to the data, and the pairs that must
 * agree. Class-index labels:
 *   cross-entropy = nll(log_softmax) = gather = cross-entropy on one-hot probabilities
 * Labels of the logits' shape (binary / multi-label):
 *   bce-logits(x, t) = cross-entropy(stack([0, x], 1), stack([1 - t, t], 1))
 * since softmax([0, x])_1 = σ(x). A way that the options rule out is skipped, with the reason.
 */
import { compareValues, type Check, type Tolerance } from './checks.js';
import { bceWithLogits } from './losses/bce-with-logits.js';
import { crossEntropy } from './losses/cross-entropy.js';
import { gatherLoss } from './losses/gather.js';
import { logSoftmax } from './losses/log-softmax.js';
import { nllLoss } from './losses/nll.js';
import type { LossResult, Reduction } from './losses/reduce.js';
import { classIndices } from './losses/targets.js';
import { classLayout, numel, sameShape, toFloat64, type Tensor } from './tensor.js';

export interface LossInputs {
  logits: Tensor;
  labels: Tensor;
  weight?: Tensor;
  posWeight?: Tensor;
}

export interface LossSettings {
  reduction: Reduction;
  ignoreIndex: number;
  labelSmoothing: number;
}

export interface Equivalence {
  /** The ways computed, by name, first one the primary. */
  losses: [string, LossResult][];
  /** Ways the options rule out, with the reason. */
  skipped: [string, string][];
  checks: Check[];
}

export function equivalences(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  return sameShape(inputs.labels.shape, inputs.logits.shape)
    ? binaryWays(inputs, settings, tol)
    : classIndexWays(inputs, settings, tol);
}

function classIndexWays(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  const { logits, labels, weight } = inputs;
  const { reduction, ignoreIndex, labelSmoothing } = settings;
  const losses: [string, LossResult][] = [];
  const skipped: [string, string][] = [];
  const ce = crossEntropy(logits, labels, { weight, ignoreIndex, reduction, labelSmoothing });
  losses.push(['cross-entropy', ce]);

  if (labelSmoothing > 0) skipped.push(['nll', 'label smoothing is cross-entropy only']);
  else losses.push(['nll', nllLoss(logSoftmax(logits), labels, { weight, ignoreIndex, reduction })]);

  if (weight) skipped.push(['gather', 'no class weights in the manual path']);
  else if (labelSmoothing > 0) skipped.push(['gather', 'no label smoothing in the manual path']);
  else losses.push(['gather', gatherLoss(logits, labels, { ignoreIndex, reduction })]);

  const layout = classLayout(logits.shape);
  const y = classIndices(labels, logits.shape, layout, ignoreIndex);
  if (y.includes(ignoreIndex)) skipped.push(['cross-entropy-onehot', 'ignored targets have no one-hot row']);
  else if (weight && reduction === 'mean') {
    skipped.push(['cross-entropy-onehot', 'with class weights the probability mean divides by N, not Σ w_y']);
  } else {
    const onehot = oneHot(y, logits.shape, layout.classes, layout.inner);
    losses.push(['cross-entropy-onehot', crossEntropy(logits, onehot, { weight, reduction, labelSmoothing })]);
  }
  return { losses, skipped, checks: pairs(losses, tol) };
}

function binaryWays(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  const { logits, labels, weight, posWeight } = inputs;
  const { reduction } = settings;
  const losses: [string, LossResult][] = [['bce-logits', bceWithLogits(logits, labels, { weight, posWeight, reduction })]];
  const skipped: [string, string][] = [];
  if (weight || posWeight) {
    skipped.push(['cross-entropy-binary', 'weight and pos_weight have no two-class counterpart']);
  } else {
    const x = toFloat64(logits);
    const t = toFloat64(labels);
    const twoLogits = stackClasses(new Float64Array(x.length), x, logits.shape);
    const twoTargets = stackClasses(t.map((v) => 1 - v), t, logits.shape);
    losses.push(['cross-entropy-binary', crossEntropy(twoLogits, twoTargets, { reduction })]);
  }
  return { losses, skipped, checks: pairs(losses, tol) };
}

/** The first way against each of the others. */
function pairs(losses: [string, LossResult][], tol: Tolerance): Check[] {
  const [first, result] = losses[0];
  return losses.slice(1).map(([name, other]) => compareValues(`${first} = ${name}`, result.loss, other.loss, tol));
}

/** Class indices -> one-hot probabilities of the logits' shape. */
function oneHot(y: Float64Array, shape: number[], classes: number, inner: number): Tensor {
  const out = new Float64Array(numel(shape));
  for (let pos = 0; pos < y.length; pos++) {
    const n = Math.floor(pos / inner);
    const s = pos % inner;
    out[(n * classes + y[pos]) * inner + s] = 1;
  }
  return { data: out, shape: [...shape], dtype: 'float64' };
}

/** stack([a, b], dim=1) for a, b of `shape` (dim 0 for a 0-d or unbatched 1-element input). */
function stackClasses(a: Float64Array, b: Float64Array, shape: number[]): Tensor {
  const outer = shape.length === 0 ? 1 : shape[0];
  const inner = shape.length === 0 ? 1 : numel(shape.slice(1));
  const out = new Float64Array(2 * a.length);
  for (let n = 0; n < outer; n++) {
    for (let s = 0; s < inner; s++) {
      out[2 * n * inner + s] = a[n * inner + s];
      out[(2 * n + 1) * inner + s] = b[n * inner + s];
    }
  }
  const stacked = shape.length === 0 ? [2] : [shape[0], 2, ...shape.slice(1)];
  return { data: out, shape: stacked, dtype: 'float64' };
}
