/**
 * The parts' metrics as one (merge): their states joined (summary.ts) and every value
 * recomputed; perplexity from the merged loss's sum and weightSum, skipped (with the first
 * part's reason) when the parts skipped it. The parts agree on having metrics, the bins and
 * the ks (merge-agreement.ts).
 */
import type { PartMetrics } from './parse.js';
import { joinStates, summarize } from './summary.js';
import type { Metrics } from './types.js';

export function mergeMetrics(parts: readonly { metrics?: PartMetrics; source: string }[], merged: { sum: number; weightSum: number }): Metrics | undefined {
  if (!parts.every((p) => p.metrics)) return undefined;
  const metrics = parts.map((p) => p.metrics!);
  const { count, state } = joinStates(parts.map((p) => ({ ...p.metrics!, source: p.source })));
  const skipped = metrics.find((m) => m.skipped !== undefined)?.skipped;
  return summarize(count, state, skipped === undefined ? { value: Math.exp(merged.sum / merged.weightSum) } : { note: skipped });
}
