/**
 * "metrics" of a --json result as merge reads it back: each field checked for its type, then
 * against itself (the bins' counts add up to the count, hits are at most the count, the edges
 * are the ones of that many bins), so that an edited part is refused naming its field rather
 * than changing the merged metrics.
 */
import { InputError } from '../errors.js';
import { isCount, isNumber, isObject, toNumber, type Field } from '../json-fields.js';
import { binEdges, MAX_BINS } from './calibration.js';
import type { MetricsState } from './types.js';

/** What merge needs of a part's metrics: the state, the count, and whether perplexity was skipped (and why). */
export interface PartMetrics {
  count: number;
  state: MetricsState;
  /** The reason perplexity was skipped, if it was. */
  skipped?: string;
}


export function parseMetrics(v: unknown, source: string): PartMetrics {
  const fail = (field: string, what: string) => new InputError(`field "metrics.${field}" ${what}`, source);
  const need = (from: unknown, path: string, ok: (x: unknown) => boolean, what: string): unknown => {
    const x = path.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), from);
    if (x === undefined) throw fail(path, 'is missing');
    if (!ok(x)) throw fail(path, `is ${JSON.stringify(x)?.slice(0, 40)}, not ${what}`);
    return x;
  };
  if (!isObject(v)) throw new InputError(`field "metrics" is not an object`, source);
  const count = need(v, 'count', isCount, 'a whole number >= 0') as number;
  const bins = need(v, 'state.calibration.bins', (x) => isCount(x) && x >= 1 && x <= MAX_BINS, `a whole number from 1 to ${MAX_BINS}`) as number;
  const array = (name: string, ok: (x: unknown) => boolean, what: string) =>
    (need(v, `state.calibration.${name}`, (x) => Array.isArray(x) && x.length === bins + 1 && x.every(ok), `${bins + 1} ${what} (bins + 1)`) as unknown[]);
  const edges = array('edges', isNumber, 'numbers').map(toNumber);
  const binCount = array('count', isCount, 'whole numbers >= 0') as number[];
  const confidenceSum = array('confidenceSum', isNumber, 'numbers').map(toNumber);
  const accuracySum = array('accuracySum', isNumber, 'numbers').map(toNumber);
  const hits = need(v, 'state.hits', isCount, 'a whole number >= 0') as number;
  const topkHits = need(v, 'state.topkHits', (x) => isObject(x) && Object.entries(x).every(([k, n]) => /^[1-9][0-9]*$/.test(k) && isCount(n)), 'an object of whole numbers keyed by k') as Record<string, number>;
  const brierSum = toNumber(need(v, 'state.brierSum', isNumber, 'a number'));
  const entropySum = toNumber(need(v, 'state.entropySum', isNumber, 'a number'));
  const perplexity = need(v, 'perplexity', (x) => x === null || isNumber(x), 'a number or null');
  const notes = need(v, 'notes', isObject, 'an object') as Field;
  const skipped = perplexity === null ? (need(notes, 'perplexity', (x) => typeof x === 'string', 'a string') as string) : undefined;

  const expected = binEdges(bins);
  const off = edges.findIndex((e, i) => e !== expected[i]);
  if (off >= 0) throw fail(`state.calibration.edges[${off}]`, `is ${edges[off]}, but the edge of ${bins} bins is ${expected[off]}`);
  const inBins = binCount.reduce((a, b) => a + b, 0);
  if (inBins !== count) throw fail('state.calibration.count', `adds up to ${inBins}, but the count is ${count}`);
  if (hits > count) throw fail('state.hits', `is ${hits}, more than the count, ${count}`);
  for (const [k, n] of Object.entries(topkHits)) if (n > count) throw fail(`state.topkHits.${k}`, `is ${n}, more than the count, ${count}`);
  const state: MetricsState = { hits, topkHits, calibration: { bins, edges, count: binCount, confidenceSum, accuracySum }, brierSum, entropySum };
  return { count, state, ...(skipped !== undefined && { skipped }) };
}
