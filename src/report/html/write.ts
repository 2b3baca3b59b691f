/**
 * --report: the page's data gathered from a finished run (its outcome, the breakdown's
 * summaries and what --json records), and the page written as --save-per-sample writes its
 * file: under a temporary name renamed at the end, never half of it (write-file.ts), or
 * through the process's own stream for /dev/stdout and /dev/stderr.
 */
import type { Breakdown } from '../../breakdown.js';
import { FLAG_MODES, type Options } from '../../options.js';
import type { Outcome } from '../../outcome.js';
import { STANDARD } from '../../save-formats.js';
import { SETTING_NAMES, type ResultSettings } from '../../settings.js';
import type { DType } from '../../tensor.js';
import type { Recorded } from '../json.js';
import { writeChunks, type Sink } from '../output.js';
import { writeFileSafely } from '../write-file.js';
import { renderReport } from './page.js';
import type { Metrics } from '../../metrics/types.js';
import type { ReportData } from './types.js';

/** Worst samples a report shows when --top does not say; most-confused pairs it draws. */
export const REPORT_TOP = 10;
export const CONFUSED_PAIRS = 15;

export interface ReportRun {
  opts: Options;
  outcome: Outcome;
  version: string;
  specs: { logits: readonly string[]; labels: readonly string[] };
  arrays: { logits: { shape: number[]; dtype: DType }; labels: { shape: number[]; dtype: DType } };
  recorded: Recorded;
  binary: boolean;
  breakdown?: Breakdown;
  /** --json's "metrics", when the run computed them: the metric rows and the reliability diagram. */
  metrics?: Metrics;
  classNames?: string[];
}

export function reportData(run: ReportRun): ReportData {
  const { opts, outcome: o, recorded } = run;
  const r = o.result;
  const data: ReportData = {
    version: run.version,
    mode: o.mode,
    inputs: (['logits', 'labels'] as const).map((role) => ({
      role,
      files: [...run.specs[role]],
      digests: recorded.inputs[role],
      shape: run.arrays[role].shape,
      dtype: run.arrays[role].dtype,
    })),
    options: options(opts, recorded.settings, run.arrays.logits.shape.length),
    loss: { reduction: r.reduction, value: typeof r.loss === 'number' ? r.loss : null, count: r.count, sum: r.sum, shape: r.shape },
    checks: o.checks,
    ok: o.ok,
    warnings: o.warnings,
    binary: run.binary,
    breakdown: run.breakdown,
    metrics: run.metrics,
    classNames: run.classNames,
  };
  if (o.mode === 'check') {
    data.ways = o.losses.map(([name, res]) => [name, typeof res.loss === 'number' ? res.loss : null]);
    data.skipped = o.skipped;
    data.unchecked = o.unchecked;
  }
  return data;
}

/** The flag of each setting recorded for every mode (for merge), whose modes FLAG_MODES says. */
const FLAG_OF: Partial<Record<keyof ResultSettings, string>> = {
  ignoreIndex: '--ignore-index',
  labelSmoothing: '--label-smoothing',
  logSoftmax: '--log-softmax',
  input: '--input',
};

/**
 * The settings the number depends on (by merge's names), those of the mode, then the flags
 * that judge it. The class dim is shown as PyTorch counts it (dim 1 of (N, C, H, W)), with the
 * count from the end that merge compares.
 */
function options(opts: Options, settings: ResultSettings, rank: number): [string, string][] {
  const rows: [string, string][] = [['reduction', opts.reduction]];
  for (const [key, value] of Object.entries(settings) as [keyof ResultSettings, ResultSettings[keyof ResultSettings]][]) {
    const flag = FLAG_OF[key];
    if (value === null || value === undefined || (flag !== undefined && !FLAG_MODES[flag].includes(opts.mode))) continue;
    if (key === 'classDim') rows.push([SETTING_NAMES[key], `${rank + (value as number)} (${value} from the end)`]);
    else rows.push([SETTING_NAMES[key], typeof value === 'object' ? `sha256 ${value.sha256.slice(0, 16)}\u2026, ${value.min} .. ${value.max}` : String(value)]);
  }
  if (opts.weight !== undefined) rows.push(['--weight', opts.weight]);
  if (opts.posWeight !== undefined) rows.push(['--pos-weight', opts.posWeight]);
  if (opts.expect !== undefined) rows.push(['--expect', String(opts.expect)]);
  if (opts.reference !== undefined) rows.push(['--reference', opts.reference]);
  rows.push(['rtol, atol', `${opts.tolerance.rtol}, ${opts.tolerance.atol}`]);
  return rows;
}

export async function writeReport(path: string, data: ReportData, standard: Record<'stdout' | 'stderr', Sink>): Promise<void> {
  const page = renderReport(data);
  const own = Object.hasOwn(STANDARD, path) ? standard[STANDARD[path]] : undefined;
  if (own === undefined) await writeFileSafely(path, [page]);
  else await writeChunks(own, [page]);
}
