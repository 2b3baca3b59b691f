/**
 * Predictions that are not logits. What the input holds (--input): logits (PyTorch's default),
 * probabilities, or log-probabilities. PyTorch's losses on probabilities take them in [0, 1]
 * (F.binary_cross_entropy refuses anything else: "all elements of input should be between 0
 * and 1", NaN included), and so does losscalc, naming the first one that is not.
 */
import { InputError } from '../errors.js';
import { formatIndex } from '../tensor.js';
import { mapValues, type Values } from '../values.js';

export type InputKind = 'logits' | 'probs' | 'log-probs';
export const INPUT_KINDS: readonly InputKind[] = ['logits', 'probs', 'log-probs'];

/** `p` itself when it is a probability; else an error naming it, its index and `hint`. */
export function probability(p: number, index: number, shape: readonly number[], hint: string): number {
  if (p >= 0 && p <= 1) return p;
  const value = Number.isNaN(p) ? 'NaN' : String(p);
  throw new InputError(`probability ${value} at index ${formatIndex(index, shape)} is outside [0, 1]: ${hint}`, undefined, 'logits');
}

/**
 * torch.log(p), value by value as the blocks are read, each p checked first. log(0) = -inf:
 * a target class of probability 0 then costs inf, as F.nll_loss(torch.log(p), y) does.
 */
export function logProbabilities(v: Values, hint: string): Values {
  return mapValues(v, (p, i) => Math.log(probability(p, i, v.shape, hint)));
}

/**
 * torch.sigmoid(x) as PyTorch computes it in float64, 1 / (1 + exp(-x)): the probability
 * itself, rounded as PyTorch rounds it (it is 1 exactly from x ≈ 36.7 on, and 0 below
 * x ≈ -745). For a loss, log σ(x) (bce-with-logits.ts) is the exact form.
 */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
