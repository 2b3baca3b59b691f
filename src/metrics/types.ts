/**
 * The metrics beside the loss (--metrics), as --json writes them under "metrics" and merge reads
 * them back: the values, and the state they are computed from (counts and sums), which parts
 * computed apart add up to one run's state.
 */

/** What the metrics are asked for: the top-k accuracies and the calibration's bins. */
export interface MetricsSettings {
  /** --topk values, ascending, no repeats (empty for the binary losses, which have no classes). */
  topk: number[];
  /** --bins: equal-width calibration bins over [0, 1]. */
  bins: number;
}

export interface CalibrationState {
  bins: number;
  /**
   * bins + 1 entries each: bin i holds confidences in [edges[i], edges[i + 1]), and the last
   * one those of exactly 1.0 (torchmetrics' bucketize(right=True) - 1 over float32 edges).
   */
  edges: number[];
  count: number[];
  confidenceSum: number[];
  accuracySum: number[];
}

/** What merge needs to combine shards exactly: counts add exactly, sums add. */
export interface MetricsState {
  hits: number;
  /** Keyed by k, as text ("5"). */
  topkHits: Record<string, number>;
  calibration: CalibrationState;
  brierSum: number;
  entropySum: number;
}

/** The metrics of a run (or of merged runs). */
export interface Metrics {
  /** Contributing samples (ignored targets never count). */
  count: number;
  accuracy: number;
  topkAccuracy: Record<string, number>;
  /** null when skipped, with the reason in notes.perplexity. */
  perplexity: number | null;
  ece: number;
  mce: number;
  brier: number;
  entropy: number;
  /** Only the metrics skipped, each with why. */
  notes: Record<string, string>;
  state: MetricsState;
}

/** Perplexity, or why it is not given. */
export type Perplexity = { value: number } | { note: string };
