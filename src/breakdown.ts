/**
 * Why the loss is what it is: the worst samples, a per-class table and a histogram of the
 * unreduced losses. Pure, like the losses: tensors and a LossResult in, plain rows out.
 *
 * A "sample" is one target position: (n) or (n, d1, ..., dk) for class-dim losses, one
 * element for bce-logits. Ignored targets are left out of every table.
 */
import type { LossResult } from './losses/reduce.js';
import { logSigmoid } from './losses/bce-with-logits.js';
import { classLayout, formatIndex, sameShape, toFloat64, type Tensor } from './tensor.js';

/** How the predictions read: raw logits, log-probabilities (nll), or binary logits (bce). */
export type PredictionKind = 'logits' | 'log-probabilities' | 'binary';

export interface SampleRow {
  /** Flat (row-major) index into the unreduced loss, and the same as a position, "(n, d1)". */
  index: number;
  position: string;
  /** The class index (for probability targets: the most probable class), or the bce target. */
  label: number;
  predicted: number;
  /** The model's probability of `label`. */
  probability: number;
  loss: number;
}

export interface ClassRow {
  /** Class index; for bce-logits the index along the last dim. */
  class: number;
  count: number;
  meanLoss: number;
  /** Fraction of this class's samples predicted right (bce: σ(x) > 0.5 exactly when t >= 0.5). */
  accuracy: number;
}

export interface Histogram {
  /** Bin edges: bins[i] covers [edges[i], edges[i + 1]). */
  edges: number[];
  counts: number[];
  /** Losses left out of the bins because they are NaN or infinite. */
  nonFinite: number;
}

export interface Breakdown {
  worst: SampleRow[];
  perClass: ClassRow[];
  histogram: Histogram;
}

export interface BreakdownOptions {
  kind: PredictionKind;
  top: number;
  ignoreIndex: number;
  bins?: number;
}

export function breakdown(logits: Tensor, labels: Tensor, result: LossResult, opts: BreakdownOptions): Breakdown {
  const samples = opts.kind === 'binary' ? binarySamples(logits, labels) : classSamples(logits, labels, opts);
  const losses = result.perSample;
  const included = (i: number) => samples.label[i] !== opts.ignoreIndex || opts.kind === 'binary';

  const perClassAcc = new Map<number, { count: number; loss: number; hits: number }>();
  for (let i = 0; i < losses.length; i++) {
    if (!included(i)) continue;
    const key = samples.classOf(i);
    const acc = perClassAcc.get(key) ?? { count: 0, loss: 0, hits: 0 };
    acc.count++;
    acc.loss += losses[i];
    if (samples.correct(i)) acc.hits++;
    perClassAcc.set(key, acc);
  }
  const perClass = [...perClassAcc.entries()]
    .sort(([a], [b]) => a - b)
    .map(([c, a]) => ({ class: c, count: a.count, meanLoss: a.loss / a.count, accuracy: a.hits / a.count }));

  const worst = worstIndices(losses, opts.top, included).map((i) => ({
    index: i,
    position: formatIndex(i, result.shape),
    label: samples.label[i],
    predicted: samples.predicted(i),
    probability: samples.probability(i),
    loss: losses[i],
  }));
  return { worst, perClass, histogram: histogram(losses, included, opts.bins ?? 8) };
}

interface Samples {
  label: Float64Array;
  predicted(i: number): number;
  probability(i: number): number;
  classOf(i: number): number;
  correct(i: number): boolean;
}

function classSamples(logits: Tensor, labels: Tensor, opts: BreakdownOptions): Samples {
  const x = toFloat64(logits);
  const { classes: C, inner } = classLayout(logits.shape);
  const base = (i: number) => Math.floor(i / inner) * C * inner + (i % inner);
  const argmax = (from: Float64Array, i: number) => {
    let best = 0;
    for (let c = 1, b = base(i); c < C; c++) if (from[b + c * inner] > from[b + best * inner]) best = c;
    return best;
  };
  const probabilities = sameShape(labels.shape, logits.shape);
  const q = toFloat64(labels);
  const label = probabilities ? Float64Array.from({ length: x.length / C }, (_, i) => argmax(q, i)) : q;
  // log p_c of sample i: log_softmax of the logits, or the log-probabilities as given (nll)
  const logProb = (i: number, c: number) => {
    const b = base(i);
    if (opts.kind === 'log-probabilities') return x[b + c * inner];
    let m = -Infinity;
    for (let k = 0; k < C; k++) m = Math.max(m, x[b + k * inner]);
    let s = 0;
    for (let k = 0; k < C; k++) s += Math.exp(x[b + k * inner] - m);
    return x[b + c * inner] - m - Math.log(s);
  };
  return {
    label,
    predicted: (i) => argmax(x, i),
    probability: (i) => Math.exp(logProb(i, label[i])),
    classOf: (i) => label[i],
    correct: (i) => argmax(x, i) === label[i],
  };
}

function binarySamples(logits: Tensor, labels: Tensor): Samples {
  const x = toFloat64(logits);
  const t = toFloat64(labels);
  const last = logits.shape.length >= 2 ? logits.shape[logits.shape.length - 1] : 1;
  return {
    label: t,
    predicted: (i) => (x[i] > 0 ? 1 : 0),
    // p(label) = t σ(x) + (1 - t)(1 - σ(x)), with σ(x) = exp(log σ(x)) and 1 - σ(x) = σ(-x)
    probability: (i) => t[i] * Math.exp(logSigmoid(x[i])) + (1 - t[i]) * Math.exp(logSigmoid(-x[i])),
    classOf: (i) => i % last,
    correct: (i) => x[i] > 0 === t[i] >= 0.5,
  };
}

/** Indices of the k largest losses, largest first (NaN ranks as +inf); ties keep index order. */
export function worstIndices(losses: Float64Array, k: number, included: (i: number) => boolean): number[] {
  const key = (i: number) => (Number.isNaN(losses[i]) ? Infinity : losses[i]);
  const top: number[] = [];
  for (let i = 0; i < losses.length && k > 0; i++) {
    if (!included(i)) continue;
    const v = key(i);
    if (top.length === k && v <= key(top[k - 1])) continue;
    let at = top.length < k ? top.push(i) - 1 : k - 1;
    while (at > 0 && v > key(top[at - 1])) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = i;
  }
  return top;
}

function histogram(losses: Float64Array, included: (i: number) => boolean, bins: number): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < losses.length; i++) {
    if (!included(i)) continue;
    const v = losses[i];
    if (!Number.isFinite(v)) nonFinite++;
    else {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return { edges: [], counts: [], nonFinite };
  const n = hi > lo ? bins : 1;
  const width = (hi - lo) / n;
  const edges = Array.from({ length: n + 1 }, (_, b) => (b === n ? hi : lo + b * width));
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i];
    if (!included(i) || !Number.isFinite(v)) continue;
    counts[width > 0 ? Math.min(n - 1, Math.floor((v - lo) / width)) : 0]++;
  }
  return { edges, counts, nonFinite };
}
