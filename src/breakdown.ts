/**
 * Why the loss is what it is: the worst samples, a per-class table and a histogram of the
 * unreduced losses. Pure, like the losses: tensors and a LossResult in, plain rows out.
 *
 * A "sample" is one target position: (n) or (n, d1, ..., dk) for class-dim losses (the logits'
 * dims but the class dim: (b, t) for (B, T, V) logits with --class-dim -1), one element for
 * bce-logits. Ignored targets are left out of every table.
 */
import type { LossResult } from './losses/reduce.js';
import { logSigmoid } from './losses/bce-with-logits.js';
import { rowStats, type RowStats } from './losses/log-softmax.js';
import { materialize } from './losses/targets.js';
import { asFloats, classLayout, formatIndex, numel, sameShape, type FloatArray, type Tensor } from './tensor.js';
import { asValues, readTogether, type Values } from './values.js';

/**
 * How the predictions read: raw logits, log-probabilities (nll, --input log-probs),
 * probabilities (--input probs), or for the binary losses logits (bce-logits) or
 * probabilities (binary-cross-entropy).
 */
export type PredictionKind = 'logits' | 'log-probabilities' | 'probabilities' | 'binary' | 'binary-probabilities';

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
  /** As the losses' classDim: the class dim of the logits; undefined for PyTorch's. */
  classDim?: number;
  bins?: number;
}

export function breakdown(logits: Tensor | Values, labels: Tensor | Values, result: LossResult, opts: BreakdownOptions): Breakdown {
  const binary = opts.kind === 'binary' || opts.kind === 'binary-probabilities';
  const samples = binary ? binarySamples(logits, labels, opts.kind === 'binary-probabilities') : classSamples(logits, labels, opts);
  const losses = result.perSample!.toArray();
  const included = (i: number) => samples.label[i] !== opts.ignoreIndex || binary;

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
    predicted: samples.predicted[i],
    probability: samples.probability[i],
    loss: losses[i],
  }));
  return { worst, perClass, histogram: histogram(losses, included, opts.bins ?? 8) };
}

/** What each sample's row says, gathered in one pass over the predictions. */
interface Samples {
  label: Float64Array;
  predicted: Float64Array;
  probability: Float64Array;
  classOf(i: number): number;
  correct(i: number): boolean;
}

/** argmax over the class dim, as torch.argmax: the first maximum, and a NaN beats everything. */
function argmax(x: FloatArray, base: number, C: number, inner: number): number {
  let best = 0;
  for (let c = 0, i = base; c < C; c++, i += inner) {
    const v = x[i];
    if (v !== v) return c;
    if (v > x[base + best * inner]) best = c;
  }
  return best;
}

function classSamples(logits: Tensor | Values, labels: Tensor | Values, opts: BreakdownOptions): Samples {
  const x = asValues(logits);
  const { outer, classes: C, inner } = classLayout(x.shape, opts.classDim);
  const positions = outer * inner;
  const probabilities = sameShape(labels.shape, x.shape);
  const label = new Float64Array(positions);
  if (probabilities) {
    asValues(labels).read(C * inner, 0, outer, (block, first, count) => {
      const q = asFloats(block);
      for (let n = 0; n < count; n++) for (let s = 0; s < inner; s++) label[(first + n) * inner + s] = argmax(q, n * C * inner + s, C, inner);
    });
  } else {
    label.set(asFloats(materialize(labels).data).subarray(0, positions));
  }
  const predicted = new Float64Array(positions);
  const probability = new Float64Array(positions);
  const st: RowStats = { max: 0, logSum: 0 };
  x.read(C * inner, 0, outer, (block, first, count) => {
    const xb = asFloats(block);
    for (let n = 0; n < count; n++) {
      for (let s = 0; s < inner; s++) {
        const pos = (first + n) * inner + s;
        const base = n * C * inner + s;
        predicted[pos] = argmax(xb, base, C, inner);
        const y = label[pos];
        if (!(y >= 0 && y < C)) continue; // an ignored target: no probability
        // p_y as given, exp of the log-probabilities as given (nll), or softmax of the logits
        if (opts.kind === 'probabilities') probability[pos] = xb[base + y * inner];
        else if (opts.kind === 'log-probabilities') probability[pos] = Math.exp(xb[base + y * inner]);
        else {
          rowStats(xb, base, C, inner, st);
          probability[pos] = Math.exp(xb[base + y * inner] - st.max - st.logSum);
        }
      }
    }
  });
  return { label, predicted, probability, classOf: (i) => label[i], correct: (i) => predicted[i] === label[i] };
}

/** Elements of a binary loss; `probabilities`: the predictions are σ(x) itself, not x. */
function binarySamples(logits: Tensor | Values, labels: Tensor | Values, probabilities: boolean): Samples {
  const shape = logits.shape;
  const size = numel(shape);
  const last = shape.length >= 2 ? shape[shape.length - 1] : 1;
  const label = new Float64Array(size);
  const predicted = new Float64Array(size);
  const probability = new Float64Array(size);
  readTogether([asValues(logits), asValues(labels)], 1, ([xb, tb], first) => {
    const x = asFloats(xb);
    const t = asFloats(tb);
    for (let k = 0; k < x.length; k++) {
      const i = first + k;
      label[i] = t[k];
      // p(label) = t σ(x) + (1 - t)(1 - σ(x)), with σ(x) = exp(log σ(x)) and 1 - σ(x) = σ(-x)
      const [p, q] = probabilities ? [x[k], 1 - x[k]] : [Math.exp(logSigmoid(x[k])), Math.exp(logSigmoid(-x[k]))];
      predicted[i] = (probabilities ? x[k] > 0.5 : x[k] > 0) ? 1 : 0;
      probability[i] = t[k] * p + (1 - t[k]) * q;
    }
  });
  return {
    label,
    predicted,
    probability,
    classOf: (i) => i % last,
    correct: (i) => predicted[i] === 1 === label[i] >= 0.5,
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
