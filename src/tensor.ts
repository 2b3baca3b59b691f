/**
 * Tensor: a typed array, a shape and the dtype it came with. Readers keep the file's own
 * storage; arithmetic reads it through `toFloat64`. The shape rules PyTorch applies to
 * losses (where the class dim is, what broadcasts to what) live here and nowhere else.
 */
import { InputError, type Operand } from './errors.js';

export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/** float16 and bfloat16 are widened to Float32Array on reading (exactly). */
export type Storage =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export interface Tensor {
  data: Storage;
  shape: number[];
  dtype: DType;
  /**
   * Text files only: the value at a flat index as written, where it is an integer beyond 2^53
   * that float64 does not hold (io/written.ts); for messages, so it may be slow.
   */
  written?: (index: number) => string | undefined;
}

/** The most dims a tensor has in PyTorch and numpy (NPY_MAXDIMS); a deeper shape is not a tensor. */
export const MAX_DIMS = 64;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** "(4, 10)", "(5,)", "()" — Python's spelling, so shapes read as PyTorch prints them. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Whether this machine stores numbers little-endian, as the binary formats mostly do. */
export const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The values as float64, sharing the buffer when they already are. int64 beyond 2^53 rounds. */
export function toFloat64(t: Tensor | Storage): Float64Array {
  const data = ArrayBuffer.isView(t) ? t : t.data;
  if (data instanceof Float64Array) return data;
  const out = new Float64Array(data.length);
  copyAsFloat64(data, out, 0);
  return out;
}

/**
 * `data` written into `out` from index `at`, as float64. A 64-bit integer is read as two 32-bit
 * halves, hi * 2^32 + lo: both terms and their exact sum are integers, so the one rounding of
 * the addition is Number(value)'s, without making a BigInt per value.
 */
export function copyAsFloat64(data: Storage, out: Float64Array, at: number): void {
  if (!(data instanceof BigInt64Array || data instanceof BigUint64Array)) {
    out.set(data, at);
    return;
  }
  const halves = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
  const [lo, hi] = HOST_LITTLE ? [0, 1] : [1, 0];
  const signed = data instanceof BigInt64Array;
  for (let i = 0; i < data.length; i++) {
    const high = signed ? halves[2 * i + hi] : halves[2 * i + hi] >>> 0;
    out[at + i] = high * 4294967296 + (halves[2 * i + lo] >>> 0);
  }
}

/**
 * Where the classes are in a loss input, as PyTorch's losses see it: (C) unbatched, class
 * dim 0; (N, C, d1, ..., dk) class dim 1. The input is `outer` blocks of `classes` x
 * `inner` values; element (n, c, s) sits at (n * classes + c) * inner + s.
 *
 * Another class dim d (`--class-dim`) means PyTorch's loss on `x.movedim(d, 1)`. That needs
 * no copy: with outer = the product of the dims before d and inner = the product of those
 * after it, element (o, c, s) of x sits at (o * classes + c) * inner + s as above, and the
 * loss at (o, s) is, row-major, the element of x.movedim(d, 1)'s output shape (x's shape
 * without dim d) at the same flat index. For (B, T, V) logits and d = -1 that is B * T
 * contiguous rows of V classes (inner = 1).
 */
export interface ClassLayout {
  outer: number;
  classes: number;
  inner: number;
  /** Shape of the unreduced loss and of class-index targets: the input without its class dim. */
  outShape: number[];
  /** The class dim, counted from 0, and whether it was given (else it is PyTorch's). */
  dim: number;
  given: boolean;
}

/**
 * The layout of an input of `inputShape` with its classes along `classDim` (negative counts
 * from the end; undefined: PyTorch's, 1, or 0 for an unbatched (C) input).
 */
export function classLayout(inputShape: readonly number[], classDim?: number): ClassLayout {
  const rank = inputShape.length;
  if (rank === 0) {
    throw new InputError('logits must have a class dim: got a scalar, expected (C) or (N, C, ...)', undefined, 'logits');
  }
  const dim = classDim === undefined ? (rank === 1 ? 0 : 1) : classDim < 0 ? classDim + rank : classDim;
  if (!(dim >= 0 && dim < rank)) {
    throw new InputError(
      `--class-dim ${classDim} is out of range for logits of shape ${formatShape(inputShape)}: ` +
        `it takes ${-rank} to ${rank - 1}`,
      undefined,
      'logits',
    );
  }
  return {
    outer: numel(inputShape.slice(0, dim)),
    classes: inputShape[dim],
    inner: numel(inputShape.slice(dim + 1)),
    outShape: inputShape.filter((_, i) => i !== dim),
    dim,
    given: classDim !== undefined,
  };
}

/**
 * Whether targets of `targetShape` read as the (B, T) labels of (B, T, V) logits: the input's
 * shape without its last dim, for an input of rank >= 3 whose class dim was not given. When
 * PyTorch's layout does not fit them, the error suggests --class-dim -1; when it fits too
 * (T == V), the layout is ambiguous.
 */
export function lastDimReading(inputShape: readonly number[], targetShape: readonly number[], layout: ClassLayout): boolean {
  return !layout.given && inputShape.length >= 3 && sameShape(targetShape, inputShape.slice(0, -1));
}

/** The warning for labels that fit both PyTorch's class dim and the last dim; undefined if they do not. */
export function ambiguousLayout(inputShape: readonly number[], targetShape: readonly number[], classDim?: number): string | undefined {
  const layout = classLayout(inputShape, classDim);
  if (!lastDimReading(inputShape, targetShape, layout) || !sameShape(targetShape, layout.outShape)) return undefined;
  return (
    `the layout is ambiguous: labels ${formatShape(targetShape)} fit logits ${formatShape(inputShape)} with the classes in ` +
    'dim 1, as PyTorch reads them (used here), or in the last dim: pass --class-dim -1 if the classes are the last dim'
  );
}

/** How a class-dim loss uses its class weights, which decides the shapes PyTorch takes. */
export interface ClassWeightUse {
  /** class-index targets (not class probabilities) */
  indices: boolean;
  /** label smoothing > 0 */
  smoothing: boolean;
  /** reduction mean with at least one target that counts (label smoothing gathers weight[y]) */
  gathered: boolean;
}

/**
 * Whether class weights of `weightShape` fit an input of `inputShape`, as PyTorch 1.13 checks
 * them (LossNLL.cpp):
 * - nll_loss for (C) and (N, C) inputs, and cross_entropy on class probabilities: exactly (C,);
 * - nll_loss2d, which takes every input of rank >= 3 with class indices: any shape of C values
 *   ((1, C), (C, 1), and () when C = 1);
 * - label smoothing with class indices views the weight along its first dim, which must be C;
 *   its mean gathers weight[y] over the targets that count, which needs a 1-D weight (unless
 *   no target counts: an empty gather checks nothing).
 */
export function classWeightsFit(weightShape: readonly number[], inputShape: readonly number[], C: number, use: ClassWeightUse): boolean {
  if (numel(weightShape) !== C) return false;
  if (inputShape.length <= 2 || !use.indices) return weightShape.length === 1;
  if (use.smoothing) return weightShape[0] === C && (!use.gathered || weightShape.length === 1);
  return true;
}

/** Throws unless `from` broadcasts to `shape` (numpy's rules, aligned on the right, `shape` not grown). */
export function checkBroadcast(from: readonly number[], shape: readonly number[], operand: Operand): void {
  const offset = shape.length - from.length;
  if (offset < 0 || from.some((d, i) => d !== 1 && d !== shape[offset + i])) {
    throw new InputError(`shape ${formatShape(from)} does not broadcast to logits shape ${formatShape(shape)}`, undefined, operand);
  }
}

/**
 * A per-class or per-element tensor broadcast against `shape` (numpy/PyTorch rules, aligned
 * on the right, without growing `shape`), materialised as a Float64Array of `shape`'s size.
 */
export function broadcastTo(values: Float64Array, from: readonly number[], shape: readonly number[], operand: Operand): Float64Array {
  checkBroadcast(from, shape, operand);
  const offset = shape.length - from.length;
  const total = numel(shape);
  if (sameShape(from, shape)) return values;
  const out = new Float64Array(total);
  // strides of `from` inside `shape`; a broadcast (size-1 or missing) dim has stride 0
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let i = from.length - 1; i >= 0; i--) {
    strides[offset + i] = from[i] === 1 ? 0 : s;
    s *= from[i];
  }
  stridedWalk(shape, strides, (i, src) => (out[i] = values[src]));
  return out;
}

/**
 * Visit every element of `shape` in row-major order with its index in another layout of the
 * same elements, given that layout's strides (in elements; 0 repeats a broadcast dim): the
 * one odometer behind broadcasting and Fortran-order reading.
 */
export function stridedWalk(shape: readonly number[], strides: readonly number[], visit: (i: number, from: number) => void): void {
  const total = numel(shape);
  const index = new Array<number>(shape.length).fill(0);
  let from = 0;
  for (let i = 0; i < total; i++) {
    visit(i, from);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      from += strides[d];
      if (index[d] < shape[d]) break;
      from -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** "5" for a vector, "(1, 2, 3)" for a multi-dim position: how an element is named in errors. */
export function formatIndex(flat: number, shape: readonly number[]): string {
  if (shape.length <= 1) return String(flat);
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return `(${idx.join(', ')})`;
}

/** What kernels read values from: float32 storage is read as is (each value widens exactly). */
export type FloatArray = Float32Array | Float64Array;

/** A block as floats: float32/float64 shared, anything else converted to float64. */
export function asFloats(data: Storage): FloatArray {
  return data instanceof Float32Array || data instanceof Float64Array ? data : toFloat64(data);
}
