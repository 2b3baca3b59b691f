/**
 * F.nll_loss(input, target, weight, ignore_index, reduction) on log-probabilities:
 *   l = -w_y · input_y,   mean = Σ l / Σ w_y over non-ignored targets (NaN if Σ w_y = 0).
 * Nothing here can overflow: it is one product per target.
 */
import { asFloats, classLayout, type Tensor } from '../tensor.js';
import { asValues, type Values } from '../values.js';
import { Reducer, type KeepLosses, type LossResult, type Reduction } from './reduce.js';
import { checkedIndices, classWeights, IGNORE_INDEX, indexRows } from './targets.js';

export interface NllOptions {
  weight?: Tensor;
  ignoreIndex?: number;
  reduction?: Reduction;
  /** What to do with the unreduced losses (reduce.ts): kept in memory unless told. */
  perSample?: KeepLosses;
  /** The class dim (negative counts from the end): the loss of x.movedim(classDim, 1); default PyTorch's. */
  classDim?: number;
}

export function nllLoss(input: Tensor | Values, target: Tensor | Values, options: NllOptions = {}): LossResult {
  const x = asValues(input);
  const layout = classLayout(x.shape, options.classDim);
  const { outer, classes: C, inner, outShape } = layout;
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  const { labels } = checkedIndices(target, x.shape, layout, ignoreIndex);
  const w = classWeights(options.weight, x.shape, layout, { indices: true, smoothing: false, gathered: false });
  const reducer = new Reducer(outShape, options.perSample, C * inner);
  let y: Float64Array = new Float64Array(0);
  x.read(C * inner, 0, outer, (block, first, count) => {
    const lp = asFloats(block);
    y = indexRows(labels, inner, first, count, y);
    for (let n = 0; n < count; n++) {
      for (let s = 0; s < inner; s++) {
        const pos = (first + n) * inner + s;
        const t = y[n * inner + s];
        if (t === ignoreIndex) continue;
        const wt = w ? w[t] : 1;
        reducer.add(pos, -wt * lp[(n * C + t) * inner + s], wt);
      }
    }
  });
  return reducer.finish(options.reduction ?? 'mean');
}
