/**
 * Flags -> one typed Options object. All validation of flags lives here; nothing past this
 * point needs to ask whether a flag makes sense for a mode.
 */
import { UsageError } from './errors.js';
import { REDUCTIONS, type Reduction } from './losses/reduce.js';
import type { Tolerance } from './checks.js';
import { SAVE_EXTENSIONS } from './report/save.js';

export type Mode = 'cross-entropy' | 'nll' | 'bce-logits' | 'gather' | 'check';

export const MODES: readonly Mode[] = ['cross-entropy', 'nll', 'bce-logits', 'gather', 'check'];
export const MODE_ALIASES: Readonly<Record<string, Mode>> = { ce: 'cross-entropy', bce: 'bce-logits' };

/** A file path or inline numbers (`1,2,0.5`); which one is decided when it is read. */
export type Source = string;

export interface Options {
  mode: Mode;
  logits: Source;
  labels: Source;
  reduction: Reduction;
  weight?: Source;
  posWeight?: Source;
  ignoreIndex: number;
  labelSmoothing: number;
  logSoftmax: boolean;
  expect?: number;
  reference?: Source;
  tolerance: Tolerance;
  json: boolean;
  /** --per-sample / --top: the breakdown, with this many worst samples; 0 when off. */
  top: number;
  quiet: boolean;
  savePerSample?: string;
}

export interface CompareOptions {
  a: Source;
  b: Source;
  tolerance: Tolerance;
  json: boolean;
}

/** What commander hands over: every value still a string. */
export interface RawOptions {
  logits?: string;
  labels?: string;
  targets?: string;
  reduction?: string;
  weight?: string;
  posWeight?: string;
  ignoreIndex?: string;
  labelSmoothing?: string;
  logSoftmax?: boolean;
  expect?: string;
  reference?: string;
  rtol?: string;
  atol?: string;
  json?: boolean;
  perSample?: boolean;
  top?: string;
  quiet?: boolean;
  savePerSample?: string;
  equalNan?: boolean;
}

/** Which modes take which flag; absent flags are accepted everywhere. */
const FLAG_MODES: Record<string, readonly Mode[]> = {
  '--weight': ['cross-entropy', 'nll', 'bce-logits', 'check'],
  '--pos-weight': ['bce-logits', 'check'],
  '--ignore-index': ['cross-entropy', 'nll', 'gather', 'check'],
  '--label-smoothing': ['cross-entropy', 'check'],
  '--log-softmax': ['nll'],
};

export function parseOptions(mode: Mode, positional: string[], raw: RawOptions): Options {
  if (positional.length > 2) throw new UsageError(`too many arguments: ${positional.slice(2).join(' ')}`);
  const logits = pick('logits', raw.logits, positional[0]);
  const labels = pick('labels', raw.labels ?? raw.targets, positional[raw.logits === undefined ? 1 : 0]);

  const given: Record<string, unknown> = {
    '--weight': raw.weight,
    '--pos-weight': raw.posWeight,
    '--ignore-index': raw.ignoreIndex,
    '--label-smoothing': raw.labelSmoothing,
    '--log-softmax': raw.logSoftmax || undefined,
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
  const ignoreIndex = raw.ignoreIndex === undefined ? -100 : number('--ignore-index', raw.ignoreIndex);
  if (!Number.isSafeInteger(ignoreIndex)) {
    throw new UsageError(`--ignore-index must be an integer, got ${raw.ignoreIndex}`);
  }
  const expect = raw.expect === undefined ? undefined : number('--expect', raw.expect);
  if (expect !== undefined && reduction === 'none') {
    throw new UsageError('--expect compares one number; with --reduction none use --reference <file>');
  }
  const top = raw.top !== undefined ? count('--top', raw.top) : raw.perSample ? 10 : 0;
  if (raw.quiet && raw.json) throw new UsageError('--quiet and --json do not go together: pick one');
  const save = raw.savePerSample;
  if (save !== undefined && !SAVE_EXTENSIONS.some((e) => save.toLowerCase().endsWith(e))) {
    throw new UsageError(`--save-per-sample writes ${SAVE_EXTENSIONS.join(', ')}: name the file with one of them, got "${save}"`);
  }

  return {
    mode,
    logits,
    labels,
    reduction,
    weight: raw.weight,
    posWeight: raw.posWeight,
    ignoreIndex,
    labelSmoothing,
    logSoftmax: Boolean(raw.logSoftmax),
    expect,
    reference: raw.reference,
    tolerance: tolerances(raw),
    json: Boolean(raw.json),
    top,
    quiet: Boolean(raw.quiet),
    savePerSample: save,
  };
}

export function parseCompareOptions(positional: string[], raw: RawOptions): CompareOptions {
  if (positional.length !== 2) throw new UsageError(`compare needs two files, got ${positional.length}`);
  return { a: positional[0], b: positional[1], tolerance: { ...tolerances(raw), equalNan: Boolean(raw.equalNan) }, json: Boolean(raw.json) };
}

function tolerances(raw: RawOptions): Tolerance {
  return {
    rtol: raw.rtol === undefined ? 1e-5 : tolerance('--rtol', raw.rtol),
    atol: raw.atol === undefined ? 1e-8 : tolerance('--atol', raw.atol),
  };
}

function count(flag: string, text: string): number {
  const v = number(flag, text);
  if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`${flag} needs a whole number >= 1, got ${text}`);
  return v;
}

function pick(name: string, flag: string | undefined, positional: string | undefined): string {
  const value = flag ?? positional;
  if (value === undefined || value === '') {
    throw new UsageError(`missing ${name}: give them as an argument or with --${name} <file>`);
  }
  return value;
}

/** A decimal number, or Python's nan/inf spellings; anything else is a usage error. */
export function number(flag: string, text: string): number {
  const t = text.trim().toLowerCase();
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
  if (t in special) return special[t];
  const v = t === '' ? NaN : Number(t);
  if (Number.isNaN(v)) throw new UsageError(`${flag} needs a number, got "${text}"`);
  return v;
}

function tolerance(flag: string, text: string): number {
  const v = number(flag, text);
  if (!(v >= 0) || !Number.isFinite(v)) throw new UsageError(`${flag} must be a finite number >= 0, got ${text}`);
  return v;
}
