/**
 * The samples of a breakdown, read in blocks of rows side by side with their losses: each
 * sample's label, prediction, probability of the label and loss, handed on in flat order and
 * kept nowhere.
 */
import type { PredictionKind } from '../breakdown.js';
import { sigmoid } from '../losses/probabilities.js';
import { rowStats, type RowStats } from '../losses/log-softmax.js';
import { labelRank } from '../metrics/ranks.js';
import { asFloats, numel, type ClassLayout, type FloatArray } from '../tensor.js';
import { readRows, type Values } from '../values.js';

/**
 * A block of samples, flat indices first .. first + count - 1: each one's label, predicted
 * class, p(label) and loss (0 when the losses are not read), and, when the reading asks for
 * metrics, what they need of each (metrics/sink.ts). The arrays are reused: valid during the
 * visit only.
 */
export interface SampleBlock {
  first: number;
  count: number;
  label: Float64Array;
  predicted: Float64Array;
  probability: Float64Array;
  loss: FloatArray;
  /** The top-1 confidence: max_c p_c (binary: p(positive)). */
  confidence: Float64Array;
  /** How many classes score at least as high as the label, itself included (metrics/ranks.ts). */
  rank: Float64Array;
  /** sum_c (p_c - q_c)^2, q the one-hot label or the probability targets (binary: (p - t)^2). */
  brier: Float64Array;
  /** -sum_c p_c log p_c in nats, 0 log 0 = 0 (binary: of Bernoulli(p)). */
  entropy: Float64Array;
}

export type SampleVisit = (block: SampleBlock) => void;

const FIELDS = ['label', 'predicted', 'probability', 'confidence', 'rank', 'brier', 'entropy', 'zeros'] as const;

/** The arrays of a block of `count` samples, grown as blocks need. */
class Samples {
  private arrays = FIELDS.map(() => new Float64Array(0));

  /** `loss` undefined: the losses are not read, and read as 0. */
  block(first: number, count: number, loss: FloatArray | undefined): SampleBlock {
    if (this.arrays[0].length < count) this.arrays = FIELDS.map(() => new Float64Array(count));
    const [label, predicted, probability, confidence, rank, brier, entropy, zeros] = this.arrays.map((a) => a.subarray(0, count));
    return { first, count, label, predicted, probability, loss: loss ?? zeros, confidence, rank, brier, entropy };
  }
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

export interface ClassReading {
  layout: ClassLayout;
  /** The labels are class probabilities of the logits' shape: the label is their argmax. */
  probabilityTargets: boolean;
  kind: PredictionKind;
  /** Fill confidence, rank, brier and entropy too. */
  metrics?: boolean;
}

/**
 * The samples of a class-dim loss, a target position each, in blocks of rows of `outer`.
 * Without `logits`, only labels and losses are read (predicted and probability are not
 * filled); without `losses`, the losses read as 0. A label out of [0, C) (an ignored target)
 * has no probability: 0, and no metrics.
 */
export function classSamples(logits: Values | undefined, labels: Values, losses: Values | undefined, reading: ClassReading, visit: SampleVisit): void {
  const { outer, classes: C, inner } = reading.layout;
  const { probabilityTargets } = reading;
  const labelRow = probabilityTargets ? C * inner : inner;
  const row = new RowReader(reading);
  const samples = new Samples();
  // the first source sets the blocks: the logits, else the losses (float64: read as they are)
  const [sources, rowSizes] = logits
    ? [[logits, labels, ...(losses ? [losses] : [])], [C * inner, labelRow, inner]]
    : [[losses!, labels], [inner, labelRow]];
  readRows(sources, rowSizes, 0, outer, (blocks, first, count) => {
    const xb = logits ? asFloats(blocks[0]) : undefined;
    const tb = asFloats(blocks[1]);
    const lb = logits ? blocks[2] && asFloats(blocks[2]) : asFloats(blocks[0]);
    const b = samples.block(first * inner, count * inner, lb);
    for (let n = 0; n < count; n++) {
      for (let s = 0; s < inner; s++) {
        const at = n * inner + s;
        const base = n * C * inner + s;
        const y = probabilityTargets ? argmax(tb, base, C, inner) : tb[at];
        b.label[at] = y;
        if (!xb) continue;
        b.predicted[at] = argmax(xb, base, C, inner);
        if (y >= 0 && y < C) row.read(xb, tb, base, y, b, at);
        else b.probability[at] = 0;
      }
    }
    visit(b);
  });
}

/**
 * One position's probabilities, from the row's stats computed once: p_c = exp(x_c - max -
 * logSum) of logits (log p_c the exponent itself), exp of log-probabilities as given (nll,
 * --input log-probs), or probabilities as given (--input probs).
 */
class RowReader {
  private readonly st: RowStats = { max: 0, logSum: 0 };
  private readonly C: number;
  private readonly inner: number;

  constructor(private readonly reading: ClassReading) {
    ({ classes: this.C, inner: this.inner } = reading.layout);
  }

  /** p(y) of the position at `base` into b.probability[at], and its metrics when asked for. */
  read(x: FloatArray, t: FloatArray, base: number, y: number, b: SampleBlock, at: number): void {
    const { C, inner, st } = this;
    const { kind, metrics } = this.reading;
    const v = x[base + y * inner];
    if (kind === 'logits') {
      if (metrics) this.softmax(x, base);
      else rowStats(x, base, C, inner, st);
      b.probability[at] = Math.exp(v - st.max - st.logSum);
    } else b.probability[at] = kind === 'probabilities' ? v : Math.exp(v);
    if (metrics) this.metrics(x, t, base, y, b, at);
  }

  /** exp(x_c - m) of every class into `e`, and the row's stats as rowStats forms them (the same numbers). */
  private e = new Float64Array(0);
  private sum = 0;
  private softmax(x: FloatArray, base: number): void {
    const { C, inner, st } = this;
    if (this.e.length < C) this.e = new Float64Array(C);
    const e = this.e;
    let m = -Infinity;
    for (let c = 0, i = base; c < C; c++, i += inner) m = Math.max(m, x[i]);
    let s = 0;
    for (let c = 0, i = base; c < C; c++, i += inner) s += e[c] = Math.exp(x[i] - m);
    st.max = m;
    st.logSum = Math.log(s);
    this.sum = s;
  }

  /**
   * Confidence, Brier term and entropy in one loop over the row, then the label's rank. Of
   * logits, p_c = exp(x_c - m) / sum exp(x_j - m) (torch.softmax's formula, with the exps of
   * `softmax`: one exp a value) and log p_c = (x_c - m) - log sum (as log_softmax); of
   * log-probabilities, p_c = exp(x_c); of probabilities, log p_c = log(p_c).
   */
  private metrics(x: FloatArray, t: FloatArray, base: number, y: number, b: SampleBlock, at: number): void {
    const { C, inner, e, sum } = this;
    const { kind, probabilityTargets } = this.reading;
    const { max, logSum } = this.st;
    let confidence = -Infinity;
    let brier = 0;
    let entropy = 0;
    for (let c = 0, i = base; c < C; c++, i += inner) {
      let pc: number;
      let lp: number;
      if (kind === 'logits') {
        pc = e[c] / sum;
        lp = x[i] - max - logSum;
      } else if (kind === 'log-probabilities') {
        lp = x[i];
        pc = Math.exp(lp);
      } else {
        pc = x[i];
        lp = Math.log(pc);
      }
      // torch.max propagates NaN
      if (pc > confidence || pc !== pc) confidence = confidence !== confidence ? confidence : pc;
      const d = pc - (probabilityTargets ? t[i] : c === y ? 1 : 0);
      brier += d * d;
      if (pc !== 0) entropy -= pc * lp;
    }
    b.confidence[at] = confidence;
    b.brier[at] = brier;
    b.entropy[at] = entropy;
    b.rank[at] = labelRank(x, base, C, inner, y);
  }
}

/**
 * The samples of a binary loss, an element each; `probabilities`: the predictions are σ(x)
 * itself, not x. Predicted is 1 when σ(x) > 0.5 (σ rounded as torch.sigmoid rounds it, which
 * is 0.5 exactly for 0 < x < 2^-53); p(label) = t σ(x) + (1 - t)(1 - σ(x)). Without `losses`,
 * the losses read as 0.
 */
export function binarySamples(logits: Values, labels: Values, losses: Values | undefined, probabilities: boolean, visit: SampleVisit): void {
  const samples = new Samples();
  const sources = [logits, labels, ...(losses ? [losses] : [])];
  readRows(sources, [1, 1, 1], 0, numel(logits.shape), (blocks, first, count) => {
    const [x, t, l] = blocks.map(asFloats);
    const b = samples.block(first, count, l);
    for (let k = 0; k < count; k++) {
      const v = x[k];
      let p = v;
      let q = 1 - v;
      let logP = Math.log(v);
      let logQ = Math.log1p(-v);
      let confidence = v;
      if (!probabilities) {
        // with e = exp(-|x|): sigma(|x|) = 1 / (1 + e), sigma(-|x|) = e / (1 + e), and (as
        // logSigmoid) log sigma(x) = min(x, 0) - log1p(e), log(1 - sigma(x)) = log sigma(-x) =
        // min(-x, 0) - log1p(e), none cancelling; for x >= 0, 1 / (1 + e) is torch.sigmoid's own
        // formula, so the confidence is rounded as torch.sigmoid rounds it (sigmoid() for x < 0)
        const e = Math.exp(-Math.abs(v));
        const softplus = Math.log1p(e);
        const big = 1 / (1 + e);
        const small = e / (1 + e);
        p = v >= 0 ? big : small;
        q = v >= 0 ? small : big;
        logP = Math.min(v, 0) - softplus;
        logQ = Math.min(-v, 0) - softplus;
        confidence = v >= 0 ? big : sigmoid(v);
      }
      const tk = t[k];
      b.label[k] = tk;
      b.predicted[k] = confidence > 0.5 ? 1 : 0;
      b.probability[k] = tk * p + (1 - tk) * q;
      b.confidence[k] = confidence;
      b.brier[k] = (confidence - tk) * (confidence - tk);
      // the Bernoulli entropy, 0 log 0 = 0
      b.entropy[k] = -((p === 0 ? 0 : p * logP) + (q === 0 ? 0 : q * logQ));
    }
    visit(b);
  });
}

/** The losses in blocks, in flat order. */
export function lossBlocks(losses: Values, visit: (block: FloatArray) => void): void {
  losses.read(1, 0, numel(losses.shape), (block) => visit(asFloats(block)));
}
