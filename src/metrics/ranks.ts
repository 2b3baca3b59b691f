/**
 * Top-k accuracy: the label is a hit when at most k classes, itself included, score at least
 * as high as it does. So a tie at the k-th place counts as a hit only if the label's score is
 * strictly greater than the (k+1)-th: a label tied with others across the cut is a miss, as
 * no order among equal scores is more right than another. NaN ranks above every number (as in
 * torch.argmax and torch.topk), and NaNs tie with each other.
 *
 * Any monotone map of the scores ranks the same: logits, probabilities and log-probabilities
 * alike.
 */
import { UsageError } from '../errors.js';
import type { FloatArray } from '../tensor.js';

/**
 * How many of the C classes at base, base + inner, ... score at least as high as class y
 * (itself included): the label is a top-k hit when this is <= k.
 */
export function labelRank(x: FloatArray, base: number, C: number, inner: number, y: number): number {
  const v = x[base + y * inner];
  let n = 0;
  if (v !== v) {
    for (let c = 0, i = base; c < C; c++, i += inner) if (x[i] !== x[i]) n++;
  } else {
    // NaN >= v is false, but NaN ranks above: counted too
    for (let c = 0, i = base; c < C; c++, i += inner) if (x[i] >= v || x[i] !== x[i]) n++;
  }
  return n;
}

/**
 * The top-k ks of --topk, or 5 when none is given and there are more than 5 classes. A k
 * larger than the number of classes is refused, as torchmetrics refuses it (top-C is always 1).
 */
export function topkFor(given: readonly number[] | undefined, classes: number): number[] {
  const over = given?.find((k) => k > classes);
  if (over !== undefined) throw new UsageError(`--topk ${over} is more than the ${classes} classes of the logits: k is at most C`);
  if (given) return [...new Set(given)].sort((a, b) => a - b);
  return classes > 5 ? [5] : [];
}
