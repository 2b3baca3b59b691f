/**
 * Results computed apart (one run per shard) combined into the loss of the union, exactly as
 * one run would reduce it: sum = Σ sums, mean = Σ sums / Σ weight sums, none = the shards'
 * unreduced losses one after another (along the batch dim).
 */
import { InputError } from './errors.js';
import { CompensatedSum, type LossResult, type Reduction } from './losses/reduce.js';

/** The fields of a `--json` result that merging needs. */
export interface PartialResult {
  mode: string;
  reduction: Reduction;
  sum: number;
  weightSum: number;
  count: number;
  perSample: Float64Array;
  /** The unreduced loss shape of this part. */
  shape: number[];
  /** Where it came from, for errors. */
  source: string;
}

export function mergeResults(parts: PartialResult[]): LossResult & { mode: string } {
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
    sum.add(p.sum);
    weightSum.add(p.weightSum);
    count += p.count;
    rows += p.shape[0] ?? 1;
  }
  const perSample = new Float64Array(parts.reduce((n, p) => n + p.perSample.length, 0));
  let offset = 0;
  for (const p of parts) {
    perSample.set(p.perSample, offset);
    offset += p.perSample.length;
  }
  const shape = first.shape.length === 0 ? [parts.length] : [rows, ...first.shape.slice(1)];
  const reduction = first.reduction;
  const loss = reduction === 'none' ? perSample : reduction === 'sum' ? sum.value : sum.value / weightSum.value;
  return { mode: first.mode, reduction, loss, perSample, shape, sum: sum.value, weightSum: weightSum.value, count };
}
