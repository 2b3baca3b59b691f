/**
 * The manual path, written the way it reads in PyTorch:
 *   logp = F.log_softmax(x, 1)
 *   l    = -logp.gather(1, y.unsqueeze(1)).squeeze(1),   masked where y == ignore_index
 *   mean = Σ l / (number of non-ignored targets)
 * It materialises log_softmax (a block of rows at a time) on purpose: `check` compares it
 * with the fused cross-entropy. No class weights and no label smoothing: those belong to
 * cross-entropy.
 */
import { asFloats, classLayout, type Tensor } from '../tensor.js';
import { asValues, type Values } from '../values.js';
import { logSoftmaxRows } from './log-softmax.js';
import { Reducer, type KeepLosses, type LossResult, type Reduction } from './reduce.js';
import { checkedIndices, IGNORE_INDEX, indexRows } from './targets.js';

export interface GatherOptions {
  ignoreIndex?: number;
  reduction?: Reduction;
  /** What to do with the unreduced losses (reduce.ts): kept in memory unless told. */
  perSample?: KeepLosses;
  /** The class dim (negative counts from the end): the loss of x.movedim(classDim, 1); default PyTorch's. */
  classDim?: number;
}

export function gatherLoss(input: Tensor | Values, target: Tensor | Values, options: GatherOptions = {}): LossResult {
  const x = asValues(input);
  const layout = classLayout(x.shape, options.classDim);
  const { outer, classes: C, inner, outShape } = layout;
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  const { labels } = checkedIndices(target, x.shape, layout, ignoreIndex);
  const reducer = new Reducer(outShape, options.perSample, C * inner);
  let y: Float64Array = new Float64Array(0);
  x.read(C * inner, 0, outer, (block, first, count) => {
    const logp = logSoftmaxRows(asFloats(block), count, C, inner);
    y = indexRows(labels, inner, first, count, y);
    for (let n = 0; n < count; n++) {
      for (let s = 0; s < inner; s++) {
        const pos = (first + n) * inner + s;
        const t = y[n * inner + s];
        if (t === ignoreIndex) continue;
        reducer.add(pos, -logp[(n * C + t) * inner + s]);
      }
    }
  });
  return reducer.finish(options.reduction ?? 'mean');
}
