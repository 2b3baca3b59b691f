/**
 * One run's arithmetic, given tensors: the mode's loss (or check's equivalences), then
 * --expect and --reference. Pure: no files, no flags beyond the settings, no printing.
 */
import { compareValues, type Check, type Tolerance } from './checks.js';
import { equivalences, type LossInputs, type LossSettings } from './equivalences.js';
import { InputError } from './errors.js';
import { bceWithLogits } from './losses/bce-with-logits.js';
import { binaryCrossEntropy } from './losses/binary-cross-entropy.js';
import { crossEntropy } from './losses/cross-entropy.js';
import { gatherLoss } from './losses/gather.js';
import { logSoftmaxValues } from './losses/log-softmax.js';
import { nllLoss } from './losses/nll.js';
import type { LossResult } from './losses/reduce.js';
import { binaryLabels, materialize } from './losses/targets.js';
import type { Mode } from './modes.js';
import type { Outcome } from './outcome.js';

export type { Outcome } from './outcome.js';
import { ambiguousLayout, formatShape, numel, sameShape, toFloat64, type Tensor } from './tensor.js';
import { asValues, type Values } from './values.js';
import { dataWarnings } from './warnings.js';

export interface Settings extends LossSettings {
  mode: Mode;
  logSoftmax: boolean;
  expect?: number;
  tolerance: Tolerance;
}

/**
 * The run's result and checks. `computed` is the mode's loss when the shell already has it
 * (a parallel run computes it in threads, each over its rows, with lossFor).
 */
export function evaluate(inputs: LossInputs & { reference?: Tensor | Values }, settings: Settings, computed?: LossResult): Outcome {
  const ways =
    settings.mode === 'check'
      ? equivalences(inputs, settings, settings.tolerance)
      : {
          losses: [[settings.mode, computed ?? lossFor(settings.mode, inputs, settings)] as [string, LossResult]],
          skipped: [],
          checks: [],
          unchecked: undefined,
        };
  const result = ways.losses[0][1];
  const checks = [...ways.checks];
  if (settings.expect !== undefined) {
    checks.push(compareValues('expect', result.loss, settings.expect, settings.tolerance));
  }
  if (inputs.reference) checks.push(referenceCheck(result, inputs.reference, settings.tolerance));
  return {
    mode: settings.mode,
    result,
    losses: ways.losses,
    skipped: ways.skipped,
    checks,
    unchecked: ways.unchecked,
    ok: ways.unchecked === undefined && checks.every((c) => c.ok),
    warnings: [...layoutWarning(settings, inputs), ...dataWarnings(settings.mode, inputs, result, settings.ignoreIndex)],
  };
}

/** (B, T) labels of (B, T, V) logits with T == V: PyTorch's class dim 1 was used, but was it meant? */
function layoutWarning(settings: Settings, inputs: LossInputs): string[] {
  if (binaryLabels(settings.mode, inputs.logits.shape, inputs.labels.shape)) return [];
  const warning = ambiguousLayout(inputs.logits.shape, inputs.labels.shape, settings.classDim);
  return warning === undefined ? [] : [warning];
}

export type LossMode = Exclude<Mode, 'check'>;

/** The loss of one mode (not check) over the inputs. */
export function lossFor(mode: LossMode, inputs: LossInputs, s: Omit<Settings, 'mode' | 'tolerance'>): LossResult {
  const { logits, labels, weight, posWeight } = inputs;
  const { reduction, ignoreIndex, labelSmoothing, classDim, inputKind: input, perSample } = s;
  switch (mode) {
    case 'cross-entropy':
      return crossEntropy(logits, labels, { weight, ignoreIndex, reduction, labelSmoothing, classDim, input, perSample });
    case 'nll':
      return nllLoss(s.logSoftmax ? logSoftmaxValues(asValues(logits), classDim) : logits, labels, { weight, ignoreIndex, reduction, classDim, perSample });
    case 'bce-logits':
      return bceWithLogits(logits, labels, { weight, posWeight, reduction, perSample });
    case 'binary-cross-entropy':
      return binaryCrossEntropy(logits, labels, { weight, reduction, perSample });
    case 'gather':
      return gatherLoss(logits, labels, { ignoreIndex, reduction, classDim, perSample });
  }
}

/** A scalar reference for mean/sum, an array of the output's size for none (compared block by block). */
function referenceCheck(result: LossResult, reference: Tensor | Values, tol: Tolerance): Check {
  const want = result.reduction === 'none' ? numel(result.shape) : 1;
  // the loss's own shape, or (for none) its values flat; a scalar for mean and sum
  const fits = result.reduction === 'none' ? sameShape(reference.shape, result.shape) || reference.shape.length <= 1 : true;
  if (numel(reference.shape) !== want || !fits) {
    const what = result.reduction === 'none' ? `the loss's shape ${formatShape(result.shape)}` : 'one value (the reduced loss)';
    throw new InputError(
      `reference has shape ${formatShape(reference.shape)}, expected ${what}`,
      undefined,
      'reference',
    );
  }
  if (result.reduction === 'none') return compareValues('reference', result.loss, asValues(reference), tol);
  return compareValues('reference', result.loss, toFloat64(materialize(reference))[0], tol);
}
