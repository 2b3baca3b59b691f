/**
 * Flags -> one typed Options object. All validation of flags lives here; nothing past this
 * point needs to ask whether a flag makes sense for a mode.
 */
import { UsageError } from './errors.js';
import type { Mode } from './modes.js';
import { REDUCTIONS, type Reduction } from './losses/reduce.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './checks.js';
import { IGNORE_INDEX } from './losses/targets.js';
import { INPUT_KINDS, type InputKind } from './losses/probabilities.js';
import { FORMATS, type Format } from './io/format.js';
import { didYouMean } from './spelling.js';
import { count, number, tolerance } from './option-values.js';
import { markdown, metricsOptions, perSampleOptions, reportFile, saveFiles, type MetricsOptions } from './output-options.js';

export { MODE_ALIASES } from './modes.js';
export type { MetricsOptions } from './output-options.js';
export { number } from './option-values.js';

/** A file path or inline numbers (`1,2,0.5`); which one is decided when it is read. */
export type Source = string;

export interface Options {
  mode: Mode;
  /** One file, or shards concatenated along the batch dim in order. */
  logits: Source[];
  /**
   * Empty when the labels are a column of the logits table (`labelColumn`), or else an array
   * of the logits file found by name (one file with everything).
   */
  labels: Source[];
  input: InputOptions;
  reduction: Reduction;
  weight?: Source;
  posWeight?: Source;
  ignoreIndex: number;
  labelSmoothing: number;
  logSoftmax: boolean;
  /** --shift: a causal LM's loss, logits[..., :-1, :] against labels[..., 1:] (shift.ts). */
  shift: boolean;
  /** --class-dim: the logits' class dim (negative counts from the end); undefined: PyTorch's. */
  classDim?: number;
  /** --input: what the predictions hold (cross-entropy, check); 'logits' unless given. */
  inputKind: InputKind;
  expect?: number;
  reference?: Source;
  tolerance: Tolerance;
  json: boolean;
  /** --per-sample / --top: the breakdown, with this many worst samples; 0 when off. */
  top: number;
  quiet: boolean;
  /** --save-per-sample (repeatable): the files of the unreduced losses, each written; empty when none. */
  savePerSample: string[];
  /** -j/--threads; undefined: every core for large NPY inputs, one thread otherwise. */
  threads?: number;
  /** --report: the HTML report's file. */
  report?: string;
  /** --classes: rows of the per-class table in the terminal (the highest mean loss first). */
  classes: number;
  /** --class-names: a file of class names, one a line or a JSON list. */
  classNames?: string;
  /** --metrics (--topk, --bins): the metrics beside the loss; undefined when off. */
  metrics?: MetricsOptions;
  /** --markdown: a Markdown summary on stdout. */
  markdown: boolean;
}

/** How files are read: --format, --delimiter, --header/--no-header, and the one-CSV table columns. */
export interface InputOptions {
  format?: Format;
  delimiter?: string;
  /** Whether the first row of every CSV/TSV input is a header; undefined: by the header rule. */
  header?: boolean;
  labelColumn?: string;
  dropColumns?: string[];
  /** --id-column: the column of sample ids in the logits CSV (or the --label-column table). */
  idColumn?: string;
}

export interface CompareOptions {
  a: Source;
  b: Source;
  input: InputOptions;
  tolerance: Tolerance;
  json: boolean;
}

/** What commander hands over: every value still a string. */
export interface RawOptions {
  logits?: string[];
  labels?: string[];
  targets?: string[];
  format?: string;
  delimiter?: string;
  header?: boolean;
  labelColumn?: string;
  dropColumns?: string;
  reduction?: string;
  weight?: string;
  posWeight?: string;
  ignoreIndex?: string;
  labelSmoothing?: string;
  logSoftmax?: boolean;
  shift?: boolean;
  classDim?: string;
  input?: string;
  expect?: string;
  reference?: string;
  rtol?: string;
  atol?: string;
  json?: boolean;
  perSample?: boolean;
  top?: string;
  quiet?: boolean;
  savePerSample?: string[];
  equalNan?: boolean;
  threads?: string;
  report?: string;
  idColumn?: string;
  classes?: string;
  classNames?: string;
  metrics?: boolean;
  topk?: string[];
  bins?: string;
  markdown?: boolean;
}

/** Which modes take which flag; absent flags are accepted everywhere. */
export const FLAG_MODES: Record<string, readonly Mode[]> = {
  '--weight': ['cross-entropy', 'nll', 'bce-logits', 'binary-cross-entropy', 'check'],
  '--pos-weight': ['bce-logits', 'check'],
  '--ignore-index': ['cross-entropy', 'nll', 'gather', 'check'],
  '--label-smoothing': ['cross-entropy', 'check'],
  '--log-softmax': ['nll'],
  '--shift': ['cross-entropy', 'nll', 'gather', 'check'],
  '--class-dim': ['cross-entropy', 'nll', 'gather', 'check'],
  '--input': ['cross-entropy', 'check'],
  '--metrics': ['cross-entropy', 'nll', 'bce-logits', 'binary-cross-entropy', 'gather'],
  '--topk': ['cross-entropy', 'nll', 'gather'],
  '--bins': ['cross-entropy', 'nll', 'bce-logits', 'binary-cross-entropy', 'gather'],
};

/**
 * `operands` are the arguments after `--`: files, whatever they look like. `flags` are the
 * mode's options (`--weight`, ...), from which an unknown one gets its closest.
 */
export function parseOptions(mode: Mode, positional: string[], raw: RawOptions, operands: string[] = [], flags: readonly string[] = []): Options {
  const flagLogits = raw.logits ?? [];
  const flagLabels = [...(raw.labels ?? []), ...(raw.targets ?? [])];
  const unknown = positional.find((a) => a.startsWith('-') && a !== '-' && !a.startsWith('-:'));
  if (unknown !== undefined) {
    const applicable = flags.filter((f) => FLAG_MODES[f]?.includes(mode) ?? true);
    throw new UsageError(`unknown option '${unknown}'${didYouMean(unknown, applicable) || ` (see losscalc ${mode} --help)`}`);
  }
  const rest = [...positional, ...operands];
  const logits = flagLogits.length > 0 ? flagLogits : rest.splice(0, 1);
  if (logits.length === 0) throw new UsageError('missing logits: give them as an argument or with --logits <file>');
  const input = parseInputOptions(raw);
  let labels: string[] = [];
  if (input.labelColumn !== undefined) {
    if (flagLabels.length > 0 || rest.length > 0) {
      throw new UsageError('--label-column takes the labels from the logits file: give no labels file as well');
    }
  } else {
    // none: the logits file holds both, found by name (io/one-file.ts)
    labels = flagLabels.length > 0 ? flagLabels : rest.splice(0, 1);
  }
  if (rest.length > 0) throw new UsageError(`too many arguments: ${rest.join(' ')}`);
  if ([...logits, ...labels].filter((s) => s === '-').length > 1) {
    throw new UsageError('standard input (-) can be read once: give at most one operand as -');
  }

  const given: Record<string, unknown> = {
    '--weight': raw.weight,
    '--pos-weight': raw.posWeight,
    '--ignore-index': raw.ignoreIndex,
    '--label-smoothing': raw.labelSmoothing,
    '--log-softmax': raw.logSoftmax || undefined,
    '--shift': raw.shift || undefined,
    '--class-dim': raw.classDim,
    '--input': raw.input,
    '--metrics': raw.metrics || undefined,
    '--topk': raw.topk,
    '--bins': raw.bins,
  };
  for (const [flag, value] of Object.entries(given)) {
    if (value !== undefined && !FLAG_MODES[flag].includes(mode)) {
      throw new UsageError(`${flag} does not apply to ${mode} (it applies to ${FLAG_MODES[flag].join(', ')})`);
    }
  }

  const reduction = (raw.reduction ?? 'mean') as Reduction;
  if (!REDUCTIONS.includes(reduction)) {
    throw new UsageError(`--reduction must be one of ${REDUCTIONS.join(', ')}, got "${raw.reduction}"`);
  }
  const labelSmoothing = raw.labelSmoothing === undefined ? 0 : number('--label-smoothing', raw.labelSmoothing);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new UsageError(`--label-smoothing must be in [0, 1], got ${raw.labelSmoothing}`);
  }
  const inputKind = (raw.input ?? 'logits') as InputKind;
  if (!INPUT_KINDS.includes(inputKind)) {
    throw new UsageError(`--input must be one of ${INPUT_KINDS.join(', ')}, got "${raw.input}"`);
  }
  const ignoreIndex = raw.ignoreIndex === undefined ? IGNORE_INDEX : number('--ignore-index', raw.ignoreIndex);
  if (!Number.isInteger(ignoreIndex)) throw new UsageError(`--ignore-index must be an integer, got ${raw.ignoreIndex}`);
  if (!Number.isSafeInteger(ignoreIndex)) {
    throw new UsageError(`--ignore-index must be within ±2^53 (9007199254740991), where every integer is exact, got ${raw.ignoreIndex}`);
  }
  const givenDim = raw.classDim === undefined ? undefined : number('--class-dim', raw.classDim);
  if (givenDim !== undefined && !Number.isSafeInteger(givenDim)) {
    throw new UsageError(`--class-dim must be an integer (a dim of the logits; -1 is the last), got ${raw.classDim}`);
  }
  // a causal LM's logits hold the vocabulary in their last dim (shift.ts checks a dim given)
  const classDim = raw.shift && givenDim === undefined ? -1 : givenDim;
  const expect = raw.expect === undefined ? undefined : number('--expect', raw.expect);
  if (expect !== undefined && reduction === 'none') {
    throw new UsageError('--expect compares one number; with --reduction none use --reference <file>');
  }
  const top = raw.top !== undefined ? count('--top', raw.top) : raw.perSample ? 10 : 0;
  if (raw.quiet && raw.json) throw new UsageError('--quiet and --json do not go together: pick one');

  return {
    mode,
    logits,
    labels,
    input,
    reduction,
    weight: raw.weight,
    posWeight: raw.posWeight,
    ignoreIndex,
    labelSmoothing,
    logSoftmax: Boolean(raw.logSoftmax),
    shift: Boolean(raw.shift),
    classDim,
    inputKind,
    expect,
    reference: raw.reference,
    tolerance: tolerances(raw),
    json: Boolean(raw.json),
    top,
    quiet: Boolean(raw.quiet),
    savePerSample: saveFiles(raw.savePerSample),
    threads: raw.threads === undefined ? undefined : count('--threads', raw.threads),
    report: reportFile(raw.report),
    ...perSampleOptions(raw, logits, labels),
    metrics: metricsOptions(raw),
    markdown: markdown(raw),
  };
}

export interface MergeOptions {
  files: string[];
  json: boolean;
  quiet: boolean;
  markdown: boolean;
  /** --expect: the merged loss must be allclose to it (reduction mean or sum). */
  expect?: number;
  tolerance: Tolerance;
}

export function parseMergeOptions(positional: string[], raw: RawOptions): MergeOptions {
  if (positional.length === 0) throw new UsageError('merge needs the --json results to combine: losscalc merge a.json b.json ...');
  if (raw.quiet && raw.json) throw new UsageError('--quiet and --json do not go together: pick one');
  if (positional.filter((f) => f === '-').length > 1) throw new UsageError('merge reads standard input once: give - once');
  if (raw.expect === undefined && (raw.rtol !== undefined || raw.atol !== undefined)) {
    throw new UsageError(`${raw.rtol !== undefined ? '--rtol' : '--atol'} is the tolerance of --expect: give --expect <x> too`);
  }
  const expect = raw.expect === undefined ? undefined : number('--expect', raw.expect);
  return { files: positional, json: Boolean(raw.json), quiet: Boolean(raw.quiet), markdown: markdown(raw), expect, tolerance: tolerances(raw) };
}

export function parseCompareOptions(positional: string[], raw: RawOptions): CompareOptions {
  if (positional.length !== 2) throw new UsageError(`compare needs two files, got ${positional.length}`);
  return { a: positional[0], b: positional[1], input: parseInputOptions(raw), tolerance: { ...tolerances(raw), equalNan: Boolean(raw.equalNan) }, json: Boolean(raw.json) };
}

function tolerances(raw: RawOptions): Tolerance {
  return {
    rtol: raw.rtol === undefined ? DEFAULT_TOLERANCE.rtol : tolerance('--rtol', raw.rtol),
    atol: raw.atol === undefined ? DEFAULT_TOLERANCE.atol : tolerance('--atol', raw.atol),
  };
}

function parseInputOptions(raw: RawOptions): InputOptions {
  const format = raw.format?.toLowerCase() as Format | undefined;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${raw.format}"`);
  }
  if (raw.dropColumns !== undefined && raw.labelColumn === undefined) {
    throw new UsageError('--drop-columns goes with --label-column (one CSV holding logits and labels)');
  }
  return {
    format,
    delimiter: raw.delimiter === '\\t' ? '\t' : raw.delimiter,
    header: raw.header,
    labelColumn: raw.labelColumn,
    dropColumns: raw.dropColumns?.split(',').map((c) => c.trim()),
    idColumn: raw.idColumn,
  };
}
