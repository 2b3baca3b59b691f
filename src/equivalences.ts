/**
 * `check`: every way of computing the loss that applies to the data, and the pairs that must
 * agree. Class-index labels:
 *   cross-entropy = nll(log_softmax) = gather = cross-entropy on one-hot probabilities
 * With --input probs or log-probs the same ways take log p (torch.log(p), or the input as
 * given) where they took log_softmax(x): cross-entropy(--input) = nll(log p) = gather(log p) =
 * one-hot. gather applies log_softmax to log p, so it agrees only when the rows of p sum to 1:
 * the check proves that the probabilities are normalised.
 * Labels of the logits' shape (binary / multi-label):
 *   bce-logits(x, t) = cross-entropy(stack([0, x], 1), stack([1 - t, t], 1))
 *                    = binary_cross_entropy(sigmoid(x), t)
 * since softmax([0, x])_1 = σ(x). The last is the manual path, with σ(x) rounded to float64 as
 * torch.sigmoid rounds it: 1 - σ(x) loses digits for large x (σ(x) = 1 exactly from x ≈ 36.7
 * on), and binary_cross_entropy clamps each log at -100 (σ(x) = e^x below x = -100), so for
 * such logits the two legitimately differ, in PyTorch too; the failed check says so.
 * A way that the options rule out is skipped, with the reason.
 */
import { compareValues, type Check, type Tolerance } from './checks.js';
import { bceWithLogits } from './losses/bce-with-logits.js';
import { binaryCrossEntropy } from './losses/binary-cross-entropy.js';
import { logProbabilities, sigmoid, type InputKind } from './losses/probabilities.js';
import { crossEntropy } from './losses/cross-entropy.js';
import { gatherLoss } from './losses/gather.js';
import { logSoftmaxValues } from './losses/log-softmax.js';
import { nllLoss } from './losses/nll.js';
import type { LossResult, Reduction } from './losses/reduce.js';
import { binaryLabels, classIndices, IGNORE_INDEX, materialize } from './losses/targets.js';
import { InputError, UsageError } from './errors.js';

const BINARY = 'these labels have the logits shape, so check compares bce-logits with two-class cross-entropy';
import { asFloats, classLayout, formatIndex, numel, type Tensor } from './tensor.js';
import { asValues, generated, mapValues, type Values } from './values.js';

export interface LossInputs {
  logits: Tensor | Values;
  labels: Tensor | Values;
  weight?: Tensor;
  posWeight?: Tensor;
}

export interface LossSettings {
  reduction: Reduction;
  ignoreIndex: number;
  labelSmoothing: number;
  /** What the predictions hold (--input); check takes it for class labels. */
  inputKind: InputKind;
}

export interface Equivalence {
  /** The ways computed, by name, first one the primary. */
  losses: [string, LossResult][];
  /** Ways the options rule out, with the reason. */
  skipped: [string, string][];
  checks: Check[];
  /** Why nothing was compared, when nothing was: a check that proves nothing fails. */
  unchecked?: string;
}

export function equivalences(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  const binary = binaryLabels('check', inputs.logits.shape, inputs.labels.shape);
  // a flag for the other kind of labels would be silently ignored: say so instead
  if (binary && settings.labelSmoothing > 0) throw new UsageError(`--label-smoothing applies to class labels; ${BINARY}`);
  if (binary && settings.ignoreIndex !== IGNORE_INDEX) throw new UsageError(`--ignore-index applies to class labels; ${BINARY}`);
  if (binary && settings.inputKind !== 'logits') {
    throw new UsageError(
      `--input ${settings.inputKind} applies to class labels; ${BINARY} (binary targets on probabilities: binary-cross-entropy; ` +
        'class probabilities: cross-entropy --input)',
    );
  }
  if (!binary && inputs.posWeight) {
    throw new UsageError('--pos-weight applies to binary targets (labels of the logits shape); these labels are class indices');
  }
  return binary ? binaryWays(inputs, settings, tol) : classIndexWays(inputs, settings, tol);
}

function classIndexWays(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  const { logits, labels, weight } = inputs;
  const { reduction, ignoreIndex, labelSmoothing, inputKind: input } = settings;
  const losses: [string, LossResult][] = [];
  const skipped: [string, string][] = [];
  const ce = crossEntropy(logits, labels, { weight, ignoreIndex, reduction, labelSmoothing, input });
  losses.push(['cross-entropy', ce]);
  // log p as the other ways take it: log_softmax(x), torch.log(p), or the log-probabilities as given
  const logp = input === 'probs' ? logProbabilities(asValues(logits), PROBS) : asValues(logits);

  if (labelSmoothing > 0) skipped.push(['nll', 'label smoothing is cross-entropy only']);
  else losses.push(['nll', nllLoss(input === 'logits' ? logSoftmaxValues(logp) : logp, labels, { weight, ignoreIndex, reduction })]);

  if (weight) skipped.push(['gather', 'no class weights in the manual path']);
  else if (labelSmoothing > 0) skipped.push(['gather', 'no label smoothing in the manual path']);
  else losses.push(['gather', gatherLoss(logp, labels, { ignoreIndex, reduction })]);

  const layout = classLayout(logits.shape);
  const y = classIndices(materialize(labels), logits.shape, layout, ignoreIndex);
  if (y.includes(ignoreIndex)) skipped.push(['cross-entropy-onehot', 'ignored targets have no one-hot row']);
  else if (weight && reduction === 'mean') {
    skipped.push(['cross-entropy-onehot', 'with class weights the probability mean divides by N, not Σ w_y']);
  } else {
    const onehot = oneHot(y, logits.shape, layout.classes, layout.inner);
    losses.push(['cross-entropy-onehot', crossEntropy(logits, onehot, { weight, reduction, labelSmoothing, input })]);
  }
  const result = compared(losses, skipped, tol);
  const gather = result.checks.find((c) => c.name.endsWith('= gather'));
  if (input !== 'logits' && gather && !gather.ok && !Number.isNaN(gather.a) && !Number.isNaN(gather.b)) {
    gather.note = `gather takes log_softmax(log p), which is log p only where the rows of p sum to 1: these ${input} are not normalised`;
  }
  return result;
}

function binaryWays(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  const { logits, labels, weight, posWeight } = inputs;
  const { reduction } = settings;
  const losses: [string, LossResult][] = [['bce-logits', bceWithLogits(logits, labels, { weight, posWeight, reduction })]];
  const skipped: [string, string][] = [];
  if (weight || posWeight) {
    skipped.push(['cross-entropy-binary', 'weight and pos_weight have no two-class counterpart']);
  } else {
    const twoLogits = stackClasses(asValues(logits), () => 0, (x) => x);
    const twoTargets = stackClasses(asValues(labels), (t) => 1 - t, (t) => t);
    losses.push(['cross-entropy-binary', crossEntropy(twoLogits, twoTargets, { reduction })]);
  }
  const sigmoidWay = posWeight ? undefined : throughSigmoid(logits, labels, weight, reduction);
  if (!sigmoidWay) skipped.push([SIGMOID_PATH, 'binary_cross_entropy has no pos_weight']);
  else if ('skipped' in sigmoidWay) skipped.push([SIGMOID_PATH, sigmoidWay.skipped]);
  else losses.push([SIGMOID_PATH, sigmoidWay.result]);
  const result = compared(losses, skipped, tol);
  const check = result.checks.find((c) => c.name.endsWith(SIGMOID_PATH));
  if (check && !check.ok && sigmoidWay && 'note' in sigmoidWay && !Number.isNaN(check.a) && !Number.isNaN(check.b)) {
    check.note = sigmoidWay.note();
  }
  return result;
}

/** The manual path on binary data: sigmoid, then binary_cross_entropy on the probabilities. */
const SIGMOID_PATH = 'binary-cross-entropy-sigmoid';

/**
 * binary_cross_entropy(sigmoid(x), t), with what to say if it disagrees: the largest logit,
 * where float64 loses what bce-logits keeps. A NaN logit has a NaN sigmoid, which
 * binary_cross_entropy refuses (in PyTorch too): the way is skipped then.
 */
function throughSigmoid(
  logits: Tensor | Values,
  labels: Tensor | Values,
  weight: Tensor | undefined,
  reduction: Reduction,
): { result: LossResult; note: () => string } | { skipped: string } {
  let extreme = { x: 0, at: -1 };
  let nan = -1;
  const p = mapValues(asValues(logits), (x, i) => {
    if (Math.abs(x) > Math.abs(extreme.x)) extreme = { x, at: i };
    if (Number.isNaN(x) && nan < 0) nan = i;
    return sigmoid(x);
  });
  const at = (i: number) => formatIndex(i, logits.shape);
  try {
    const result = binaryCrossEntropy(p, labels, { weight, reduction });
    const note = () =>
      `the logits reach ${extreme.x} (at index ${at(extreme.at)}), where sigmoid(x) rounds in float64 (to 1 from ` +
      'x = 36.7 on) and binary_cross_entropy clamps each log at -100: the two differ there in PyTorch too; bce-logits is the exact one';
    return { result, note };
  } catch (e) {
    if (!(e instanceof InputError) || nan < 0) throw e;
    return { skipped: `the logit at index ${at(nan)} is NaN, and binary_cross_entropy refuses its sigmoid` };
  }
}

const PROBS = 'check with --input probs takes probabilities (for logits use --input logits)';

/**
 * The first way against each of the others; nothing when every other way was skipped, or
 * when no target contributes and every way is NaN (NaN against NaN proves nothing).
 */
function compared(losses: [string, LossResult][], skipped: [string, string][], tol: Tolerance): Equivalence {
  if (losses.length < 2) return { losses, skipped, checks: [], unchecked: 'every other way was skipped' };
  if (losses.every(([, r]) => r.weightSum === 0 && typeof r.loss === 'number' && Number.isNaN(r.loss))) {
    return { losses, skipped, checks: [], unchecked: 'every way is NaN (no contributing targets)' };
  }
  const [first, result] = losses[0];
  const checks = losses.slice(1).map(([name, other]) => compareValues(`${first} = ${name}`, result.loss, other.loss, tol));
  return { losses, skipped, checks };
}

/** Class indices -> one-hot probabilities of the logits' shape, made a block at a time. */
function oneHot(y: Float64Array, shape: number[], classes: number, inner: number): Values {
  return generated(shape, (out, firstValue) => {
    for (let k = 0; k < out.length; k++) {
      const i = firstValue + k;
      const c = Math.floor(i / inner) % classes;
      const pos = Math.floor(i / (classes * inner)) * inner + (i % inner);
      out[k] = y[pos] === c ? 1 : 0;
    }
  });
}

/**
 * stack([f(v), g(v)], dim=1) for v of shape (N, d1, ...): shape (N, 2, d1, ...), read from `v`
 * a block of batch rows at a time. A 0-d or 1-element unbatched v gives shape (2,).
 */
function stackClasses(v: Values, f: (x: number) => number, g: (x: number) => number): Values {
  const shape = v.shape;
  const inner = shape.length === 0 ? 1 : numel(shape.slice(1));
  const stacked = shape.length === 0 ? [2] : [shape[0], 2, ...shape.slice(1)];
  return {
    shape: stacked,
    dtype: 'float64',
    read(unit, start, end, visit) {
      // whole batch rows: one row of the stack is 2 * inner values
      const rowsPerUnit = unit / (2 * inner);
      v.read(inner * rowsPerUnit, start, end, (d, first, count) => {
        const x = asFloats(d);
        const out = new Float64Array(2 * x.length);
        for (let n = 0; n < x.length / inner; n++) {
          for (let s = 0; s < inner; s++) {
            out[2 * n * inner + s] = f(x[n * inner + s]);
            out[(2 * n + 1) * inner + s] = g(x[n * inner + s]);
          }
        }
        visit(out, first, count);
      });
    },
  };
}
