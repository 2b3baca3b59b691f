/**
 * Results computed apart (one run per shard, or per thread) combined into the loss of the
 * union, as one run would reduce it: sum = Σ sums, mean = Σ sums / Σ weight sums, none = the
 * parts' unreduced losses one after another (along the batch dim), read from the parts in
 * turn, never copied into one array. Parts that carry their exact sums (threads, whose rows
 * split at the sums' chunk boundaries: reduce.ts) join them exactly, giving one run's bits.
 * A --json result carries its unreduced losses only for reduction none, --per-sample and
 * --top: mean and sum need only the sums, and the merged result has the losses when every
 * part had them.
 */
import { InputError } from './errors.js';
import { addCount } from './json-fields.js';
import { storedLosses } from './loss-store.js';
import { ExactSum } from './losses/exact-sum.js';
import { CompensatedSum, reduced, type LossResult, type NonFiniteLosses, type PerSample, type Reduction } from './losses/reduce.js';
import { numel } from './tensor.js';

/** The fields of a `--json` result that merging needs. */
export interface PartialResult {
  mode: string;
  reduction: Reduction;
  sum: number;
  weightSum: number;
  count: number;
  /** The unreduced losses: always for reduction none; a --json result of mean or sum may lack them. */
  perSample?: PerSample;
  /** The exact sums (threads have them; --json results do not). */
  exact?: LossResult['exact'];
  nonFinite?: NonFiniteLosses;
  /** The unreduced loss shape of this part. */
  shape: number[];
  /** Where it came from, for errors. */
  source: string;
}

/** A merged result; perSample only when every part had it. */
export type MergedResult = LossResult & { mode: string };

/**
 * The parts as one result. `losses`, when given, are the unreduced losses of all the parts in
 * order, kept elsewhere (the threads of a run write theirs into one file): the parts then need
 * none of their own.
 */
export function mergeResults(parts: PartialResult[], losses?: PerSample): MergedResult {
  if (parts.length === 0) throw new InputError('merge needs at least one result');
  const [first] = parts;
  let count = 0;
  let rows = 0;
  for (const p of parts) {
    if (p.mode !== first.mode || p.reduction !== first.reduction) {
      throw new InputError(
        `is ${p.mode} with reduction ${p.reduction}, but ${first.source} is ${first.mode} with reduction ${first.reduction}`,
        p.source,
      );
    }
    const rest = (s: number[]) => s.slice(1).join(',');
    if (rest(p.shape) !== rest(first.shape)) {
      throw new InputError(`loss shape (${p.shape.join(', ')}) does not continue (${first.shape.join(', ')}) along the batch dim`, p.source);
    }
    if (first.reduction === 'none' && !p.perSample && !losses) {
      throw new InputError('has no "perSample": reduction none merges the unreduced losses, so every part needs them', p.source);
    }
    // weightSum without class weights is the count (merge-parts.ts), so within it too
    count = addCount(count, p.count, 'count', p.source);
    rows = addCount(rows, p.shape[0] ?? 1, 'shape[0]', p.source);
  }
  // an unbatched part (shape ()) is one row
  const shape = [rows, ...first.shape.slice(1)];
  const perSample = losses ?? (parts.every((p) => p.perSample) ? storedLosses(parts.map((p) => ({ losses: p.perSample! })), shape) : undefined);
  const [sum, weightSum] = joinedSums(parts);
  const reduction = first.reduction;
  // reduction none: every part has perSample (checked above)
  const loss = reduction === 'none' ? perSample! : reduced(reduction, sum, weightSum);
  const nonFinite = joinedNonFinite(parts);
  return { mode: first.mode, reduction, loss, ...(perSample && { perSample }), shape, sum, weightSum, count, ...(nonFinite && { nonFinite }) };
}

/** Σ sum and Σ weightSum: exactly when every part has its exact sums, else compensated sums of the rounded ones. */
function joinedSums(parts: PartialResult[]): [number, number] {
  if (parts.every((p) => p.exact)) {
    const [sum, weightSum] = [new ExactSum(), new ExactSum()];
    for (const p of parts) {
      sum.addState(p.exact!.sum);
      weightSum.addState(p.exact!.weightSum);
    }
    return [sum.value, weightSum.value];
  }
  const [sum, weightSum] = [new CompensatedSum(), new CompensatedSum()];
  for (const p of parts) {
    sum.add(p.sum);
    weightSum.add(p.weightSum);
  }
  return [sum.value, weightSum.value];
}

/** The parts' non-finite losses as one: counts add, the earliest (in the joined order) is first. */
function joinedNonFinite(parts: PartialResult[]): NonFiniteLosses | undefined {
  if (!parts.every((p) => p.nonFinite)) return undefined;
  const out: NonFiniteLosses = { count: 0, first: -1, firstValue: 0 };
  let offset = 0;
  for (const p of parts) {
    const n = p.nonFinite!;
    if (n.count > 0 && out.count === 0) [out.first, out.firstValue] = [offset + n.first, n.firstValue];
    out.count += n.count;
    offset += numel(p.shape);
  }
  return out;
}
