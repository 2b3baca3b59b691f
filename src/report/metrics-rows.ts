/**
 * The metrics as rows of (name, value), shared by the terminal (human.ts) and Markdown
 * (markdown.ts) outputs: the values at 7 significant digits, the accuracies with their hit
 * counts, a skipped metric with why.
 */
import type { Metrics } from '../metrics/types.js';
import { format7 } from './table.js';

export function metricRows(m: Metrics): { name: string; value: string }[] {
  const of = (hits: number) => `${format7(hits / m.count)} (${hits} of ${m.count})`;
  const rows = [{ name: 'accuracy', value: of(m.state.hits) }];
  for (const [k, hits] of Object.entries(m.state.topkHits)) rows.push({ name: `top-${k} accuracy`, value: of(hits) });
  rows.push({ name: 'perplexity', value: m.perplexity === null ? `skipped: ${m.notes.perplexity}` : format7(m.perplexity) });
  rows.push({ name: `ECE (${m.state.calibration.bins} bins)`, value: format7(m.ece) });
  rows.push({ name: 'MCE', value: format7(m.mce) });
  rows.push({ name: 'Brier score', value: format7(m.brier) });
  rows.push({ name: 'entropy (nats)', value: format7(m.entropy) });
  return rows;
}

/** The metrics section of the terminal output. */
export function renderMetrics(m: Metrics, unit: string, bold: (s: string) => string): string[] {
  const rows = metricRows(m);
  const width = Math.max(...rows.map((r) => r.name.length));
  return ['', bold(`metrics (${m.count} ${unit})`), ...rows.map((r) => `  ${r.name.padEnd(width)}  ${r.value}`)];
}

/** What a sample is called: an element for the binary losses. */
export const unitOf = (mode: string) => (mode === 'bce-logits' || mode === 'binary-cross-entropy' ? 'elements' : 'samples');
