/**
 * Perplexity: exp of the mean cross-entropy over the contributing targets, exp(sum /
 * weightSum) of the loss's own result, for the losses whose mean is that: class-index
 * cross-entropy, nll and gather, without class weights or label smoothing. Elsewhere the
 * loss is not the mean negative log-likelihood of the labels, and the metric is skipped with
 * the reason.
 */
import type { Mode } from '../modes.js';
import type { Perplexity } from './types.js';

export interface PerplexityReading {
  mode: Mode | string;
  weighted: boolean;
  labelSmoothing: number;
  probabilityTargets: boolean;
}

/** Why perplexity does not apply, or undefined when it does. */
export function perplexitySkipped(r: PerplexityReading): string | undefined {
  if (r.mode === 'bce-logits' || r.mode === 'binary-cross-entropy') return `not with ${r.mode}: the loss is a sum of binary terms, not a mean negative log-likelihood over classes`;
  if (r.weighted) return 'not with --weight: the weighted mean is not the mean negative log-likelihood of the labels';
  if (r.labelSmoothing > 0) return 'not with --label-smoothing: the smoothed loss is not the negative log-likelihood of the labels';
  if (r.probabilityTargets) return 'not with probability targets: there is no single label whose likelihood the loss measures';
  return undefined;
}

/** The perplexity of a result's sum and weightSum, or why it is skipped. */
export function perplexityOf(r: PerplexityReading, result: { sum: number; weightSum: number }): Perplexity {
  const note = perplexitySkipped(r);
  return note === undefined ? { value: Math.exp(result.sum / result.weightSum) } : { note };
}
