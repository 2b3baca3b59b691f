/**
 * F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing).
 *
 * With log p_c = log_softmax(x)_c (see log-softmax.ts) and ε = label_smoothing:
 *
 * class indices y:   l = (1 - ε) · (-w_y log p_y) + (ε / C) · Σ_c (-w_c log p_c)
 *                    mean = Σ l / Σ w_y over non-ignored targets (the nll term's denominator,
 *                    which PyTorch also uses for the smoothing term); ignored targets give 0.
 * probabilities q:   q' = (1 - ε) q + ε / C,   l = -Σ_c w_c q'_c log p_c
 *                    mean = Σ l / (N · d1 · ... · dk): weights do not enter the denominator.
 *
 * Both are one pass per row: the row's max and log-sum-exp, then the terms above.
 */
import { InputError } from '../errors.js';
import { classLayout, numel, toFloat64, type Tensor } from '../tensor.js';
import { rowStats, type RowStats } from './log-softmax.js';
import { Reducer, type LossResult, type Reduction } from './reduce.js';
import { classIndices, classWeights, targetKind } from './targets.js';

export interface CrossEntropyOptions {
  weight?: Tensor;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): LossResult {
  const layout = classLayout(input.shape);
  const kind = targetKind(input.shape, target.shape, layout);
  const { outer, classes: C, inner, outShape } = layout;
  const x = toFloat64(input);
  const w = classWeights(options.weight, C);
  const eps = options.labelSmoothing ?? 0;
  const reducer = new Reducer(outShape, numel(outShape));
  const st: RowStats = { max: 0, logSum: 0 };

  if (kind === 'indices') {
    const ignoreIndex = options.ignoreIndex ?? -100;
    const y = classIndices(target, input.shape, layout, ignoreIndex);
    for (let n = 0; n < outer; n++) {
      for (let s = 0; s < inner; s++) {
        const pos = n * inner + s;
        const t = y[pos];
        if (t === ignoreIndex) continue;
        const base = n * C * inner + s;
        rowStats(x, base, C, inner, st);
        const wt = w ? w[t] : 1;
        let loss = -wt * (x[base + t * inner] - st.max - st.logSum);
        if (eps > 0) {
          let smooth = 0;
          for (let c = 0, i = base; c < C; c++, i += inner) {
            smooth -= (w ? w[c] : 1) * (x[i] - st.max - st.logSum);
          }
          loss = (1 - eps) * loss + (eps / C) * smooth;
        }
        reducer.add(pos, loss, wt);
      }
    }
  } else {
    if ((options.ignoreIndex ?? -100) >= 0) {
      // PyTorch: "ignore_index is not supported for floating point target"
      throw new InputError('ignore_index is not supported for class-probability labels (labels of the logits shape)', undefined, 'labels');
    }
    const q = toFloat64(target);
    for (let n = 0; n < outer; n++) {
      for (let s = 0; s < inner; s++) {
        const base = n * C * inner + s;
        rowStats(x, base, C, inner, st);
        let loss = 0;
        for (let c = 0, i = base; c < C; c++, i += inner) {
          const qc = eps > 0 ? q[i] * (1 - eps) + eps / C : q[i];
          loss -= (x[i] - st.max - st.logSum) * qc * (w ? w[c] : 1);
        }
        reducer.add(n * inner + s, loss);
      }
    }
  }
  return reducer.finish(options.reduction ?? 'mean');
}
