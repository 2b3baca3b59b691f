/**
 * The flags of what a loss run writes beside its result: --save-per-sample, --report, the
 * per-sample table's --classes and --class-names (and what --id-column needs), --metrics
 * (--topk, --bins) and --markdown. Part of options.ts's parsing, which calls each.
 */
import { resolve } from 'node:path';
import { UsageError } from './errors.js';
import { MAX_BINS } from './metrics/calibration.js';
import { count } from './option-values.js';
import type { Options, RawOptions, Source } from './options.js';
import { isSpecialFile, SAVE_EXTENSIONS, saveExtension } from './save-formats.js';

/** --metrics: the ks of --topk (undefined: 5 when there are more than 5 classes) and --bins. */
export interface MetricsOptions {
  topk?: number[];
  bins: number;
}

/**
 * --save-per-sample, repeatable: each file named with one of the formats' extensions (or a
 * FIFO or device, written as CSV), and none twice (by the same path; save-target.ts catches
 * two names of one file).
 */
export function saveFiles(paths: readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  for (const path of paths ?? []) {
    if (saveExtension(path) === undefined && !isSpecialFile(path)) {
      throw new UsageError(`--save-per-sample writes ${SAVE_EXTENSIONS.join(', ')}: name the file with one of them, got "${path}"`);
    }
    if (seen.has(resolve(path))) throw new UsageError(`--save-per-sample ${path} is given twice: name each file once`);
    seen.add(resolve(path));
  }
  return [...(paths ?? [])];
}

/** --report names an .html (or .htm) file, or a FIFO or device written as it is. */
export function reportFile(path: string | undefined): string | undefined {
  if (path !== undefined && !/\.html?$/i.test(path) && !isSpecialFile(path)) {
    throw new UsageError(`--report: the report is an HTML page: name the file .html, got "${path}"`);
  }
  return path;
}

/** --classes, --class-names, and what --id-column needs of the operands. */
export function perSampleOptions(raw: RawOptions, logits: Source[], labels: Source[]): Pick<Options, 'classes' | 'classNames'> {
  if (raw.idColumn !== undefined && logits.length > 1) throw new UsageError(`--id-column reads the ids from one CSV file, not ${logits.length} shards`);
  if (raw.idColumn !== undefined && raw.labelColumn === undefined && labels.length === 0) {
    throw new UsageError('--id-column needs the labels as a file of their own, or a --label-column in the same CSV');
  }
  return { classes: raw.classes === undefined ? DEFAULT_CLASS_ROWS : count('--classes', raw.classes), classNames: raw.classNames };
}

/** Rows of the per-class table without --classes. */
export const DEFAULT_CLASS_ROWS = 20;

/** --metrics, or --topk / --bins, which turn it on. */
export function metricsOptions(raw: RawOptions): MetricsOptions | undefined {
  if (!raw.metrics && raw.topk === undefined && raw.bins === undefined) return undefined;
  const bins = raw.bins === undefined ? 15 : count('--bins', raw.bins, MAX_BINS);
  // the number of classes is known once the logits are read (metrics/ranks.ts)
  return { topk: raw.topk?.map((k) => count('--topk', k, Number.MAX_SAFE_INTEGER, 'the number of classes')), bins };
}

/** --markdown is the whole of stdout: not with --json or -q. */
export function markdown(raw: RawOptions): boolean {
  if (raw.markdown && (raw.json || raw.quiet)) throw new UsageError(`--markdown and ${raw.json ? '--json' : '--quiet'} do not go together: pick one`);
  return Boolean(raw.markdown);
}
