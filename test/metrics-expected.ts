/** The metrics' fixtures (scripts/make_metrics_fixtures.py) and how a result is checked against them. */
import { join } from 'node:path';
import { expect } from 'vitest';
import { expectClose } from './cases.js';
import { FIXTURES, readJson, type Expected } from './helpers.js';

export interface ExpectedMetrics {
  count: number;
  accuracy: Expected;
  topkAccuracy: Record<string, Expected>;
  perplexity: Expected | null;
  skipped: string[];
  ece: Expected;
  mce: Expected;
  brier: Expected;
  entropy: Expected;
  hits: number;
  topkHits: Record<string, number>;
  binCount: number[];
}

export interface MetricsFixtures {
  cases: { name: string; argv: string[]; expected: ExpectedMetrics; note: string }[];
  merges: { name: string; shards: string[][]; expected: ExpectedMetrics; note: string }[];
  edges: Record<string, number[]>;
}

export const fixtures = readJson<MetricsFixtures>(join(FIXTURES, 'metrics.json'));

/** A --json result's "metrics" against PyTorch's: counts exactly, the rest at rtol 1e-12. */
export function expectMetrics(m: Record<string, any>, e: ExpectedMetrics): void {
  expect(m.count, 'count').toBe(e.count);
  expect(m.state.hits, 'hits').toBe(e.hits);
  expect(m.state.topkHits, 'topkHits').toEqual(e.topkHits);
  expect(m.state.calibration.count, 'calibration counts').toEqual(e.binCount);
  expect(m.state.calibration.edges, 'edges').toEqual(fixtures.edges[String(e.binCount.length - 1)]);
  for (const key of ['accuracy', 'ece', 'mce', 'brier', 'entropy'] as const) expectClose(m[key], e[key], key);
  expect(Object.keys(m.topkAccuracy), 'topk keys').toEqual(Object.keys(e.topkAccuracy));
  for (const [k, v] of Object.entries(e.topkAccuracy)) expectClose(m.topkAccuracy[k], v, `top-${k}`);
  if (e.perplexity === null) expect(m.perplexity, 'perplexity skipped').toBeNull();
  else expectClose(m.perplexity, e.perplexity, 'perplexity');
  expect(Object.keys(m.notes), 'notes: the metrics skipped').toEqual(e.skipped);
}
