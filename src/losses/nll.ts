/**
 * F.nll_loss(input, target, weight, ignore_index, reduction) on log-probabilities:
 *   l = -w_y · input_y,   mean = Σ l / Σ w_y over non-ignored targets (NaN if none).
 * Nothing here can overflow: it is one product per target.
 */
import { classLayout, numel, toFloat64, type Tensor } from '../tensor.js';
import { Reducer, type LossResult, type Reduction } from './reduce.js';
import { classIndices, classWeights } from './targets.js';

export interface NllOptions {
  weight?: Tensor;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export function nllLoss(input: Tensor, target: Tensor, options: NllOptions = {}): LossResult {
  const layout = classLayout(input.shape);
  const { outer, classes: C, inner, outShape } = layout;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const y = classIndices(target, input.shape, layout, ignoreIndex);
  const w = classWeights(options.weight, C);
  const x = toFloat64(input);
  const reducer = new Reducer(outShape, numel(outShape));
  for (let n = 0; n < outer; n++) {
    for (let s = 0; s < inner; s++) {
      const pos = n * inner + s;
      const t = y[pos];
      if (t === ignoreIndex) continue;
      const wt = w ? w[t] : 1;
      reducer.add(pos, -wt * x[(n * C + t) * inner + s], wt);
    }
  }
  return reducer.finish(options.reduction ?? 'mean');
}
