/**
 * The samples of a breakdown, read in blocks of rows side by side with their losses: each
 * sample's label, prediction, probability of the label and loss, handed on in flat order and
 * kept nowhere.
 */
import type { PredictionKind } from '../breakdown.js';
import { logSigmoid } from '../losses/bce-with-logits.js';
import { rowStats, type RowStats } from '../losses/log-softmax.js';
import { asFloats, numel, type ClassLayout, type FloatArray } from '../tensor.js';
import { readRows, type Values } from '../values.js';

/**
 * A block of samples, flat indices first .. first + count - 1: each one's label, predicted
 * class, p(label) and loss. The arrays are reused: valid during the visit only.
 */
export interface SampleBlock {
  first: number;
  count: number;
  label: Float64Array;
  predicted: Float64Array;
  probability: Float64Array;
  loss: FloatArray;
}

export type SampleVisit = (block: SampleBlock) => void;

/** The arrays of a block of `count` samples, grown as blocks need. */
class Samples {
  private label = new Float64Array(0);
  private predicted = new Float64Array(0);
  private probability = new Float64Array(0);

  block(first: number, count: number, loss: FloatArray): SampleBlock {
    if (this.label.length < count) [this.label, this.predicted, this.probability] = [0, 1, 2].map(() => new Float64Array(count));
    return {
      first,
      count,
      label: this.label.subarray(0, count),
      predicted: this.predicted.subarray(0, count),
      probability: this.probability.subarray(0, count),
      loss,
    };
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
}

/**
 * The samples of a class-dim loss, a target position each, in blocks of rows of `outer`.
 * Without `logits`, only labels and losses are read (predicted and probability are not
 * filled). A label out of [0, C) (an ignored target) has no probability: 0.
 */
export function classSamples(logits: Values | undefined, labels: Values, losses: Values, reading: ClassReading, visit: SampleVisit): void {
  const { outer, classes: C, inner } = reading.layout;
  const { probabilityTargets, kind } = reading;
  const labelRow = probabilityTargets ? C * inner : inner;
  const st: RowStats = { max: 0, logSum: 0 };
  const samples = new Samples();
  // the first source sets the blocks: the logits, else the losses (float64: read as they are)
  const sources = logits ? [logits, labels, losses] : [losses, labels];
  const rowSizes = logits ? [C * inner, labelRow, inner] : [inner, labelRow];
  readRows(sources, rowSizes, 0, outer, (blocks, first, count) => {
    const xb = logits ? asFloats(blocks[0]) : undefined;
    const [tb, lb] = (logits ? blocks.slice(1) : [blocks[1], blocks[0]]).map(asFloats);
    const b = samples.block(first * inner, count * inner, lb);
    for (let n = 0; n < count; n++) {
      for (let s = 0; s < inner; s++) {
        const at = n * inner + s;
        const base = n * C * inner + s;
        const y = probabilityTargets ? argmax(tb, base, C, inner) : tb[at];
        b.label[at] = y;
        if (!xb) continue;
        b.predicted[at] = argmax(xb, base, C, inner);
        // p_y as given, exp of the log-probabilities as given (nll), or softmax of the logits
        if (!(y >= 0 && y < C)) b.probability[at] = 0;
        else if (kind === 'probabilities') b.probability[at] = xb[base + y * inner];
        else if (kind === 'log-probabilities') b.probability[at] = Math.exp(xb[base + y * inner]);
        else {
          rowStats(xb, base, C, inner, st);
          b.probability[at] = Math.exp(xb[base + y * inner] - st.max - st.logSum);
        }
      }
    }
    visit(b);
  });
}

/**
 * The samples of a binary loss, an element each; `probabilities`: the predictions are σ(x)
 * itself, not x. Predicted is 1 when σ(x) > 0.5; p(label) = t σ(x) + (1 - t)(1 - σ(x)).
 */
export function binarySamples(logits: Values, labels: Values, losses: Values, probabilities: boolean, visit: SampleVisit): void {
  const samples = new Samples();
  readRows([logits, labels, losses], [1, 1, 1], 0, numel(logits.shape), (blocks, first, count) => {
    const [x, t, l] = blocks.map(asFloats);
    const b = samples.block(first, count, l);
    for (let k = 0; k < count; k++) {
      // σ(x) = exp(log σ(x)) and 1 - σ(x) = σ(-x), without cancellation
      const p = probabilities ? x[k] : Math.exp(logSigmoid(x[k]));
      const q = probabilities ? 1 - x[k] : Math.exp(logSigmoid(-x[k]));
      b.label[k] = t[k];
      b.predicted[k] = (probabilities ? x[k] > 0.5 : x[k] > 0) ? 1 : 0;
      b.probability[k] = t[k] * p + (1 - t[k]) * q;
    }
    visit(b);
  });
}

/** The losses in blocks, in flat order. */
export function lossBlocks(losses: Values, visit: (block: FloatArray) => void): void {
  losses.read(1, 0, numel(losses.shape), (block) => visit(asFloats(block)));
}
