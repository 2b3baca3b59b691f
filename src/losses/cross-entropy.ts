/**
 * F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing).
 *
 * With log p_c = log_softmax(x)_c (see log-softmax.ts) and ε = label_smoothing:
 *
 * class indices y:   l = (1 - ε) · (-w_y log p_y) + (ε / C) · Σ_c (-w_c log p_c)
 *                    mean = Σ l / Σ w_y over non-ignored targets (the nll term's denominator,
 *                    which PyTorch also uses for the smoothing term), NaN when Σ w_y = 0 (its
 *                    nll term is then 0/0: reduce.ts); ignored targets give 0.
 * probabilities q:   q' = (1 - ε) q + ε / C,   l = -Σ_c w_c q'_c log p_c
 *                    mean = Σ l / (N · d1 · ... · dk): weights do not enter the denominator.
 *
 * Both are one pass per row over blocks of batch rows: the row's max and log-sum-exp, then
 * the terms above.
 *
 * `input` says what x holds (--input): logits (the default), log-probabilities, or
 * probabilities. For log-probabilities log p_c = x_c as given, with no log_softmax; for
 * probabilities log p_c = log(x_c) (torch.log, each x_c checked to be in [0, 1]). Everything
 * else is the same, so with class indices this is F.nll_loss(log p, y, weight, ignore_index,
 * reduction), and with label smoothing cross_entropy's split of the two terms above on log p:
 * (1 - ε)·F.nll_loss(log p, y, ...) + (ε / C)·Σ_c -w_c log p_c, which is
 * F.cross_entropy(log p, y, ..., label_smoothing=ε) whenever the rows of p sum to 1 (then
 * log_softmax(log p) = log p). With probability targets: -Σ_c w_c q'_c log p_c, where a class
 * of p = 0 gives 0 · (-inf) = NaN when q'_c = 0, as PyTorch's -(q · log p).sum(1) does.
 */
import { InputError } from '../errors.js';
import { kernelIndexLosses, kernelRowSum } from '../kernel/index.js';
import { asFloats, classLayout, type ClassLayout, type FloatArray, type Tensor } from '../tensor.js';
import { asValues, readTogether, type Values } from '../values.js';
import { asGivenStats, blockStats, BlockStats, rowStats, type RowStats, type StatsOf } from './log-softmax.js';
import { logProbabilities, type InputKind } from './probabilities.js';
import { Reducer, type KeepLosses, type LossResult, type Reduction } from './reduce.js';
import { checkedIndices, classWeights, IGNORE_INDEX, indexRows, targetKind } from './targets.js';

export interface CrossEntropyOptions {
  weight?: Tensor;
  ignoreIndex?: number;
  reduction?: Reduction;
  /** What to do with the unreduced losses (reduce.ts): kept in memory unless told. */
  perSample?: KeepLosses;
  labelSmoothing?: number;
  /** The class dim (negative counts from the end): the loss of x.movedim(classDim, 1); default PyTorch's. */
  classDim?: number;
  /** What the input holds: 'logits' (default), 'log-probs' or 'probs'. */
  input?: InputKind;
}

const NOT_PROBABILITIES = 'cross-entropy with --input probs takes probabilities (for logits use --input logits)';

export function crossEntropy(input: Tensor | Values, target: Tensor | Values, options: CrossEntropyOptions = {}): LossResult {
  const given = options.input ?? 'logits';
  const x = given === 'probs' ? logProbabilities(asValues(input), NOT_PROBABILITIES) : asValues(input);
  const stats = given === 'logits' ? blockStats : asGivenStats;
  const layout = classLayout(x.shape, options.classDim);
  const kind = targetKind(x.shape, target.shape, layout);
  const { outer, classes: C, inner, outShape } = layout;
  const eps = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  const y = kind === 'indices' ? checkedIndices(target, x.shape, layout, ignoreIndex) : undefined;
  const gathered = reduction === 'mean' && y !== undefined && y.contributing;
  const w = classWeights(options.weight, x.shape, layout, { indices: kind === 'indices', smoothing: eps > 0, gathered });
  const reducer = new Reducer(outShape, options.perSample, C * inner);
  const unit = C * inner;
  const st = new BlockStats();

  if (y && inner === 1 && C > wideRows.values) {
    wideIndexRows(x, y.labels, layout, w, eps, ignoreIndex, reducer, given === 'logits');
  } else if (y) {
    let labels: Float64Array = new Float64Array(0);
    x.read(unit, 0, outer, (block, first, count) => {
      labels = indexRows(y.labels, inner, first, count, labels);
      classIndexRows(asFloats(block), labels, first, count, layout, w, eps, ignoreIndex, reducer, stats, st);
    });
  } else {
    if (ignoreIndex >= 0) {
      // PyTorch: "ignore_index is not supported for floating point target"
      throw new InputError('ignore_index is not supported for class-probability labels (labels of the logits shape)', undefined, 'labels');
    }
    readTogether([x, asValues(target)], unit, ([block, q], first, count) =>
      probabilityRows(asFloats(block), asFloats(q), first, count, layout, w, eps, reducer, stats, st),
    );
  }
  return reducer.finish(reduction);
}

/** Rows first .. first+count of class-index cross-entropy; `x` and `y` hold just those rows. */
function classIndexRows(
  x: FloatArray,
  y: Float64Array,
  first: number,
  count: number,
  layout: ClassLayout,
  w: Float64Array | undefined,
  eps: number,
  ignoreIndex: number,
  reducer: Reducer,
  stats: StatsOf,
  st: BlockStats,
): void {
  const { classes: C, inner } = layout;
  // logits without label smoothing: every position's loss in the kernel when it runs, a
  // position holding NaN or ±inf on the scalar path (rowStats), as blockStats leaves it
  if (eps === 0 && stats === blockStats) {
    const one: RowStats = { max: 0, logSum: 0 };
    const scalarLoss = (k: number) => {
      const n = Math.floor(k / inner);
      const base = n * C * inner + (k - n * inner);
      return positionLoss(x, base, y[k], layout, w, 0, rowStats(x, base, C, inner, one));
    };
    const pos0 = first * inner;
    const done = kernelIndexLosses(x, count, C, inner, y, w, ignoreIndex, scalarLoss, (part) =>
      reducer.addLosses(pos0 + part.first, part.losses, part.weights, part.contributing, part.unitWeights),
    );
    if (done) return;
  }
  stats(x, count, C, inner, st);
  const at: RowStats = { max: 0, logSum: 0 };
  for (let n = 0; n < count; n++) {
    for (let s = 0; s < inner; s++) {
      const k = n * inner + s;
      const t = y[k];
      if (t === ignoreIndex) continue;
      at.max = st.max[k];
      at.logSum = st.logSum[k];
      reducer.add((first + n) * inner + s, positionLoss(x, n * C * inner + s, t, layout, w, eps, at), w ? w[t] : 1);
    }
  }
}

/**
 * The loss of the position whose class 0 is x[base], of label t (not ignored), given its stats
 * (kernel/index-losses.ts computes the same, to the bit, without smoothing).
 */
function positionLoss(x: FloatArray, base: number, t: number, { classes: C, inner }: ClassLayout, w: Float64Array | undefined, eps: number, { max, logSum }: RowStats): number {
  const wt = w ? w[t] : 1;
  const loss = -wt * (x[base + t * inner] - max - logSum);
  if (!(eps > 0)) return loss;
  let smooth = 0;
  for (let c = 0, i = base; c < C; c++, i += inner) smooth -= (w ? w[c] : 1) * (x[i] - max - logSum);
  return (1 - eps) * loss + (eps / C) * smooth;
}

/**
 * A row of more classes than this is read in pieces, two passes each (three with label
 * smoothing), never whole: a single row of 10M logits needs no 80 MB block. The tests set it
 * low to send every row this way.
 */
export const wideRows = { values: 1 << 20 };

/**
 * Class-index cross-entropy over rows of more than `wideRows.values` classes (contiguous:
 * inner 1), each read in pieces: the max, then Σ exp(x_c - m) and x_y, in blockStats' order over
 * the same values, so the loss has the bits classIndexRows gives for the whole row.
 */
function wideIndexRows(
  x: Values,
  y: Values,
  { outer, classes: C }: ClassLayout,
  w: Float64Array | undefined,
  eps: number,
  ignoreIndex: number,
  reducer: Reducer,
  logits: boolean,
): void {
  let labels: Float64Array = new Float64Array(0);
  const pieces = (n: number, each: (v: FloatArray, c0: number) => void) =>
    x.read(1, n * C, (n + 1) * C, (d, first) => each(asFloats(d), first - n * C));
  for (let n = 0; n < outer; n++) {
    labels = indexRows(y, 1, n, 1, labels);
    const t = labels[0];
    if (t === ignoreIndex) continue;
    // as given (log-probabilities): m = 0 and log Σ = 0, as asGivenStats
    let m = logits ? -Infinity : 0;
    if (logits) {
      pieces(n, (v) => {
        for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
      });
    }
    // a row of finite max as the kernel gives a whole row (blockStats); else rowStats' loop
    const lanes = logits && Number.isFinite(m) ? kernelRowSum(C, m) : undefined;
    let sum = 0;
    let xt = 0;
    pieces(n, (v, c0) => {
      if (lanes) lanes.add(v, c0);
      else if (logits) for (let i = 0; i < v.length; i++) sum += Math.exp(v[i] - m);
      if (t >= c0 && t < c0 + v.length) xt = v[t - c0];
    });
    const logSum = lanes ? lanes.logSum : logits ? Math.log(sum) : 0;
    const wt = w ? w[t] : 1;
    let loss = -wt * (xt - m - logSum);
    if (eps > 0) {
      let smooth = 0;
      pieces(n, (v, c0) => {
        for (let i = 0; i < v.length; i++) smooth -= (w ? w[c0 + i] : 1) * (v[i] - m - logSum);
      });
      loss = (1 - eps) * loss + (eps / C) * smooth;
    }
    reducer.add(n, loss, wt);
  }
}

/** Rows first .. first+count with class-probability targets `q` of the same layout as `x`. */
function probabilityRows(
  x: FloatArray,
  q: FloatArray,
  first: number,
  count: number,
  { classes: C, inner }: ClassLayout,
  w: Float64Array | undefined,
  eps: number,
  reducer: Reducer,
  stats: StatsOf,
  st: BlockStats,
): void {
  stats(x, count, C, inner, st);
  for (let n = 0; n < count; n++) {
    for (let s = 0; s < inner; s++) {
      const base = n * C * inner + s;
      const max = st.max[n * inner + s];
      const logSum = st.logSum[n * inner + s];
      let loss = 0;
      for (let c = 0, i = base; c < C; c++, i += inner) {
        const qc = eps > 0 ? q[i] * (1 - eps) + eps / C : q[i];
        loss -= (x[i] - max - logSum) * qc * (w ? w[c] : 1);
      }
      reducer.add((first + n) * inner + s, loss);
    }
  }
}
