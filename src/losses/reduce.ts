/**
 * The one reduction helper. Every loss adds each element's loss and its weight in the
 * denominator here; PyTorch's reductions are then
 *   none: the elements as they are (ignored positions hold 0),
 *   sum:  Σ l_i,
 *   mean: Σ l_i / Σ w_i   (w_i = class weight of the target, 1 without weights; ignored
 *                          targets add neither), and NaN when Σ w_i = 0.
 * The NaN is PyTorch's: its mean divides the nll term Σ w_i·(-log p_i) by Σ w_i on its own
 * (with label smoothing, the smoothing term separately), and when the weights that
 * contributed are all 0 (or nothing contributed) that term is 0/0, whatever the smoothing
 * term adds (LossNLL.cpp, cross_entropy_loss_label_smoothing). Only class weights of both
 * signs that cancel to exactly 0 differ: there PyTorch's nll_loss gives ±inf.
 * Sums are Neumaier-compensated, so a mean over millions of rows keeps float64 accuracy.
 */
export type Reduction = 'mean' | 'sum' | 'none';
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Neumaier's compensated sum: the rounding error of each addition is kept in `c`. */
export class CompensatedSum {
  private s = 0;
  private c = 0;

  add(x: number): void {
    const t = this.s + x;
    if (Number.isFinite(t)) {
      this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    }
    this.s = t;
  }

  get value(): number {
    return Number.isFinite(this.s) ? this.s + this.c : this.s;
  }
}

export interface LossResult {
  reduction: Reduction;
  /** mean or sum: the reduced loss; none: the unreduced losses (the same array as perSample). */
  loss: number | Float64Array;
  /** Unreduced losses, row-major in `shape`; 0 where a target was ignored. */
  perSample: Float64Array;
  /** PyTorch's output shape for reduction='none'. */
  shape: number[];
  /** Numerator and denominator of the mean: results computed apart combine as Σsum / ΣweightSum. */
  sum: number;
  weightSum: number;
  /** How many elements contributed (ignored targets do not). */
  count: number;
  /**
   * Each element's weight in the mean's denominator (0 where ignored): parts computed apart
   * (threads) are summed again in one run's order, so they give its result to the last bit.
   */
  perWeight?: Float64Array;
}

/** PyTorch's reduction of the unreduced losses, given their sum and the mean's denominator. */
export function reduced(reduction: Reduction, perSample: Float64Array, sum: number, weightSum: number): number | Float64Array {
  return reduction === 'none' ? perSample : reduction === 'sum' ? sum : weightSum === 0 ? NaN : sum / weightSum;
}

export class Reducer {
  readonly perSample: Float64Array;
  readonly perWeight: Float64Array;
  private readonly sum = new CompensatedSum();
  private readonly weightSum = new CompensatedSum();
  private count = 0;

  constructor(readonly shape: number[], size: number) {
    this.perSample = new Float64Array(size);
    this.perWeight = new Float64Array(size);
  }

  /** Element `pos` contributes `loss`, counting `weight` in the mean's denominator. */
  add(pos: number, loss: number, weight = 1): void {
    this.perSample[pos] = loss;
    this.perWeight[pos] = weight;
    this.sum.add(loss);
    this.weightSum.add(weight);
    this.count++;
  }

  finish(reduction: Reduction): LossResult {
    const sum = this.sum.value;
    const weightSum = this.weightSum.value;
    const { perSample, perWeight, shape, count } = this;
    return { reduction, loss: reduced(reduction, perSample, sum, weightSum), perSample, shape, sum, weightSum, count, perWeight };
  }
}
