/**
 * `check`: every way of computing the loss that applies to the data, and the pairs that must
 * agree. Class-index labels:
 *   cross-entropy = nll(log_softmax) = gather = cross-entropy on one-hot probabilities
 * With --input probs or log-probs the same ways take log p (torch.log(p), or the input as
 * given) where they took log_softmax(x): cross-entropy(--input) = nll(log p) = gather(log p) =
 * one-hot. gather applies log_softmax to log p, so it agrees only when the rows of p sum to 1:
 * the check proves that the probabilities are normalised.
 * Labels of the logits' shape (binary / multi-label): equivalences-binary.ts.
 * A way that the options rule out is skipped, with the reason.
 */
import { compareValues, type Check, type Tolerance } from './checks.js';
import { binaryWays } from './equivalences-binary.js';
import { logProbabilities, type InputKind } from './losses/probabilities.js';
import { crossEntropy } from './losses/cross-entropy.js';
import { gatherLoss } from './losses/gather.js';
import { logSoftmaxValues } from './losses/log-softmax.js';
import { nllLoss } from './losses/nll.js';
import type { KeepLosses, LossResult, Reduction } from './losses/reduce.js';
import { binaryLabels, classIndices, IGNORE_INDEX, materialize } from './losses/targets.js';
import { UsageError } from './errors.js';

const BINARY = 'these labels have the logits shape, so check compares bce-logits with two-class cross-entropy';
import { classLayout, type Tensor } from './tensor.js';
import { asValues, generated, type Values } from './values.js';

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
  /** --class-dim: the loss of x.movedim(classDim, 1); undefined for PyTorch's class dim. */
  classDim?: number;
  /** What the predictions hold (--input); check takes it for class labels. */
  inputKind: InputKind;
  /** What the kernels do with the unreduced losses (reduce.ts); kept in memory unless told. */
  perSample?: KeepLosses;
}

/** The ways computed and skipped, before they are compared. */
export interface Ways {
  losses: [string, LossResult][];
  skipped: [string, string][];
  /** By way: why its check may fail on this data (the two legitimately differ), said if it does. */
  notes?: Record<string, () => string>;
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
  if (binary && settings.classDim !== undefined) throw new UsageError(`--class-dim applies to class labels; ${BINARY}`);
  if (binary && settings.inputKind !== 'logits') {
    throw new UsageError(
      `--input ${settings.inputKind} applies to class labels; ${BINARY} (binary targets on probabilities: binary-cross-entropy; ` +
        'class probabilities: cross-entropy --input)',
    );
  }
  if (!binary && inputs.posWeight) {
    throw new UsageError('--pos-weight applies to binary targets (labels of the logits shape); these labels are class indices');
  }
  return binary ? compared(binaryWays(inputs, settings.reduction, settings.perSample), tol) : classIndexWays(inputs, settings, tol);
}

function classIndexWays(inputs: LossInputs, settings: LossSettings, tol: Tolerance): Equivalence {
  const { logits, labels, weight } = inputs;
  const { reduction, ignoreIndex, labelSmoothing, classDim, inputKind: input, perSample } = settings;
  const losses: [string, LossResult][] = [];
  const skipped: [string, string][] = [];
  const ce = crossEntropy(logits, labels, { weight, ignoreIndex, reduction, labelSmoothing, classDim, input, perSample });
  losses.push(['cross-entropy', ce]);
  // log p as the other ways take it: log_softmax(x), torch.log(p), or the log-probabilities as given
  const logp = input === 'probs' ? logProbabilities(asValues(logits), PROBS) : asValues(logits);

  if (labelSmoothing > 0) skipped.push(['nll', 'label smoothing is cross-entropy only']);
  else losses.push(['nll', nllLoss(input === 'logits' ? logSoftmaxValues(logp, classDim) : logp, labels, { weight, ignoreIndex, reduction, classDim, perSample })]);

  if (weight) skipped.push(['gather', 'no class weights in the manual path']);
  else if (labelSmoothing > 0) skipped.push(['gather', 'no label smoothing in the manual path']);
  else losses.push(['gather', gatherLoss(logp, labels, { ignoreIndex, reduction, classDim, perSample })]);

  const layout = classLayout(logits.shape, classDim);
  const y = classIndices(materialize(labels), logits.shape, layout, ignoreIndex);
  if (y.includes(ignoreIndex)) skipped.push(['cross-entropy-onehot', 'ignored targets have no one-hot row']);
  else if (weight && reduction === 'mean') {
    skipped.push(['cross-entropy-onehot', 'with class weights the probability mean divides by N, not Σ w_y']);
  } else {
    const onehot = oneHot(y, logits.shape, layout.classes, layout.inner);
    losses.push(['cross-entropy-onehot', crossEntropy(logits, onehot, { weight, reduction, labelSmoothing, classDim, input, perSample })]);
  }
  const notes: Ways['notes'] =
    input === 'logits'
      ? {}
      : { gather: () => `gather takes log_softmax(log p), which is log p only where the rows of p sum to 1: these ${input} are not normalised` };
  return compared({ losses, skipped, notes }, tol);
}

const PROBS = 'check with --input probs takes probabilities (for logits use --input logits)';

/**
 * The first way against each of the others; nothing when every other way was skipped, or
 * when no target contributes and every way is NaN (NaN against NaN proves nothing).
 */
function compared({ losses, skipped, notes = {} }: Ways, tol: Tolerance): Equivalence {
  if (losses.length < 2) return { losses, skipped, checks: [], unchecked: 'every other way was skipped' };
  if (losses.every(([, r]) => r.weightSum === 0 && typeof r.loss === 'number' && Number.isNaN(r.loss))) {
    return { losses, skipped, checks: [], unchecked: 'every way is NaN (no contributing targets)' };
  }
  const [first, result] = losses[0];
  const checks = losses.slice(1).map(([name, other]) => {
    const check = compareValues(`${first} = ${name}`, result.loss, other.loss, tol);
    // a difference of numbers (not a NaN) that the data explains
    if (!check.ok && notes[name] && !Number.isNaN(check.a) && !Number.isNaN(check.b)) check.note = notes[name]();
    // NaN against NaN fails (torch.isclose, equal_nan=False) but the ways do not disagree
    else if (!check.ok && Number.isNaN(check.a) && Number.isNaN(check.b)) check.note = 'both ways are NaN: the loss itself is NaN (see the warnings for its first NaN or ±inf)';
    return check;
  });
  return { losses, skipped, checks };
}

/** Class indices -> one-hot probabilities of the logits' shape (classes along the layout's dim), made a block at a time. */
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
