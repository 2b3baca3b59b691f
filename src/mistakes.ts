/**
 * The usual mistakes with a loss's input, caught as the kernels read it (warnings.ts hands
 * each new block here) and told with the fix:
 *   cross-entropy on softmax output    every value in [0, 1], every row sums to 1
 *   bce-logits on sigmoid output       every value in [0, 1]
 *   nll on what are not log-probs      a value > 0, or a row whose exp does not sum to 1
 * A "row" is the C values of one target position along the class dim. The per-element work
 * is the min and max the scan keeps anyway; rows are looked at only while the data can still
 * be probabilities (values in [0, 1]) or log-probabilities (values <= 0), which ordinary
 * logits stop at their first block. Every decision needs positive evidence: NaN never makes
 * a warning.
 */
import type { PredictionKind } from './breakdown.js';
import type { Mode } from './options.js';
import { formatIndex, type DType, type FloatArray } from './tensor.js';

/**
 * Log-probability rows cost an exp per value, which nll itself never pays: the first
 * SAMPLED rows and every SAMPLED-th after are checked, by their index in the whole input,
 * so that any split across threads checks the same rows.
 */
const SAMPLED = 64;

/** A row sum this close to 1 is 1, and a log-probability this far above 0 is still <= 0: dumps written with few digits. */
const FEW_DIGITS = 1e-3;

/** What the rows of an input showed; parts of an input (threads) combine with combineRows. */
export interface RowFindings {
  /** Every row looked at so far sums to 1, with every value in [0, 1]. */
  probabilities: boolean;
  /** The first sampled row (its index along the input without the class dim) whose exp does not sum to 1; -1 if none. */
  badRow: number;
  /** That row's Σ exp. */
  badRowSum: number;
}

/** How far a row's sum may be from 1 for values stored in `dtype`, as probabilities and as log-probabilities. */
function tolerances(dtype: DType, classes: number): { probabilities: number; logProbabilities: number } {
  // unit roundoff of the stored values
  const u = dtype === 'float16' ? 2 ** -11 : dtype === 'bfloat16' ? 2 ** -8 : dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  // Σ p_c (1 + δ_c) is off by at most u; Σ exp(lp_c (1 + δ_c)) by about Σ p_c |lp_c| u <= u ln C
  return { probabilities: Math.max(FEW_DIGITS, 4 * u), logProbabilities: Math.max(FEW_DIGITS, 4 * u * (1 + Math.log(classes))) };
}

/**
 * The row checks of one input of shape (N, C, d1, ...) or (C), fed block by block. `rowOffset`
 * is the batch row the input starts at within the whole input (a thread's part).
 */
export class RowChecks implements RowFindings {
  probabilities = true;
  badRow = -1;
  badRowSum = 0;
  private readonly classes: number;
  private readonly inner: number;
  private readonly tol: { probabilities: number; logProbabilities: number };

  constructor(
    shape: readonly number[],
    dtype: DType,
    private readonly rowOffset = 0,
  ) {
    // a scalar has no rows; (C) is one row
    this.classes = shape.length === 0 ? 0 : shape.length === 1 ? shape[0] : shape[1];
    this.inner = shape.slice(2).reduce((a, b) => a * b, 1);
    this.tol = tolerances(dtype, this.classes);
  }

  /**
   * Values x[start..] are new, at flat index from + start on; `lo` and `hi` are their min and
   * max (NaN aside). Only whole batch rows inside them are looked at.
   */
  block(x: FloatArray, from: number, start: number, lo: number, hi: number): void {
    const C = this.classes;
    const inner = this.inner;
    const unit = C * inner;
    if (unit === 0) return;
    // a row cut by the block's ends is not looked at, so nothing can be said for it
    const partial = (from + start) % unit !== 0 || (from + x.length) % unit !== 0;
    if (lo < 0 || hi > 1 || partial) this.probabilities = false;
    const logProbabilities = this.badRow < 0 && hi <= this.tol.logProbabilities;
    if (!this.probabilities && !logProbabilities) return;
    const first = Math.ceil((from + start) / unit);
    const end = Math.floor((from + x.length) / unit);
    for (let n = first; n < end; n++) {
      for (let s = 0; s < inner; s++) {
        const base = n * unit + s - from;
        const row = (n + this.rowOffset) * inner + s;
        if (this.probabilities) this.probabilityRow(x, base);
        if (logProbabilities && this.badRow < 0 && (row < SAMPLED || row % SAMPLED === 0)) this.logProbabilityRow(x, base, row);
      }
    }
  }

  private probabilityRow(x: FloatArray, base: number): void {
    let sum = 0;
    for (let c = 0, i = base; c < this.classes; c++, i += this.inner) sum += x[i];
    if (!(Math.abs(sum - 1) <= this.tol.probabilities)) this.probabilities = false;
  }

  private logProbabilityRow(x: FloatArray, base: number, row: number): void {
    let sum = 0;
    for (let c = 0, i = base; c < this.classes; c++, i += this.inner) sum += Math.exp(x[i]);
    if (Math.abs(sum - 1) > this.tol.logProbabilities) [this.badRow, this.badRowSum] = [row, sum];
  }

  /** The findings as plain data (to post from a thread). */
  findings(): RowFindings {
    return { probabilities: this.probabilities, badRow: this.badRow, badRowSum: this.badRowSum };
  }
}

/** Parts of one input in order (threads), as one: each part's rows count from the whole input's start. */
export function combineRows(parts: RowFindings[]): RowFindings {
  const bad = parts.find((p) => p.badRow >= 0);
  return { probabilities: parts.every((p) => p.probabilities), badRow: bad?.badRow ?? -1, badRowSum: bad?.badRowSum ?? 0 };
}

/** What the scan saw of the predictions: their min and max (NaN aside), and their rows if they were looked at. */
export interface PredictionStats {
  min: number;
  max: number;
  rows?: RowFindings;
}

/**
 * The warnings for a run of `mode` whose predictions are read as `kind`, over predictions of
 * `shape` (the shape without the class dim indexes the rows).
 */
export function mistakeWarnings(mode: Mode, kind: PredictionKind, stats: PredictionStats, shape: readonly number[]): string[] {
  const { min, max, rows } = stats;
  const seen = min <= max;
  const unit = min >= 0 && max <= 1;
  if (mode === 'cross-entropy' && kind === 'logits' && seen && unit && rows?.probabilities && shape.length > 0 && classesOf(shape) >= 2) {
    return ['logits look like softmax output (every value in [0, 1], every row sums to 1); cross_entropy applies softmax again: pass --input probs'];
  }
  // all zeros (or all ones) are logits as likely as probabilities: only values inside (0, 1) tell
  if (kind === 'binary' && unit && min < max) {
    return ['logits look like sigmoid output (every value in [0, 1]); bce-logits applies sigmoid again: use binary-cross-entropy'];
  }
  if (kind === 'log-probabilities' && seen) {
    const why =
      max > FEW_DIGITS
        ? `the largest value is ${max}, above 0`
        : rows && rows.badRow >= 0
          ? `the exp of row ${formatIndex(rows.badRow, withoutClassDim(shape))} sums to ${rows.badRowSum}, not 1`
          : undefined;
    if (why) return [`logits are not log-probabilities (${why}); nll expects log-probabilities: add --log-softmax`];
  }
  return [];
}

function classesOf(shape: readonly number[]): number {
  return shape.length === 1 ? shape[0] : shape[1];
}

function withoutClassDim(shape: readonly number[]): number[] {
  return shape.length <= 1 ? [] : [shape[0], ...shape.slice(2)];
}
