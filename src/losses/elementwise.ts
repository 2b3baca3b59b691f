/**
 * What PyTorch's elementwise binary losses (binary_cross_entropy_with_logits,
 * binary_cross_entropy) share: targets of the input's shape, a weight broadcast against the
 * input, and blocks of whole batch rows. Their mean divides by numel: weights do not enter it.
 */
import { InputError, type Operand } from '../errors.js';
import { broadcastTo, checkBroadcast, formatShape, numel, sameShape, toFloat64, type Tensor } from '../tensor.js';

/** Throws unless the targets have the input's shape (PyTorch: "Using a target size ... that is different to the input size"). */
export function checkTargetShape(inputShape: readonly number[], targetShape: readonly number[], mode: string): void {
  if (sameShape(inputShape, targetShape)) return;
  throw new InputError(
    `labels shape ${formatShape(targetShape)} does not fit logits shape ${formatShape(inputShape)}: ` +
      `${mode} needs targets of the logits shape`,
    undefined,
    'labels',
  );
}

/** The values in one batch row, the unit blocks are read in (1 for a 0-d input). */
export function batchRowSize(shape: readonly number[]): number {
  return shape.length === 0 ? 1 : numel(shape.slice(1));
}

/** A broadcast weight read by flat index: a row's pattern repeated, or the full array. */
export interface Broadcast {
  at(i: number): number;
}

/**
 * `weight` broadcast against `shape` (numpy's rules, as weight.expand does), read by flat
 * index; blocks are whole batch rows, so a weight that broadcasts within a row repeats every
 * `unit` values and is never materialised at the input's size.
 */
export function broadcastWeight(weight: Tensor | undefined, shape: number[], unit: number, operand: Operand): Broadcast | undefined {
  if (!weight) return undefined;
  checkBroadcast(weight.shape, shape, operand);
  const values = toFloat64(weight);
  const rowShape = shape.slice(1);
  const withinRow = weight.shape.length < shape.length || (shape.length > 0 && weight.shape[0] === 1 && weight.shape.length === shape.length);
  if (withinRow && shape.length > 0) {
    const from = weight.shape.length === shape.length ? weight.shape.slice(1) : weight.shape;
    const row = broadcastTo(values, from, rowShape, operand);
    return { at: (i) => row[i % unit] };
  }
  const full = broadcastTo(values, weight.shape, shape, operand);
  return { at: (i) => full[i] };
}
