/**
 * Targets as PyTorch's class-dim losses take them: which kind they are (class indices or
 * class probabilities), validated class indices, and per-class weights.
 */
import { InputError } from '../errors.js';
import {
  classWeightsFit,
  formatIndex,
  lastDimReading,
  formatShape,
  numel,
  sameShape,
  toFloat64,
  type ClassLayout,
  type ClassWeightUse,
  type Storage,
  type Tensor,
} from '../tensor.js';
import { isValues, type Values } from '../values.js';

export type TargetKind = 'indices' | 'probabilities';

/** PyTorch's default ignore_index. */
export const IGNORE_INDEX = -100;

/**
 * Whether a run's labels are binary (or multi-label) targets rather than classes: always for
 * bce-logits and binary-cross-entropy, and for check when the labels have the logits' shape.
 * The one place that rule is.
 */
export function binaryLabels(mode: string, logitsShape: readonly number[], labelsShape: readonly number[]): boolean {
  return mode === 'bce-logits' || mode === 'binary-cross-entropy' || (mode === 'check' && sameShape(labelsShape, logitsShape));
}

/**
 * F.cross_entropy's rule: a target of the input's shape holds class probabilities; one of the
 * input's shape without the class dim holds class indices. An unbatched (C) input also takes a
 * one-value (1,) target as its scalar index, since text files cannot spell a 0-d array.
 */
export function targetKind(inputShape: readonly number[], targetShape: readonly number[], layout: ClassLayout): TargetKind {
  if (sameShape(targetShape, inputShape)) return 'probabilities';
  if (sameShape(targetShape, layout.outShape)) return 'indices';
  if (inputShape.length === 1 && targetShape.length === 1 && targetShape[0] === 1) return 'indices';
  throw shapeMismatch(inputShape, targetShape, layout, true);
}

export function shapeMismatch(
  inputShape: readonly number[],
  targetShape: readonly number[],
  layout: ClassLayout,
  probabilitiesToo: boolean,
): InputError {
  const want = probabilitiesToo
    ? `class indices need ${formatShape(layout.outShape)}, class probabilities ${formatShape(inputShape)}`
    : `class indices need ${formatShape(layout.outShape)}`;
  // (B, T) labels of (B, T, V) logits: the classes are the last dim, not PyTorch's dim 1
  const hint = lastDimReading(inputShape, targetShape, layout) ? '; if the classes are the last dim, pass --class-dim -1' : '';
  return new InputError(
    `labels shape ${formatShape(targetShape)} does not fit logits shape ${formatShape(inputShape)}: ${want}${hint}`,
    undefined,
    'labels',
  );
}

/**
 * Class indices as float64 (exact for every int32/int64 label that can be a class), checked
 * as PyTorch checks them: each is ignoreIndex or an integer in [0, classes).
 */
export function classIndices(
  target: Tensor,
  inputShape: readonly number[],
  layout: ClassLayout,
  ignoreIndex: number,
): Float64Array {
  const scalar = layout.outShape.length === 0 && target.shape.length <= 1 && target.data.length === 1;
  if (!scalar && !sameShape(target.shape, layout.outShape)) {
    throw shapeMismatch(inputShape, target.shape, layout, false);
  }
  const y = toFloat64(target);
  const C = layout.classes;
  for (let i = 0; i < y.length; i++) {
    const t = y[i];
    if (t === ignoreIndex) continue;
    if (t >= 0 && t < C && Number.isInteger(t)) continue;
    const where = `at index ${formatIndex(i, target.shape)}`;
    const what = Number.isInteger(t) ? `is outside [0, ${C})` : 'is not an integer class index';
    // int64 labels, and integers in text beyond 2^53, are named as written, not by their float64 rounding
    const value = typeof target.data[i] === 'bigint' ? String(target.data[i]) : (target.written?.(i) ?? formatNumber(t));
    throw new InputError(`label ${value} ${where} ${what}${labelHint(y, t, C, ignoreIndex)}`, undefined, 'labels');
  }
  return y;
}

/**
 * What an out-of-range label `bad` usually means, as advice for its error: labels in [1, C]
 * with none 0 (the ignored aside) were counted from 1; 255 is the void label of segmentation
 * masks. Only on the error path, so the extra look at the labels costs a good run nothing.
 */
function labelHint(y: Float64Array, bad: number, C: number, ignoreIndex: number): string {
  if (bad === C && y.every((t) => t === ignoreIndex || (t >= 1 && t <= C && Number.isInteger(t)))) {
    return ': labels look 1-based: subtract 1';
  }
  return bad === 255 ? ': segmentation void label? pass --ignore-index 255' : '';
}

/** Per-class weights: C values, in a shape PyTorch takes for this input and use (tensor.ts). */
export function classWeights(
  weight: Tensor | undefined,
  inputShape: readonly number[],
  layout: ClassLayout,
  use: ClassWeightUse,
): Float64Array | undefined {
  if (weight === undefined) return undefined;
  if (!classWeightsFit(weight.shape, inputShape, layout.classes, use)) {
    throw new InputError(
      `weight has shape ${formatShape(weight.shape)}, expected (${layout.classes},): one weight per class`,
      undefined,
      'weight',
    );
  }
  return toFloat64(weight);
}

function formatNumber(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/**
 * All of `v` in memory, in its own storage type (class-index targets are one value per row:
 * small next to the logits; int64 labels stay exact for error messages).
 */
export function materialize(v: Tensor | Values): Tensor {
  if (!isValues(v)) return v;
  const total = numel(v.shape);
  let out: Storage | undefined;
  v.read(1, 0, total, (d, first) => {
    out ??= new (d.constructor as new (n: number) => Storage)(total);
    (out as { set(a: ArrayLike<number | bigint>, at: number): void }).set(d, first);
  });
  const written = v.written;
  return { data: out ?? new Float64Array(0), shape: [...v.shape], dtype: out ? v.dtype : 'float64', ...(written && { written }) };
}
