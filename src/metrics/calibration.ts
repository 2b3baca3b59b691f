/**
 * Calibration as torchmetrics computes it (functional/classification/calibration_error.py,
 * _binning_bucketize and _ce_compute): confidences go to bins by
 * bucketize(confidence, linspace(0, 1, bins + 1), right=True) - 1, so bin i holds
 * [edges[i], edges[i + 1]) and a confidence of exactly 1.0 has a bin of its own past the last
 * edge (bins + 1 in all). Per bin: a count, a confidence sum and an accuracy sum, kept as
 * compensated sums; from them
 *
 *   ECE = sum_i (count_i / N) * |accuracySum_i / count_i - confidenceSum_i / count_i|   (norm l1)
 *   MCE = max_i |accuracySum_i / count_i - confidenceSum_i / count_i|               (norm max)
 *
 * where a mean that is NaN reads 0 (torch.nan_to_num): an empty bin's (0/0), so it adds nothing
 * to either, and that of the last bin when a NaN confidence (a row with a NaN logit) went there.
 */
import { CompensatedSum } from '../losses/reduce.js';
import type { CalibrationState } from './types.js';

/** Most bins --bins takes: their edges are checked against torch.linspace's (fixtures/metrics.json). */
export const MAX_BINS = 1000;

/**
 * torch.linspace(0, 1, bins + 1) in float32 (torchmetrics makes the edges in the confidences'
 * dtype, which it casts to float32), value for value as PyTorch's CPU kernel rounds them
 * (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp, AVX2 build): step = 1f / bins; an
 * edge before the halfway point (steps / 2, steps = bins + 1) is start + step*i, one after it
 * end - step*(steps - 1 - i), each rounded once (a fused multiply-add; in float64 the product
 * and the sum are exact). The kernel writes 16 values a loop, two vectors of 8 whose first
 * lane is that formula at the vector's index and lane j is first + step*j (step*j rounded to
 * float32, then the sum); the last steps % 16 values take the formula one by one.
 */
export function binEdges(bins: number): number[] {
  const f = Math.fround;
  const steps = bins + 1;
  const step = f(1 / bins);
  const halfway = Math.floor(steps / 2);
  const one = (i: number) => (i < halfway ? f(step * i) : f(1 - step * (steps - 1 - i)));
  const edges: number[] = [];
  let i = 0;
  for (; i + 16 <= steps; i += 16) {
    for (const at of [i, i + 8]) {
      const first = one(at);
      for (let j = 0; j < 8; j++) edges.push(f(first + f(step * j)));
    }
  }
  for (; i < steps; i++) edges.push(one(i));
  return edges;
}

/**
 * torch.bucketize(v, edges, right=True) - 1: the number of edges <= v, less one. The edges are
 * i / bins rounded to float32, so floor(v * bins) is the bin or next to it, and the edges
 * themselves settle it. A NaN compares false with every edge, so as in PyTorch's binary search
 * (the first edge > v) it ends past the last edge: the last bin.
 */
export function binOf(v: number, edges: readonly number[]): number {
  const last = edges.length - 1;
  if (!(v >= 0)) return v !== v ? last : 0; // NaN last; below 0 (no confidence is) the first
  let i = Math.min(last, Math.floor(v * last));
  while (i > 0 && edges[i] > v) i--;
  while (i < last && edges[i + 1] <= v) i++;
  return i;
}

/** The bins as samples pass: O(bins). */
export class Calibration {
  readonly edges: number[];
  private readonly count: Float64Array;
  private readonly confidence: CompensatedSum[];
  private readonly accuracy: CompensatedSum[];

  constructor(readonly bins: number) {
    this.edges = binEdges(bins);
    this.count = new Float64Array(bins + 1);
    this.confidence = this.edges.map(() => new CompensatedSum());
    this.accuracy = this.edges.map(() => new CompensatedSum());
  }

  /** A sample of this confidence, and its accuracy (1 correct, 0 not; binary: the target). */
  add(confidence: number, accuracy: number): void {
    const i = binOf(confidence, this.edges);
    this.count[i]++;
    this.confidence[i].add(confidence);
    this.accuracy[i].add(accuracy);
  }

  state(): CalibrationState {
    return {
      bins: this.bins,
      edges: this.edges,
      count: Array.from(this.count),
      confidenceSum: this.confidence.map((s) => s.value),
      accuracySum: this.accuracy.map((s) => s.value),
    };
  }
}

/** torch.nan_to_num of a bin's mean (never infinite: confidences and accuracies are in [0, 1]). */
const nanToNum = (v: number) => (v !== v ? 0 : v);

/** ECE and MCE of a calibration state (see the top of this file); NaN with no samples. */
export function calibrationErrors(s: CalibrationState): { ece: number; mce: number } {
  const total = s.count.reduce((a, b) => a + b, 0);
  let ece = 0;
  let mce = 0;
  for (let i = 0; i < s.count.length; i++) {
    const n = s.count[i];
    const gap = Math.abs(nanToNum(s.accuracySum[i] / n) - nanToNum(s.confidenceSum[i] / n));
    ece += gap * (n / total);
    mce = Math.max(mce, gap);
  }
  return { ece: total === 0 ? NaN : ece, mce };
}
