/**
 * F.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction).
 *
 * With σ the sigmoid, p = pos_weight and t the target (a probability in [0, 1]):
 *   l = -w · [p t log σ(x) + (1 - t) log(1 - σ(x))]
 * Using log(1 - σ(x)) = log σ(x) - x and lw = 1 + (p - 1) t this is
 *   l = w · [(1 - t) x - lw · log σ(x)]
 * and, with m = max(-x, 0), -log σ(x) = log(1 + e^-x) = m + log(e^-m + e^(-x - m)): both
 * exp arguments are <= 0, so nothing overflows. This is PyTorch 1.13's form (Loss.cpp), kept
 * term for term because its roundings and corners are the values to match:
 *   no pos_weight:  l = w · [((1 - t) x + m) + log(e^-m + e^(-x - m))]
 *                   (for x << 0 and t = 0, (1 - t) x + m cancels exactly before the tail is added)
 *   pos_weight:     l = w · [(1 - t) x + lw · (log(e^-m + e^(-x - m)) + m)]
 * At x = -inf, -x - m is inf - inf: the loss is NaN whatever the target, as in PyTorch.
 * weight and pos_weight broadcast against the input (pos_weight of size C aligns with the
 * last dim). mean = Σ l / numel: weights do not enter the denominator.
 * Without weight and pos_weight, the kernel computes a block's losses and adds them into the
 * sums in the same pass when it runs (kernel/binary.ts; the tail log(1 + e^-|x|) from a table
 * and a polynomial, kernel/softplus.ts, within about 2 ulp).
 */
import { kernelBceLogits } from '../kernel/index.js';
import { asFloats, type Tensor } from '../tensor.js';
import { asValues, readTogether, type Values } from '../values.js';
import { batchRowSize, broadcastWeight, checkTargetShape } from './elementwise.js';
import { Reducer, type KeepLosses, type LossResult, type Reduction } from './reduce.js';

export interface BceWithLogitsOptions {
  weight?: Tensor;
  posWeight?: Tensor;
  reduction?: Reduction;
  /** What to do with the unreduced losses (reduce.ts): kept in memory unless told. */
  perSample?: KeepLosses;
}

/** log σ(x) = min(x, 0) - log1p(e^-|x|), exact in the tail (for probabilities, not the loss). */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

/** The unweighted loss of one element, in PyTorch's order (see above); lw undefined without pos_weight. */
function elementLoss(x: number, t: number, lw: number | undefined): number {
  const m = Math.max(-x, 0);
  const tail = Math.log(Math.exp(-m) + Math.exp(-x - m));
  return lw === undefined ? (1 - t) * x + m + tail : (1 - t) * x + lw * (tail + m);
}

export function bceWithLogits(input: Tensor | Values, target: Tensor | Values, options: BceWithLogitsOptions = {}): LossResult {
  const shape = input.shape;
  checkTargetShape(shape, target.shape, 'bce-logits');
  const unit = batchRowSize(shape);
  const w = broadcastWeight(options.weight, shape, unit, 'weight');
  const p = broadcastWeight(options.posWeight, shape, unit, 'pos-weight');
  const reducer = new Reducer([...shape], options.perSample);
  readTogether([asValues(input), asValues(target)], unit, ([xb, tb], first) => {
    const x = asFloats(xb);
    const t = asFloats(tb);
    const offset = first * unit;
    if (!w && !p && kernelBceLogits(x, t, (i, n, piece) => reducer.addSummed(offset + i, n, piece))) return;
    for (let i = 0; i < x.length; i++) {
      const loss = elementLoss(x[i], t[i], p ? (p.at(offset + i) - 1) * t[i] + 1 : undefined);
      reducer.add(offset + i, w ? loss * w.at(offset + i) : loss);
    }
  });
  return reducer.finish(options.reduction ?? 'mean');
}
