/**
 * "metrics" of a --json result as merge reads it back: each field checked for its type, then
 * against itself and against what one run can produce, so that an edited part is refused
 * naming its field rather than changing the merged metrics:
 *
 *   count, hits, bins' counts  whole numbers from 0 to 2^53 - 1; the bins' counts add up to
 *                      the count, the hits are at most the count
 *   topkHits           at most the count, never fewer for a larger k (a hit at k is one at
 *                      every larger k); not tied to hits: a label tied with others for the top
 *                      score is a hit of argmax's accuracy (the first maximum) but a miss of top-1;
 *                      k at most the classes (a run refuses --topk > C), and top-C hits every sample
 *   edges              those of that many bins
 *   confidenceSum[i]   between 0 and count[i] (confidences are in [0, 1]); NaN only in the last
 *                      bin, where a NaN confidence (a row with a NaN logit) goes, and only if it
 *                      holds a sample
 *   accuracySum[i]     classes: whole numbers between 0 and count[i] that add up to the hits
 *                      (each sample is 1 or 0); binary: the targets' sum, which a target outside
 *                      [0, 1] (a warning, not an error) or a NaN one takes anywhere, so unchecked
 *   brierSum           NaN (a NaN or infinite logit) or >= 0; class indices: at most 2 a sample
 *   entropySum         NaN (as brierSum) or finite and >= 0 (less rounding)
 *
 * The bounds on confidences, Brier sums and entropies hold only where losscalc makes the
 * probabilities itself (softmax or sigmoid of logits). Predictions taken as given (nll without
 * --log-softmax, --input probs or log-probs, binary-cross-entropy's p) need not be
 * probabilities (a warning, not an error): their confidences, Brier and entropy sums are
 * whatever the values make of them, so only their NaNs' bin and a Brier sum's sign are checked.
 */
import { InputError } from '../errors.js';
import { COUNT, isCount, isNumber, isObject, toNumber, type Field } from '../json-fields.js';
import { binEdges, MAX_BINS } from './calibration.js';
import type { MetricsState } from './types.js';

/** What merge needs of a part's metrics: the state, the count, and whether perplexity was skipped (and why). */
export interface PartMetrics {
  count: number;
  state: MetricsState;
  /** The reason perplexity was skipped, if it was. */
  skipped?: string;
}


/**
 * What the part's loss and settings say of its metrics: binary (bce-logits,
 * binary-cross-entropy), class indices as labels, predictions taken as given (not made
 * probabilities by losscalc), and the classes (null: binary, or not recorded).
 */
export interface MetricsKind {
  binary: boolean;
  indexTargets: boolean;
  given: boolean;
  classes: number | null;
}

export function parseMetrics(v: unknown, source: string, kind: MetricsKind): PartMetrics {
  const fail = (field: string, what: string) => new InputError(`field "metrics.${field}" ${what}`, source);
  const need = (from: unknown, path: string, ok: (x: unknown) => boolean, what: string): unknown => {
    const x = path.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), from);
    if (x === undefined) throw fail(path, 'is missing');
    if (!ok(x)) throw fail(path, `is ${JSON.stringify(x)?.slice(0, 40)}, not ${what}`);
    return x;
  };
  if (!isObject(v)) throw new InputError(`field "metrics" is not an object`, source);
  const count = need(v, 'count', isCount, COUNT) as number;
  const bins = need(v, 'state.calibration.bins', (x) => isCount(x) && x >= 1 && x <= MAX_BINS, `a whole number from 1 to ${MAX_BINS}`) as number;
  const array = (name: string, ok: (x: unknown) => boolean, what: string) =>
    (need(v, `state.calibration.${name}`, (x) => Array.isArray(x) && x.length === bins + 1 && x.every(ok), `${bins + 1} ${what} (bins + 1)`) as unknown[]);
  const edges = array('edges', isNumber, 'numbers').map(toNumber);
  const binCount = array('count', isCount, 'whole numbers from 0 to 2^53 - 1') as number[];
  const confidenceSum = array('confidenceSum', isNumber, 'numbers').map(toNumber);
  const accuracySum = array('accuracySum', isNumber, 'numbers').map(toNumber);
  const hits = need(v, 'state.hits', isCount, COUNT) as number;
  const topkHits = need(v, 'state.topkHits', (x) => isObject(x) && Object.entries(x).every(([k, n]) => /^[1-9][0-9]*$/.test(k) && isCount(n)), 'an object of whole numbers keyed by k') as Record<string, number>;
  const brierSum = toNumber(need(v, 'state.brierSum', isNumber, 'a number'));
  const entropySum = toNumber(need(v, 'state.entropySum', isNumber, 'a number'));
  const perplexity = need(v, 'perplexity', (x) => x === null || isNumber(x), 'a number or null');
  const notes = need(v, 'notes', isObject, 'an object') as Field;
  const skipped = perplexity === null ? (need(notes, 'perplexity', (x) => typeof x === 'string', 'a string') as string) : undefined;

  const done = (): PartMetrics => {
    const state: MetricsState = { hits, topkHits, calibration: { bins, edges, count: binCount, confidenceSum, accuracySum }, brierSum, entropySum };
    return { count, state, ...(skipped !== undefined && { skipped }) };
  };
  const expected = binEdges(bins);
  const off = edges.findIndex((e, i) => e !== expected[i]);
  if (off >= 0) throw fail(`state.calibration.edges[${off}]`, `is ${edges[off]}, but the edge of ${bins} bins is ${expected[off]}`);
  const inBins = binCount.reduce((a, b) => a + b, 0);
  if (inBins !== count) throw fail('state.calibration.count', `adds up to ${inBins}, but the count is ${count}`);
  if (hits > count) throw fail('state.hits', `is ${hits}, more than the count, ${count}`);
  const ks = Object.entries(topkHits).sort(([a], [b]) => Number(a) - Number(b));
  ks.forEach(([k, n], j) => {
    if (n > count) throw fail(`state.topkHits.${k}`, `is ${n}, more than the count, ${count}`);
    const [k0, n0] = ks[j - 1] ?? ['', 0];
    if (n < n0) throw fail(`state.topkHits.${k}`, `is ${n}, fewer than state.topkHits.${k0}, ${n0}: a top-${k0} hit is a top-${k} hit`);
    const { classes } = kind;
    if (classes !== null && Number(k) > classes) throw fail(`state.topkHits.${k}`, `is for k = ${k}, but settings.classes is ${classes} and a run takes --topk up to the classes`);
    if (Number(k) === classes && n !== count) throw fail(`state.topkHits.${k}`, `is ${n}, but top-${k} of ${classes} classes hits every sample, ${count}`);
  });
  checkBins(binCount, confidenceSum, accuracySum, kind.binary ? undefined : hits, kind.given, fail);
  if (!(brierSum >= 0) && brierSum === brierSum) throw fail('state.brierSum', `is ${brierSum}, but a sum of squares is >= 0`);
  if (kind.given) return done();
  if (kind.indexTargets && brierSum > 2 * count * (1 + SLACK)) throw fail('state.brierSum', `is ${brierSum}, more than 2 a sample (${2 * count} for ${count})`);
  if (!(entropySum >= -count * SLACK && entropySum < Infinity) && entropySum === entropySum) throw fail('state.entropySum', `is ${entropySum}, but an entropy is finite and >= 0`);
  return done();
}

/** Relative rounding allowed on sums of terms that are each within bounds. */
const SLACK = 2 ** -40;

/**
 * The bins' sums against their counts (see the top of this file). `hits` for classes, where
 * each sample's accuracy is 1 or 0; undefined for binary, whose accuracy is the target.
 * `given`: confidences of predictions taken as given, in no range (NaN still only in the last bin).
 */
function checkBins(count: number[], confidenceSum: number[], accuracySum: number[], hits: number | undefined, given: boolean, fail: (field: string, what: string) => InputError): void {
  const last = count.length - 1;
  let accuracy = 0;
  for (let i = 0; i <= last; i++) {
    const [n, c, a] = [count[i], confidenceSum[i], accuracySum[i]];
    // a NaN confidence (a row with a NaN logit) goes to the last bin
    const nanAllowed = i === last && n > 0;
    const inRange = given ? c === c && (n > 0 || c === 0) : c >= 0 && c <= n * (1 + SLACK);
    if (!inRange && !(c !== c && nanAllowed)) {
      const nan = c !== c ? ' (NaN only in the last bin, holding a sample)' : '';
      const range = given ? `${n} confidences sum to a number (0 for none)` : `${n} confidences in [0, 1] sum to between 0 and ${n}`;
      throw fail(`state.calibration.confidenceSum[${i}]`, `is ${c}, but ${range}${nan}`);
    }
    if (hits === undefined) continue;
    if (!(Number.isInteger(a) && a >= 0 && a <= n)) throw fail(`state.calibration.accuracySum[${i}]`, `is ${a}, but ${n} samples, each right (1) or wrong (0), sum to a whole number between 0 and ${n}`);
    accuracy += a;
  }
  if (hits !== undefined && accuracy !== hits) throw fail('state.calibration.accuracySum', `adds up to ${accuracy}, but state.hits is ${hits}`);
}
