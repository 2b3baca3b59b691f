/**
 * Targets as PyTorch's class-dim losses take them: which kind they are (class indices or
 * class probabilities), validated class indices, and per-class weights.
 */
import { InputError } from '../errors.js';
import {
  classWeightsFit,
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
import { inMemory, isValues, placeOf, type Values } from '../values.js';
import { kernelClassLabels } from '../kernel/index.js';

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

/** (N, 1) labels where (N) are wanted. */
function squeezable(targetShape: readonly number[], want: readonly number[]): boolean {
  return targetShape.length === want.length + 1 && targetShape[targetShape.length - 1] === 1 && sameShape(targetShape.slice(0, -1), want);
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
  const hint = lastDimReading(inputShape, targetShape, layout)
    ? '; if the classes are the last dim, pass --class-dim -1'
    : squeezable(targetShape, layout.outShape)
      ? `; labels of ${formatShape(targetShape)} hold one index a sample in a dim of size 1: save y.squeeze(-1)`
      : '';
  return new InputError(
    `labels shape ${formatShape(targetShape)} does not fit logits shape ${formatShape(inputShape)}: ${want}${hint}`,
    undefined,
    'labels',
  );
}

/**
 * Class indices as float64 (exact for every int32/int64 label that can be a class), checked
 * as PyTorch checks them (checkedIndices): each is ignoreIndex or an integer in [0, classes).
 * All of them in memory: for check's one-hot way; the kernels read them in blocks.
 */
export function classIndices(
  target: Tensor,
  inputShape: readonly number[],
  layout: ClassLayout,
  ignoreIndex: number,
): Float64Array {
  checkedIndices(target, inputShape, layout, ignoreIndex);
  return toFloat64(target);
}

/** Class indices checked in one pass over their blocks (checkedIndices), read again by the kernels a block of rows at a time. */
export interface CheckedIndices {
  labels: Values;
  /** Whether any target is not ignore_index (some position contributes). */
  contributing: boolean;
}

/**
 * Class indices checked as PyTorch checks them, in one pass over the labels' blocks, never all
 * of them in memory: each is ignoreIndex or an integer in [0, classes). The first that is not is
 * the error, with what it usually means: labels in [1, C] with none 0 (the ignored aside) were
 * counted from 1 (decided as the pass goes); 255 is the void label of segmentation masks.
 */
export function checkedIndices(
  target: Tensor | Values,
  inputShape: readonly number[],
  layout: ClassLayout,
  ignoreIndex: number,
): CheckedIndices {
  const v = isValues(target) ? target : inMemory(target);
  const n = numel(v.shape);
  const scalar = layout.outShape.length === 0 && v.shape.length <= 1 && n === 1;
  if (!scalar && !sameShape(v.shape, layout.outShape)) throw shapeMismatch(inputShape, v.shape, layout, false);
  const C = layout.classes;
  let bad: { index: number; value: number; written: string } | undefined;
  let oneBased = true;
  let contributing = false;
  v.read(1, 0, n, (d, first) => {
    const quick = quickClasses(d, C, ignoreIndex);
    if (quick) {
      contributing ||= quick.contributing;
      if (quick.zero) oneBased = false;
      return;
    }
    for (let k = 0; k < d.length; k++) {
      const t = Number(d[k]);
      if (t === ignoreIndex) continue;
      contributing = true;
      if (!(t >= 1 && t <= C && Number.isInteger(t))) oneBased = false;
      if ((t >= 0 && t < C && Number.isInteger(t)) || bad) continue;
      // int64 labels, and integers in text beyond 2^53, are named as written, not by their float64 rounding
      const written = typeof d[k] === 'bigint' ? String(d[k]) : (v.written?.(first + k) ?? formatNumber(t));
      bad = { index: first + k, value: t, written };
    }
  });
  if (bad) {
    const { index, value: t, written } = bad;
    const where = `at index ${placeOf(v, index)}`;
    const what = Number.isInteger(t) ? `is outside [0, ${C})` : 'is not an integer class index';
    const hint = t === C && oneBased ? ': labels look 1-based: subtract 1' : t === 255 ? ': segmentation void label? pass --ignore-index 255' : '';
    throw new InputError(`label ${written} ${where} ${what}${hint}`, undefined, 'labels');
  }
  return { labels: v, contributing };
}

/**
 * One pass over a block of labels that are all ignoreIndex or classes, the usual case, with
 * what checkedIndices' loop would note of them: whether one counts, and whether one is class 0
 * (so the labels are not 1-based). Undefined for any other block (and 64-bit integers), which
 * that loop then reads value by value.
 */
function quickClasses(d: Storage, C: number, ignoreIndex: number): { contributing: boolean; zero: boolean } | undefined {
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return undefined;
  // uint8 labels (segmentation masks) by the kernel when it runs, 16 at a time
  const kernel = d instanceof Uint8Array ? kernelClassLabels(d, C, ignoreIndex) : undefined;
  if (kernel) return kernel.valid ? { contributing: kernel.contributing, zero: kernel.zero } : undefined;
  let contributing = false;
  let zero = false;
  for (let k = 0; k < d.length; k++) {
    const t = d[k];
    if (t === ignoreIndex) continue;
    contributing = true;
    if (t === 0) zero = true;
    else if (!(t > 0 && t < C && Number.isInteger(t))) return undefined;
  }
  return { contributing, zero };
}

/**
 * The labels of positions [first·inner, (first + count)·inner) (batch rows first .. first+count)
 * as float64, into `into` (grown when too small): what a kernel reads beside a block of rows.
 */
export function indexRows(labels: Values, inner: number, first: number, count: number, into: Float64Array): Float64Array {
  const out = into.length >= count * inner ? into : new Float64Array(count * inner);
  labels.read(inner, first, first + count, (d, f) => {
    const base = (f - first) * inner;
    // 64-bit integers one by one; any other type converts exactly in one set
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) for (let k = 0; k < d.length; k++) out[base + k] = Number(d[k]);
    else out.set(d, base);
  });
  return out;
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
