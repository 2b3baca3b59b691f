/**
 * Results computed apart (one run per shard, or per thread) combined into the loss of the
 * union, as one run would reduce it: sum = Σ sums, mean = Σ sums / Σ weight sums, none = the
 * parts' unreduced losses one after another (along the batch dim). Parts that carry their
 * per-element weights (threads) are summed again element by element, giving one run's bits.
 * A --json result carries its unreduced losses only for reduction none, --per-sample and
 * --top: mean and sum need only the sums, and the merged result has the losses when every
 * part had them.
 */
import { InputError } from './errors.js';
import { CompensatedSum, reduced, type LossResult, type Reduction } from './losses/reduce.js';

/** The fields of a `--json` result that merging needs. */
export interface PartialResult {
  mode: string;
  reduction: Reduction;
  sum: number;
  weightSum: number;
  count: number;
  /** The unreduced losses: always for reduction none; a --json result of mean or sum may lack them. */
  perSample?: Float64Array;
  /** Each element's weight in the mean (threads have it; --json results do not). */
  perWeight?: Float64Array;
  /** The unreduced loss shape of this part. */
  shape: number[];
  /** Where it came from, for errors. */
  source: string;
}

/** A merged result; perSample only when every part had it. */
export type MergedResult = Omit<LossResult, 'perSample'> & { mode: string; perSample?: Float64Array };

export function mergeResults(parts: (PartialResult & { perSample: Float64Array })[]): LossResult & { mode: string };
export function mergeResults(parts: PartialResult[]): MergedResult;
export function mergeResults(parts: PartialResult[]): MergedResult {
  if (parts.length === 0) throw new InputError('merge needs at least one result');
  const [first] = parts;
  const sum = new CompensatedSum();
  const weightSum = new CompensatedSum();
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
    if (first.reduction === 'none' && !p.perSample) {
      throw new InputError('has no "perSample": reduction none merges the unreduced losses, so every part needs them', p.source);
    }
    count += p.count;
    rows += p.shape[0] ?? 1;
  }
  const perSample = parts.every((p) => p.perSample) ? concat(parts.map((p) => p.perSample!)) : undefined;
  const perWeight = perSample && parts.every((p) => p.perWeight) ? concat(parts.map((p) => p.perWeight!)) : undefined;
  if (perSample && perWeight) {
    // every element again, in one run's order: the same bits as one run
    for (let i = 0; i < perSample.length; i++) {
      sum.add(perSample[i]);
      weightSum.add(perWeight[i]);
    }
  } else {
    for (const p of parts) {
      sum.add(p.sum);
      weightSum.add(p.weightSum);
    }
  }
  // an unbatched part (shape ()) is one row
  const shape = [rows, ...first.shape.slice(1)];
  const reduction = first.reduction;
  // reduction none: every part has perSample (checked above)
  const loss = reduction === 'none' ? perSample! : reduced(reduction, new Float64Array(0), sum.value, weightSum.value);
  return { mode: first.mode, reduction, loss, perSample, perWeight, shape, sum: sum.value, weightSum: weightSum.value, count };
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
