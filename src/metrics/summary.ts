/**
 * The metrics from their state (a run's, or the parts' joined): every value is recomputed from
 * the counts and sums, so a merge of shards gives what one run over all of them gives (counts
 * exactly, sums to rounding).
 */
import { addCount } from '../json-fields.js';
import { CompensatedSum } from '../losses/reduce.js';
import { calibrationErrors } from './calibration.js';
import type { Metrics, MetricsState, Perplexity } from './types.js';

/** The metrics of `count` samples of this state; perplexity as given (perplexity.ts). */
export function summarize(count: number, state: MetricsState, perplexity: Perplexity): Metrics {
  const { ece, mce } = calibrationErrors(state.calibration);
  return {
    count,
    accuracy: state.hits / count,
    topkAccuracy: Object.fromEntries(Object.entries(state.topkHits).map(([k, hits]) => [k, hits / count])),
    perplexity: 'value' in perplexity ? perplexity.value : null,
    ece,
    mce,
    brier: state.brierSum / count,
    entropy: state.entropySum / count,
    notes: 'note' in perplexity ? { perplexity: perplexity.note } : {},
    state,
  };
}

/**
 * The parts' states as one: counts add (exactly: whole numbers up to 2^53 - 1, refused past
 * it, naming the field), sums add as compensated sums. The parts agree on the bins and the ks
 * (merge-agreement.ts).
 */
export function joinStates(parts: readonly { count: number; state: MetricsState; source: string }[]): { count: number; state: MetricsState } {
  const [first] = parts;
  const sum = (of: (s: MetricsState) => number) => {
    const s = new CompensatedSum();
    for (const p of parts) s.add(of(p.state));
    return s.value;
  };
  const total = (of: (s: MetricsState) => number, field: string) => parts.reduce((a, p) => addCount(a, of(p.state), `metrics.state.${field}`, p.source), 0);
  const c = first.state.calibration;
  return {
    count: parts.reduce((a, p) => addCount(a, p.count, 'metrics.count', p.source), 0),
    state: {
      hits: total((s) => s.hits, 'hits'),
      topkHits: Object.fromEntries(Object.keys(first.state.topkHits).map((k) => [k, total((s) => s.topkHits[k], `topkHits.${k}`)])),
      calibration: {
        bins: c.bins,
        edges: c.edges,
        count: c.count.map((_, i) => total((s) => s.calibration.count[i], `calibration.count[${i}]`)),
        confidenceSum: c.count.map((_, i) => sum((s) => s.calibration.confidenceSum[i])),
        accuracySum: c.count.map((_, i) => sum((s) => s.calibration.accuracySum[i])),
      },
      brierSum: sum((s) => s.brierSum),
      entropySum: sum((s) => s.entropySum),
    },
  };
}
