/**
 * Random inputs for the property tests: small shapes (N <= 8, C <= 6, d <= 3), logits, class
 * indices with ignore_index, class weights, probabilities. fc.double alone is log-uniform over
 * the doubles (most draws are below 1e-100), so values mix it with a uniform draw: the uniform
 * one gives losses of every size, fc.double the edge cases (±0, subnormals, the bounds).
 */
import fc from 'fast-check';
import type { Reduction } from '../../src/losses/reduce.js';
import { classLayout, numel, type Tensor } from '../../src/tensor.js';

export const reductions = fc.constantFrom<Reduction>('mean', 'sum', 'none');

export function f64(data: ArrayLike<number>, shape: readonly number[]): Tensor {
  return { data: Float64Array.from(data), shape: [...shape], dtype: 'float64' };
}

/** A double in [min, max]: uniform 3 times in 4, else fast-check's double (edge cases). */
export function value(min: number, max: number): fc.Arbitrary<number> {
  const uniform = fc.integer({ min: 0, max: 2 ** 30 }).map((k) => min + (max - min) * (k / 2 ** 30));
  return fc.oneof({ arbitrary: uniform, weight: 3 }, { arbitrary: fc.double({ min, max, noNaN: true }), weight: 1 });
}

export function values(length: number, min: number, max: number): fc.Arbitrary<Float64Array> {
  return fc.array(value(min, max), { minLength: length, maxLength: length }).map((xs) => Float64Array.from(xs));
}

/** Logits shapes: (C) unbatched, or (N, C), (N, C, d1), (N, C, d1, d2). */
export function logitShape(o: { unbatched?: boolean; minN?: number } = {}): fc.Arbitrary<number[]> {
  const n = fc.integer({ min: o.minN ?? 1, max: 8 });
  const c = fc.integer({ min: 1, max: 6 });
  const d = fc.integer({ min: 1, max: 3 });
  const batched = fc.oneof(fc.tuple(n, c), fc.tuple(n, c, d), fc.tuple(n, c, d, d)).map((s): number[] => [...s]);
  return o.unbatched === false ? batched : fc.oneof(c.map((k) => [k]), batched);
}

/** A class-index cross-entropy / nll problem. Element (n, c, s) of x sits at (n·C + c)·inner + s. */
export interface ClassCase {
  shape: number[];
  outShape: number[];
  classes: number;
  inner: number;
  /** outer · inner: the number of rows (positions with one target each). */
  rows: number;
  x: Float64Array;
  /** Class indices of outShape; ignoreIndex where ignored. */
  y: Float64Array;
  ignoreIndex: number;
  weight?: Float64Array;
  reduction: Reduction;
  labelSmoothing: number;
}

export interface ClassCaseOptions {
  unbatched?: boolean;
  minN?: number;
  /** Logits in [-logitMax, logitMax]; default 10. */
  logitMax?: number;
  /** May targets be ignored (ignore_index -100, or a class index as ignore_index)? Default true. */
  ignore?: boolean;
  weights?: 'never' | 'maybe' | 'always';
  /** Class weights in [lo, hi]; default [0.5, 2]. */
  weightRange?: [number, number];
  smoothing?: boolean;
  reduction?: fc.Arbitrary<Reduction>;
}

export function classCase(o: ClassCaseOptions = {}): fc.Arbitrary<ClassCase> {
  const ignore = o.ignore ?? true;
  const [wlo, whi] = o.weightRange ?? [0.5, 2];
  const logitMax = o.logitMax ?? 10;
  return logitShape(o).chain((shape) => {
    const { outer, classes, inner, outShape } = classLayout(shape);
    const rows = outer * inner;
    const weight = values(classes, wlo, whi);
    return fc
      .record({
        x: values(numel(shape), -logitMax, logitMax),
        // -1 stands for "ignored": replaced by ignoreIndex below
        codes: fc.array(fc.integer({ min: ignore ? -1 : 0, max: classes - 1 }), { minLength: rows, maxLength: rows }),
        ignoreIndex: ignore ? fc.oneof(fc.constant(-100), fc.integer({ min: 0, max: classes - 1 })) : fc.constant(-100),
        weight:
          o.weights === 'always' ? weight : o.weights === 'maybe' ? fc.option(weight, { nil: undefined }) : fc.constant(undefined),
        reduction: o.reduction ?? reductions,
        labelSmoothing: o.smoothing ? fc.oneof(fc.constant(0), fc.constant(1), value(0, 1)) : fc.constant(0),
      })
      .map(({ codes, ...r }) => ({
        shape,
        outShape,
        classes,
        inner,
        rows,
        ...r,
        y: Float64Array.from(codes, (k) => (k < 0 ? r.ignoreIndex : k)),
      }));
  });
}

export const logits = (c: ClassCase, x: Float64Array = c.x): Tensor => f64(x, c.shape);
export const labels = (c: ClassCase): Tensor => f64(c.y, c.outShape);
export const weightTensor = (c: ClassCase): Tensor | undefined => c.weight && f64(c.weight, [c.classes]);

/** The options every class-index loss takes; label smoothing only when the case has some. */
export function options(c: ClassCase) {
  return { weight: weightTensor(c), ignoreIndex: c.ignoreIndex, reduction: c.reduction };
}

/** Largest and smallest class weight (1 without weights): the error models' wmax, wmin. */
export function weightRange(weight: Float64Array | undefined): { wmax: number; wmin: number } {
  return weight ? { wmax: Math.max(...weight), wmin: Math.min(...weight) } : { wmax: 1, wmin: 1 };
}

/** Flat index of element (row, c): row = n·inner + s. */
export function at(c: ClassCase, row: number, k: number): number {
  const n = Math.floor(row / c.inner);
  return (n * c.classes + k) * c.inner + (row % c.inner);
}

/** The targets as one-hot probabilities of the logits' shape (no ignored targets allowed). */
export function oneHot(c: ClassCase): Tensor {
  const q = new Float64Array(c.x.length);
  for (let row = 0; row < c.rows; row++) q[at(c, row, c.y[row])] = 1;
  return f64(q, c.shape);
}

/** Random class probabilities of the logits' shape, each row summing to 1 (up to rounding). */
export function probabilities(c: ClassCase): fc.Arbitrary<Float64Array> {
  return values(c.x.length, 0, 1).map((raw) => {
    const q = new Float64Array(raw.length);
    for (let row = 0; row < c.rows; row++) {
      let s = 0;
      for (let k = 0; k < c.classes; k++) s += raw[at(c, row, k)];
      for (let k = 0; k < c.classes; k++) q[at(c, row, k)] = s > 0 ? raw[at(c, row, k)] / s : 1 / c.classes;
    }
    return q;
  });
}

/** A bce-with-logits problem: shapes (), (N), (N, C), (N, d, C); pos_weight along the last dim. */
export interface BceCase {
  shape: number[];
  x: Float64Array;
  t: Float64Array;
  reduction: Reduction;
}

export function bceShape(): fc.Arbitrary<number[]> {
  const n = fc.integer({ min: 1, max: 8 });
  const c = fc.integer({ min: 1, max: 6 });
  const d = fc.integer({ min: 1, max: 3 });
  return fc.oneof(fc.constant([]), n.map((k) => [k]), fc.tuple(n, c), fc.tuple(n, d, c)).map((s): number[] => [...s]);
}

export function bceCase(logitMax: number): fc.Arbitrary<BceCase> {
  return bceShape().chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      x: values(numel(shape), -logitMax, logitMax),
      // targets are probabilities; 0 and 1 (hard labels) often
      t: fc.array(fc.oneof(fc.constantFrom(0, 1), value(0, 1)), { minLength: numel(shape), maxLength: numel(shape) }).map((t) =>
        Float64Array.from(t),
      ),
      reduction: reductions,
    }),
  );
}

/** The shape of a pos_weight: the last dim, () for a 0-d input (broadcasting must not grow the input). */
export const posWeightShape = (shape: readonly number[]): number[] => (shape.length === 0 ? [] : [shape[shape.length - 1]]);
