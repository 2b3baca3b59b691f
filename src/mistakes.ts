/**
 * The usual mistakes with a loss's predictions, caught as the kernels read them and told
 * with the fix:
 *   cross-entropy on softmax output    every value in [0, 1], every row sums to 1
 *   bce-logits on sigmoid output       every value in [0, 1] (some strictly inside)
 *   nll on what are not log-probs      a value > 0, or a row whose exp does not sum to 1
 * A "row" is the C values of one target position along the class dim.
 *
 * Cost: the non-finite scan (warnings.ts) hands each block here while it is in the cache.
 * Values are looked at one by one only while every value so far was in [0, 1], which
 * ordinary logits and log-probabilities end at their first value below 0; rows are summed
 * only while that lasts. Log-probability rows cost an exp per value, which nll itself never
 * pays, so they are sampled (see sampled()). Every warning needs positive evidence: NaN
 * never makes one.
 */
import type { PredictionKind } from './breakdown.js';
import type { Mode } from './modes.js';
import { classLayout, formatIndex, numel, type DType, type FloatArray } from './tensor.js';

/**
 * The log-probability rows looked at: every row in the input's first FIRST_VALUES values
 * (all of a small input), then every EVERY-th row, by their index in the whole input, so
 * that any split across threads looks at the same rows.
 */
const FIRST_VALUES = 1 << 16;
const EVERY = 1024;

/** A row sum this close to 1 is 1, and a log-probability this little above 0 is 0: dumps written with few digits. */
const FEW_DIGITS = 1e-3;

/**
 * A row of log-probabilities computed in bfloat16 and saved as float32 sums its exp to 1
 * within about H · 2^-8 (H the row's entropy, up to ln C): 1.00126 seen for C = 1000. Logits
 * passed by mistake miss 1 by far more (or have values above 0), so the exp test allows 1%.
 */
const LOW_PRECISION = 1e-2;

/** What the values of an input showed; parts of an input (threads) combine with combineFindings. */
export interface Findings {
  /** Every value is in [0, 1] (no NaN). */
  unit: boolean;
  /** Some value is strictly inside (0, 1). */
  inside: boolean;
  /** Every row looked at sums to 1 (meaningful while `unit`). */
  probabilities: boolean;
  /** Flat index in the whole input of the first value above 0 (beyond FEW_DIGITS) in a sampled row, -1 if none; and the value. */
  positive: number;
  positiveValue: number;
  /** Index (along the shape without the class dim) of the first sampled row whose exp does not sum to 1, -1 if none; and its Σ exp. */
  badRow: number;
  badRowSum: number;
}

/** How far a row's sum may be from 1 for values stored in `dtype`, as probabilities and as log-probabilities. */
function tolerances(dtype: DType, classes: number): { probabilities: number; logProbabilities: number } {
  // unit roundoff of the stored values
  const u = dtype === 'float16' ? 2 ** -11 : dtype === 'bfloat16' ? 2 ** -8 : dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  // Σ p_c (1 + δ_c) is off by at most u; Σ exp(lp_c (1 + δ_c)) by about Σ p_c |lp_c| u <= u ln C
  return { probabilities: Math.max(FEW_DIGITS, 4 * u), logProbabilities: Math.max(LOW_PRECISION, 4 * u * (1 + Math.log(classes))) };
}

/**
 * The watch over the predictions of shape (N, C, d1, ...) or (C) (warnings.ts calls it).
 * `rowOffset` is the batch row the input starts at in the whole input (a thread's part).
 */
export class PredictionWatch implements Findings {
  unit = true;
  inside = false;
  probabilities = true;
  positive = -1;
  positiveValue = 0;
  badRow = -1;
  badRowSum = 0;
  private readonly classes: number;
  private readonly inner: number;
  private readonly offset: number;
  private readonly tol: { probabilities: number; logProbabilities: number };

  constructor(shape: readonly number[], dtype: DType, rowOffset = 0, classDim?: number) {
    // a scalar has no rows; (C) is one row; rows run along the class dim (--class-dim)
    const layout = rowsOf(shape, classDim);
    this.classes = layout.classes;
    this.inner = layout.inner;
    this.offset = rowOffset * numel(shape.slice(1));
    this.tol = tolerances(dtype, this.classes);
  }

  /** Values x[start..] are new, at flat index from + start on. */
  block(x: FloatArray, from: number, start: number): void {
    if (this.unit) this.unitValues(x, start);
    const C = this.classes;
    const inner = this.inner;
    const unit = C * inner;
    if (unit === 0) return;
    // a row cut by the block's ends is not looked at, so nothing can be said for it
    if ((from + start) % unit !== 0 || (from + x.length) % unit !== 0) this.probabilities = false;
    const sums = this.unit && this.probabilities;
    const logs = this.positive < 0 && this.badRow < 0;
    if (!sums && !logs) return;
    const rowOffset = this.offset / unit;
    // once a row settled both questions (logits: a value above 0 and one outside [0, 1]), the rest is not walked
    const looking = () => (sums && this.probabilities) || (logs && this.positive < 0 && this.badRow < 0);
    for (let n = Math.ceil((from + start) / unit), end = Math.floor((from + x.length) / unit); n < end; n++) {
      for (let s = 0; s < inner; s++) {
        if (!looking()) return;
        const base = n * unit + s - from;
        const row = (n + rowOffset) * inner + s;
        if (sums && this.probabilities) this.probabilityRow(x, base);
        if (logs && this.positive < 0 && this.badRow < 0 && this.sampled(row)) this.logProbabilityRow(x, base, from, row);
      }
    }
  }

  /** Whether every value is in [0, 1], and some strictly inside; stops at the first outside. */
  private unitValues(x: FloatArray, start: number): void {
    for (let i = start; i < x.length; i++) {
      const v = x[i];
      if (!(v >= 0 && v <= 1)) {
        this.unit = false;
        return;
      }
      if (v > 0 && v < 1) this.inside = true;
    }
  }

  private sampled(row: number): boolean {
    return row * this.classes < FIRST_VALUES || row % EVERY === 0;
  }

  private probabilityRow(x: FloatArray, base: number): void {
    let sum = 0;
    for (let c = 0, i = base; c < this.classes; c++, i += this.inner) sum += x[i];
    if (!(Math.abs(sum - 1) <= this.tol.probabilities)) this.probabilities = false;
  }

  /** A sampled row: a value above 0, or a sum of exp that is not 1, rules log-probabilities out. */
  private logProbabilityRow(x: FloatArray, base: number, from: number, row: number): void {
    let sum = 0;
    for (let c = 0, i = base; c < this.classes; c++, i += this.inner) {
      if (x[i] > FEW_DIGITS) {
        [this.positive, this.positiveValue] = [this.offset + from + i, x[i]];
        return;
      }
      sum += Math.exp(x[i]);
    }
    if (Math.abs(sum - 1) > this.tol.logProbabilities) [this.badRow, this.badRowSum] = [row, sum];
  }

  /** The findings as plain data (to post from a thread). */
  findings(): Findings {
    const { unit, inside, probabilities, positive, positiveValue, badRow, badRowSum } = this;
    return { unit, inside, probabilities, positive, positiveValue, badRow, badRowSum };
  }
}

/**
 * Parts of one input in order (threads), as one; their indices already count from the whole
 * input's start. One watch stops looking at rows at the first that is not log-probabilities
 * (a value above 0 or a bad sum), so the first part with either decides both.
 */
export function combineFindings(parts: Findings[]): Findings {
  const first = parts.find((p) => p.positive >= 0 || p.badRow >= 0);
  // one watch stops looking for a value inside (0, 1) at the first outside [0, 1]
  const outside = parts.findIndex((p) => !p.unit);
  return {
    unit: outside < 0,
    inside: parts.slice(0, outside < 0 ? parts.length : outside + 1).some((p) => p.inside),
    probabilities: parts.every((p) => p.probabilities),
    positive: first?.positive ?? -1,
    positiveValue: first?.positiveValue ?? 0,
    badRow: first?.badRow ?? -1,
    badRowSum: first?.badRowSum ?? 0,
  };
}

/**
 * The warnings for a run of `mode` whose predictions, of `shape`, are read as `kind`; none
 * when the predictions were not watched.
 */
export function mistakeWarnings(
  mode: Mode,
  kind: PredictionKind,
  seen: Findings | undefined,
  shape: readonly number[],
  classDim?: number,
): string[] {
  if (!seen || numel(shape) === 0) return [];
  const { classes, outShape } = rowsOf(shape, classDim);
  if (mode === 'cross-entropy' && kind === 'logits' && seen.unit && seen.probabilities && classes >= 2) {
    return ['logits look like softmax output (every value in [0, 1], every row sums to 1); cross_entropy applies softmax again: pass --input probs'];
  }
  // all zeros (or ones) are logits as likely as probabilities: only values inside (0, 1) tell
  if (kind === 'binary' && seen.unit && seen.inside) {
    return ['logits look like sigmoid output (every value in [0, 1]); bce-logits applies sigmoid again: use binary-cross-entropy'];
  }
  // softmax output given to nll: --log-softmax would take log_softmax of probabilities, not their log
  if (mode === 'nll' && kind === 'log-probabilities' && seen.unit && seen.probabilities && classes >= 2) {
    return ['logits look like softmax output (every value in [0, 1], every row sums to 1); nll expects log-probabilities: give their log (torch.log), or run ce --input probs'];
  }
  if (kind === 'log-probabilities') {
    const why =
      seen.positive >= 0
        ? `${seen.positiveValue} at index ${formatIndex(seen.positive, shape)} is above 0`
        : seen.badRow >= 0
          ? `the exp of row ${formatIndex(seen.badRow, outShape)} sums to ${seen.badRowSum}, not 1`
          : undefined;
    if (why && mode === 'nll') return [`logits are not log-probabilities (${why}); nll expects log-probabilities: add --log-softmax`];
    if (why) return [`the predictions are not log-probabilities (${why}); --input log-probs takes them as they are: for logits, leave --input out`];
  }
  return [];
}

/** The rows the checks run along: the class dim's size, the values after it, the shape without it. */
function rowsOf(shape: readonly number[], classDim: number | undefined): { classes: number; inner: number; outShape: number[] } {
  if (shape.length === 0) return { classes: 0, inner: 1, outShape: [] };
  return classLayout(shape, classDim);
}
