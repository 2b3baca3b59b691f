/**
 * What a --report page shows: plain data, gathered by the loss command from the run (the
 * sinks' summaries, never the samples) and rendered by page.ts without reading anything else.
 */
import type { Breakdown } from '../../breakdown.js';
import type { Check } from '../../checks.js';
import type { Metrics } from '../../metrics/types.js';

/** One input operand: its files (a spec per shard), their SHA-256 digests, and the array read. */
export interface ReportInput {
  role: string;
  files: string[];
  digests: string[];
  shape: number[];
  dtype: string;
}

/** The loss as the run reduced it; for reduction none, the sum and count of the values. */
export interface ReportLoss {
  reduction: string;
  /** The reduced loss; null for reduction none. */
  value: number | null;
  count: number;
  sum: number;
  /** The unreduced loss's shape. */
  shape: number[];
}

export interface ReportData {
  version: string;
  mode: string;
  inputs: ReportInput[];
  /** The settings the number depends on, and the run's other options, as name and value. */
  options: [string, string][];
  loss: ReportLoss;
  /** check mode: each way's loss (null: unreduced), and the ways skipped with why. */
  ways?: [string, number | null][];
  skipped?: [string, string][];
  /** check mode: why nothing was compared (the run then fails). */
  unchecked?: string;
  checks: Check[];
  ok: boolean;
  warnings: string[];
  /** bce modes: samples are elements, classes columns of the last dim, labels targets. */
  binary: boolean;
  breakdown?: Breakdown;
  metrics?: Metrics;
  /** Names of the classes by index, when known. */
  classNames?: string[];
}
