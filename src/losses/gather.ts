/**
 * The manual path, written the way it reads in PyTorch:
 *   logp = F.log_softmax(x, 1)
 *   l    = -logp.gather(1, y.unsqueeze(1)).squeeze(1),   masked where y == ignore_index
 *   mean = Σ l / (number of non-ignored targets)
 * It materialises log_softmax on purpose: `check` compares it with the fused cross-entropy.
 * No class weights and no label smoothing: those belong to cross-entropy.
 */
import { classLayout, numel, type Tensor } from '../tensor.js';
import { logSoftmax } from './log-softmax.js';
import { Reducer, type LossResult, type Reduction } from './reduce.js';
import { classIndices } from './targets.js';

export interface GatherOptions {
  ignoreIndex?: number;
  reduction?: Reduction;
}

export function gatherLoss(input: Tensor, target: Tensor, options: GatherOptions = {}): LossResult {
  const layout = classLayout(input.shape);
  const { outer, classes: C, inner, outShape } = layout;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const y = classIndices(target, input.shape, layout, ignoreIndex);
  const logp = logSoftmax(input).data as Float64Array;
  const reducer = new Reducer(outShape, numel(outShape));
  for (let n = 0; n < outer; n++) {
    for (let s = 0; s < inner; s++) {
      const pos = n * inner + s;
      if (y[pos] === ignoreIndex) continue;
      reducer.add(pos, -logp[(n * C + y[pos]) * inner + s]);
    }
  }
  return reducer.finish(options.reduction ?? 'mean');
}
