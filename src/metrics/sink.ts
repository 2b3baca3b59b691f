/**
 * The metrics as samples pass (a SampleBlock at a time, breakdown/samples.ts): a count, hit
 * counts, the calibration bins and two compensated sums; O(bins + number of ks), whatever the
 * number of samples. Ignored targets are left out.
 *
 *   accuracy     top-1, micro: predicted (argmax, the first maximum, NaN first) = label; for
 *                probability targets the label is their argmax; binary: sigmoid(x) > 0.5 (p > 0.5)
 *                against t > 0.5, element by element
 *   top-k        the label's rank count <= k (ranks.ts)
 *   calibration  confidence = max_c p_c, accuracy = 1 when predicted = label; binary:
 *                confidence = p(positive), accuracy = the target (calibration.ts)
 *   brier        sum_c (p_c - q_c)^2, q the one-hot label or the probability targets; binary (p - t)^2
 *   entropy      -sum_c p_c log p_c in nats; binary -(p log p + (1 - p) log(1 - p))
 */
import type { SampleBlock } from '../breakdown/samples.js';
import { CompensatedSum } from '../losses/reduce.js';
import { Calibration } from './calibration.js';
import type { MetricsSettings, MetricsState } from './types.js';

export interface MetricsReading extends MetricsSettings {
  binary: boolean;
  /** A class index left out (ignore_index); undefined for probability targets and binary losses. */
  ignoreIndex?: number;
}

export class MetricsSink {
  private count = 0;
  private hits = 0;
  private readonly topkHits: number[];
  private readonly calibration: Calibration;
  private readonly brier = new CompensatedSum();
  private readonly entropy = new CompensatedSum();

  constructor(private readonly reading: MetricsReading) {
    this.topkHits = reading.topk.map(() => 0);
    this.calibration = new Calibration(reading.bins);
  }

  /** Every sample of a block read with metrics (ClassReading.metrics, or a binary one). */
  add(b: SampleBlock): void {
    const { binary, ignoreIndex, topk } = this.reading;
    const { label, predicted, rank, confidence, brier, entropy } = b;
    const { calibration, topkHits } = this;
    let count = 0;
    let hits = 0;
    for (let k = 0; k < b.count; k++) {
      const y = label[k];
      if (y === ignoreIndex) continue;
      count++;
      const correct = binary ? predicted[k] === (y > 0.5 ? 1 : 0) : predicted[k] === y;
      if (correct) hits++;
      for (let j = 0; j < topk.length; j++) if (rank[k] <= topk[j]) topkHits[j]++;
      calibration.add(confidence[k], binary ? y : correct ? 1 : 0);
      this.brier.add(brier[k]);
      this.entropy.add(entropy[k]);
    }
    this.count += count;
    this.hits += hits;
  }

  state(): MetricsState {
    return {
      hits: this.hits,
      topkHits: Object.fromEntries(this.reading.topk.map((k, j) => [String(k), this.topkHits[j]])),
      calibration: this.calibration.state(),
      brierSum: this.brier.value,
      entropySum: this.entropy.value,
    };
  }

  get samples(): number {
    return this.count;
  }
}
