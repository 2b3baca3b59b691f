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

/** One sample: its flat index into the losses, label, predicted class, p(label) and loss. */
export type SampleVisit = (index: number, label: number, predicted: number, probability: number, loss: number) => void;

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
 * A sample per target position of a class-dim loss, rows of `outer` at a time. Without
 * `logits`, only labels and losses are read (predicted and probability are NaN). A label out
 * of [0, C) (an ignored target) has no probability: 0.
 */
export function classSamples(logits: Values | undefined, labels: Values, losses: Values, reading: ClassReading, visit: SampleVisit): void {
  const { outer, classes: C, inner } = reading.layout;
  const { probabilityTargets, kind } = reading;
  const labelRow = probabilityTargets ? C * inner : inner;
  const st: RowStats = { max: 0, logSum: 0 };
  // the first source sets the blocks: the logits, else the losses (float64: read as they are)
  const sources = logits ? [logits, labels, losses] : [losses, labels];
  const rowSizes = logits ? [C * inner, labelRow, inner] : [inner, labelRow];
  readRows(sources, rowSizes, 0, outer, (blocks, first, count) => {
    const [xb, tb, lb] = logits ? blocks.map(asFloats) : [undefined, asFloats(blocks[1]), asFloats(blocks[0])];
    for (let n = 0; n < count; n++) {
      for (let s = 0; s < inner; s++) {
        const at = n * inner + s;
        const base = n * C * inner + s;
        const y = probabilityTargets ? argmax(tb!, base, C, inner) : tb![at];
        let predicted = NaN;
        let probability = NaN;
        if (xb) {
          predicted = argmax(xb, base, C, inner);
          // p_y as given, exp of the log-probabilities as given (nll), or softmax of the logits
          if (!(y >= 0 && y < C)) probability = 0;
          else if (kind === 'probabilities') probability = xb[base + y * inner];
          else if (kind === 'log-probabilities') probability = Math.exp(xb[base + y * inner]);
          else {
            rowStats(xb, base, C, inner, st);
            probability = Math.exp(xb[base + y * inner] - st.max - st.logSum);
          }
        }
        visit((first + n) * inner + s, y, predicted, probability, lb![at]);
      }
    }
  });
}

/**
 * A sample per element of a binary loss; `probabilities`: the predictions are σ(x) itself,
 * not x. Predicted is 1 when σ(x) > 0.5; p(label) = t σ(x) + (1 - t)(1 - σ(x)).
 */
export function binarySamples(logits: Values, labels: Values, losses: Values, probabilities: boolean, visit: SampleVisit): void {
  readRows([logits, labels, losses], [1, 1, 1], 0, numel(logits.shape), (blocks, first) => {
    const [x, t, l] = blocks.map(asFloats);
    for (let k = 0; k < x.length; k++) {
      // σ(x) = exp(log σ(x)) and 1 - σ(x) = σ(-x), without cancellation
      const p = probabilities ? x[k] : Math.exp(logSigmoid(x[k]));
      const q = probabilities ? 1 - x[k] : Math.exp(logSigmoid(-x[k]));
      const predicted = (probabilities ? x[k] > 0.5 : x[k] > 0) ? 1 : 0;
      visit(first + k, t[k], predicted, t[k] * p + (1 - t[k]) * q, l[k]);
    }
  });
}

/** Each loss in flat order. */
export function eachLoss(losses: Values, visit: (loss: number) => void): void {
  readRows([losses], [1], 0, numel(losses.shape), ([block]) => {
    const l = asFloats(block);
    for (let k = 0; k < l.length; k++) visit(l[k]);
  });
}
