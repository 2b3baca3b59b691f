/**
 * F.binary_cross_entropy(input, target, weight, reduction) on probabilities p = input:
 *   l = -w · [t · log p + (1 - t) · log(1 - p)],  each log clamped at -100
 * PyTorch 1.13 (Loss.cpp, binary_cross_entropy_out_cpu) computes each element as
 *   l = (t - 1) · max(log(1 - p), -100) - t · max(log p, -100),  then l · w
 * and so does this, term for term: log(1 - p) as written, not log1p(-p) (near p = 0 it
 * rounds 1 - p first, and that rounding is part of the value to match). The clamp makes
 * log 0 = -inf finite: p = 0 with t = 1, or p = 1 with t = 0, costs 100 (times the target's
 * weight), never inf, and no 0 · (-inf) arises. With both logs >= -100 nothing overflows.
 * p outside [0, 1], NaN included, is an error, as in PyTorch; targets are not checked (PyTorch
 * 1.13 does not either: warnings.ts says when they are outside [0, 1]). The weight broadcasts
 * against the input as for bce-logits; mean = Σ l / numel: weights do not enter the denominator.
 * Without a weight, the kernel computes a block's losses (kernel/binary.ts) and their sums
 * when it runs.
 */
import { kernelBinaryCrossEntropy } from '../kernel/index.js';
import { asFloats, type Tensor } from '../tensor.js';
import { asValues, readTogether, type Values } from '../values.js';
import { batchRowSize, broadcastWeight, checkTargetShape } from './elementwise.js';
import { probability } from './probabilities.js';
import { Reducer, type KeepLosses, type LossResult, type Reduction } from './reduce.js';

export interface BinaryCrossEntropyOptions {
  weight?: Tensor;
  reduction?: Reduction;
  /** What to do with the unreduced losses (reduce.ts): kept in memory unless told. */
  perSample?: KeepLosses;
}

const NOT_PROBABILITIES = 'binary-cross-entropy takes probabilities, as F.binary_cross_entropy does (for logits use bce-logits)';

export function binaryCrossEntropy(input: Tensor | Values, target: Tensor | Values, options: BinaryCrossEntropyOptions = {}): LossResult {
  const shape = input.shape;
  checkTargetShape(shape, target.shape, 'binary-cross-entropy');
  const unit = batchRowSize(shape);
  const w = broadcastWeight(options.weight, shape, unit, 'weight');
  const reducer = new Reducer([...shape], options.perSample);
  readTogether([asValues(input), asValues(target)], unit, ([pb, tb], first) => {
    const p = asFloats(pb);
    const t = asFloats(tb);
    const offset = first * unit;
    if (!w) {
      const refused = kernelBinaryCrossEntropy(p, t, (losses, i) => reducer.addLosses(offset + i, losses));
      // the first value outside [0, 1]: the error the loop below would give there
      if (refused !== undefined && refused >= 0) probability(p[refused], offset + refused, shape, NOT_PROBABILITIES);
      if (refused !== undefined) return;
    }
    for (let i = 0; i < p.length; i++) {
      const pi = probability(p[i], offset + i, shape, NOT_PROBABILITIES);
      const loss = (t[i] - 1) * Math.max(Math.log(1 - pi), -100) - t[i] * Math.max(Math.log(pi), -100);
      reducer.add(offset + i, w ? loss * w.at(offset + i) : loss);
    }
  });
  return reducer.finish(options.reduction ?? 'mean');
}
