/**
 * What one run of a loss mode found: the loss, check mode's ways, the checks and the warnings.
 * Made by evaluate.ts, read by the reports: it lives at the bottom so that the reports need
 * nothing of the arithmetic's modules.
 */
import type { Check } from './checks.js';
import type { LossResult } from './losses/reduce.js';
import type { Mode } from './modes.js';

export interface Outcome {
  mode: Mode;
  result: LossResult;
  /** check mode: every way computed (the first is `result`) and the ones skipped. */
  losses: [string, LossResult][];
  skipped: [string, string][];
  checks: Check[];
  /** check mode: why the ways were not compared (then the check fails). */
  unchecked?: string;
  ok: boolean;
  warnings: string[];
}
