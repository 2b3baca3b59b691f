/**
 * F.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction).
 *
 * With σ the sigmoid, p = pos_weight and t the target (a probability in [0, 1]):
 *   l = -w · [p t log σ(x) + (1 - t) log(1 - σ(x))]
 * Using log(1 - σ(x)) = log σ(x) - x this is
 *   l = w · [(1 - t) x - (1 + (p - 1) t) log σ(x)]
 * and log σ(x) = min(x, 0) - log1p(exp(-|x|)): exp's argument is <= 0, so it cannot overflow,
 * and log1p keeps the tiny tail exactly (PyTorch's log_sigmoid, the form its BCE uses).
 * weight and pos_weight broadcast against the input (pos_weight of size C aligns with the
 * last dim). mean = Σ l / numel: weights do not enter the denominator.
 */
import { broadcastTo, numel, toFloat64, type Tensor } from '../tensor.js';
import { Reducer, type LossResult, type Reduction } from './reduce.js';
import { InputError } from '../errors.js';
import { formatShape, sameShape } from '../tensor.js';

export interface BceWithLogitsOptions {
  weight?: Tensor;
  posWeight?: Tensor;
  reduction?: Reduction;
}

export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

export function bceWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): LossResult {
  if (!sameShape(input.shape, target.shape)) {
    throw new InputError(
      `labels shape ${formatShape(target.shape)} does not fit logits shape ${formatShape(input.shape)}: ` +
        'bce-logits needs targets of the logits shape',
      undefined,
      'labels',
    );
  }
  const x = toFloat64(input);
  const t = toFloat64(target);
  const w = options.weight && broadcastTo(toFloat64(options.weight), options.weight.shape, input.shape, 'weight');
  const p = options.posWeight && broadcastTo(toFloat64(options.posWeight), options.posWeight.shape, input.shape, 'pos-weight');
  const reducer = new Reducer([...input.shape], numel(input.shape));
  for (let i = 0; i < x.length; i++) {
    const logWeight = p ? 1 + (p[i] - 1) * t[i] : 1;
    const loss = (1 - t[i]) * x[i] - logWeight * logSigmoid(x[i]);
    reducer.add(i, w ? loss * w[i] : loss);
  }
  return reducer.finish(options.reduction ?? 'mean');
}
