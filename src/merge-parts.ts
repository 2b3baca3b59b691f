/**
 * `merge`'s parts: --json results read back, each field checked for its type, then each part
 * checked against itself, so that an edited or damaged part is refused (naming its field)
 * rather than changing the merged loss. What an honest part satisfies, and so what is checked:
 *
 *   shape     whole numbers >= 0 whose product is the length of perSample
 *   loss      of reduction none (when there): perSample in that shape, value for value
 *   sum       Σ perSample (ignored targets hold 0; class weights are already inside each
 *             loss, as PyTorch's reduction='none' gives them), to within rounding
 *   count     a whole number between the nonzero losses (each contributed) and the length
 *             (without perSample, as mean and sum results are written: at most the size of
 *             the shape; sum is then taken as it is)
 *   weightSum count when no class weight enters the mean (none given, or bce-logits/gather,
 *             whose mean divides by the element count); with class weights w (cross-entropy,
 *             nll) Σ w_y over the count targets, so between count·min(w, 1) and
 *             count·max(w, 1) (the 1 covers class probabilities, whose mean divides by the count)
 *
 * The results of threads are merged without any of this (merge.ts): they never left memory.
 */
import { InputError } from './errors.js';
import { jsonParts, type JsonMembers } from './io/json-part.js';
import { storedLosses } from './loss-store.js';
import type { PartialResult } from './merge.js';
import { CompensatedSum, inMemoryLosses, REDUCTIONS, type PerSample, type Reduction } from './losses/reduce.js';
import { MODES } from './modes.js';
import { INPUT_KINDS, type InputKind } from './losses/probabilities.js';
import type { InputDigests, ResultSettings, WeightRecord } from './settings.js';
import { parseMetrics, type MetricsKind, type PartMetrics } from './metrics/parse.js';
import { COUNT, isCount, isNumber, isObject, toNumber, type Field } from './json-fields.js';
import { asFloats } from './tensor.js';
import { inMemory, readRows, type Values } from './values.js';

/** A --json result as merge reads it, with where it came from. */
export interface RecordedResult extends PartialResult {
  settings: ResultSettings;
  inputs: InputDigests;
  /** The file (or `-`), and the line for results given as JSON lines. */
  file: string;
  line?: number;
  /** Reduction none: `loss`, the unreduced losses in their shape (which must be perSample's). */
  unreduced?: Values;
  /** --metrics: what merging them needs. */
  metrics?: PartMetrics;
  /** The part's verdict: false when its --expect or --reference failed. */
  ok: boolean;
}

/** How a part names itself in errors: `a.json`, or `-: line 2`. */
export function sourceOf(file: string, line?: number): string {
  return line === undefined ? file : `${file}: line ${line}`;
}

const isDigest = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** The members a part is read for: the rest (a breakdown, checks, warnings) is left unread. */
export const PART_FIELDS = ['mode', 'reduction', 'loss', 'perSample', 'shape', 'count', 'sum', 'weightSum', 'settings', 'inputs', 'metrics', 'shapes', 'ok'];

/**
 * The fields merging needs from a --json result (its members, json-part.ts: perSample and the
 * loss of reduction none as arrays read in blocks; undefined for JSON that is no object), each
 * checked for its type.
 */
export function parsePart(members: JsonMembers | undefined, file: string, line?: number): RecordedResult {
  const source = sourceOf(file, line);
  for (const [key, bytes] of members?.large ?? []) {
    if (PART_FIELDS.includes(key)) {
      const most = `${jsonParts.memberBytes / (1 << 20)} MiB`;
      throw new InputError(`field "${key}" is ${bytes} bytes long: merge reads at most ${most} of a field other than perSample and loss`, source);
    }
  }
  const o: Field = members ? Object.fromEntries(members.values) : {};
  /** from[key], named `field` in errors ("sum", "settings.weight"), if `ok` says it is `what`. */
  const need = <T>(from: Field, key: string, ok: (v: unknown) => boolean, what: string, field = key): T => {
    const v = from[key];
    if (v === undefined) throw new InputError(`field "${field}" is missing: is this a losscalc --json result?`, source);
    if (!ok(v)) throw new InputError(`field "${field}" is ${quote(v)}, not ${what}`, source);
    return v as T;
  };
  const mode = need<string>(o, 'mode', (v) => MODES.includes(v as never) && v !== 'check', 'a loss mode');
  const reduction = need<Reduction>(o, 'reduction', (v) => REDUCTIONS.includes(v as Reduction), 'mean, sum or none');
  // only reduction none, --per-sample and --top write it
  const perSample = members?.arrays.get('perSample') ?? (o.perSample === undefined ? undefined : need<unknown[]>(o, 'perSample', (v) => Array.isArray(v) && v.every(isNumber), 'an array of numbers'));
  if (perSample && 'read' in perSample && perSample.shape.length !== 1) {
    throw new InputError(`field "perSample" is an array of shape (${perSample.shape.join(', ')}), not an array of numbers`, source);
  }
  const unreduced = reduction === 'none' ? (members?.arrays.get('loss') ?? (o.loss === undefined ? undefined : scalar(need(o, 'loss', isNumber, 'the losses, in nested arrays')))) : undefined;
  const shape = need<number[]>(o, 'shape', isShape, 'a shape of whole numbers from 0 to 2^53 - 1');
  const count = need<number>(o, 'count', isCount, COUNT);
  const sum = toNumber(need(o, 'sum', isNumber, 'a number'));
  const weightSum = toNumber(need(o, 'weightSum', isNumber, 'a number'));
  if (!isObject(o.settings) || !isObject(o.inputs)) {
    throw new InputError(`no "${isObject(o.settings) ? 'inputs' : 'settings'}": a result from an older losscalc; rerun it with this version`, source);
  }
  const s = o.settings;
  const setting = <T>(key: keyof ResultSettings, ok: (v: unknown) => boolean, what: string) => need<T>(s, key, ok, what, `settings.${key}`);
  const weight = (key: 'weight' | 'posWeight'): WeightRecord | null => {
    const w = setting<Field | null>(key, (v) => v === null || (isObject(v) && isDigest(v.sha256) && isNumber(v.min) && isNumber(v.max)), 'null or {sha256, min, max}');
    return w && { sha256: w.sha256 as string, min: toNumber(w.min), max: toNumber(w.max) };
  };
  const settings: ResultSettings = {
    ignoreIndex: setting<number>('ignoreIndex', Number.isInteger, 'a whole number'),
    labelSmoothing: setting<number>('labelSmoothing', (v) => typeof v === 'number', 'a number'),
    logSoftmax: setting<boolean>('logSoftmax', (v) => typeof v === 'boolean', 'true or false'),
    // results from before --input hold logits
    input: s.input === undefined ? 'logits' : setting<InputKind>('input', (v) => INPUT_KINDS.includes(v as InputKind), INPUT_KINDS.join(', ')),
    weight: weight('weight'),
    posWeight: weight('posWeight'),
    classes: setting<number | null>('classes', (v) => v === null || isCount(v), 'a whole number or null'),
    classDim: setting<number | null>('classDim', (v) => v === null || (Number.isInteger(v) && (v as number) < 0), 'a negative whole number or null'),
    // written only with --shift
    ...(s.shift !== undefined && { shift: setting<true>('shift', (v) => v === true, 'true (or absent)') }),
  };
  // an input is a file's digest, followed by `:key` for an array picked from a container
  const digests = (v: unknown) => Array.isArray(v) && v.every((d) => typeof d === 'string' && isDigest(d.slice(0, 64)) && (d.length === 64 || d[64] === ':'));
  const inputs: InputDigests = {
    logits: need<string[]>(o.inputs, 'logits', digests, 'a list of SHA-256 digests (each with its :key, if any)', 'inputs.logits'),
    labels: need<string[]>(o.inputs, 'labels', digests, 'a list of SHA-256 digests (each with its :key, if any)', 'inputs.labels'),
  };
  // false when its --expect or --reference failed (results from before it lack it)
  const ok = o.ok === undefined ? true : need<boolean>(o, 'ok', (v) => typeof v === 'boolean', 'true or false');
  const metrics = o.metrics === undefined ? undefined : parseMetrics(o.metrics, source, metricsKind(mode, settings, o, need));
  if (metrics && metrics.count !== count) throw new InputError(`field "metrics.count" is ${metrics.count} but field "count" is ${count}`, source);
  return {
    mode, reduction, sum, weightSum, count, perSample: perSample && losses(perSample), shape, source, settings, inputs, file, line, ok,
    ...(unreduced && { unreduced }),
    ...(metrics && { metrics }),
  };
}

/**
 * What the part's loss and settings say of its metrics' bounds (metrics/parse.ts): binary or
 * not, whether the labels were class indices (a shape other than the logits'), whether the
 * predictions were taken as given (binary-cross-entropy's p, nll without --log-softmax,
 * --input probs or log-probs) rather than made probabilities by losscalc, and the classes. A
 * merged result has no "shapes": its labels are taken to be what allows more (probabilities).
 */
function metricsKind(mode: string, settings: ResultSettings, o: Field, need: <T>(from: Field, key: string, ok: (v: unknown) => boolean, what: string, field?: string) => T): MetricsKind {
  const shapes = o.shapes === undefined ? undefined : need<Field>(o, 'shapes', (v) => isObject(v) && isShape(v.logits) && isShape(v.labels), 'the shapes {logits, labels} of the inputs');
  const binary = mode === 'bce-logits' || mode === 'binary-cross-entropy';
  const given = binary ? mode === 'binary-cross-entropy' : mode === 'nll' ? !settings.logSoftmax : settings.input !== 'logits';
  return { binary, indexTargets: !binary && shapes !== undefined && String(shapes.logits) !== String(shapes.labels), given, classes: binary ? null : settings.classes };
}

const isShape = (v: unknown) => Array.isArray(v) && v.length <= 64 && v.every(isCount);

/**
 * perSample as PerSample: an array read in blocks is read through no buffer of its own (a part
 * kept for the whole merge must not keep a block), and made one array only when asked for.
 */
function losses(perSample: Values | unknown[]): PerSample {
  if (!('read' in perSample)) return inMemoryLosses(Float64Array.from(perSample, toNumber), [perSample.length]);
  const { shape } = perSample;
  return { shape, dtype: 'float64', length: shape[0], read: perSample.read, toArray: () => storedLosses([{ losses: perSample }], shape).toArray() };
}

/** The loss of an unbatched part of reduction none: one number, of shape (). */
function scalar(v: unknown): Values {
  return inMemory({ data: Float64Array.of(toNumber(v)), shape: [], dtype: 'float64' });
}

/** Throws unless the part adds up (see the top of this file), naming the field that does not. */
export function checkPart(p: RecordedResult): void {
  const fail = (message: string) => new InputError(message, p.source);
  if (p.perSample) checkLosses(p, p.perSample, fail);
  else {
    let size = 1;
    for (const d of p.shape) size = Math.min(size * d, Number.MAX_SAFE_INTEGER); // no overflow however large the claim
    if (p.count > size) throw fail(`field "count" is ${p.count} but shape (${p.shape.join(', ')}) holds only ${size} values`);
  }
  const w = p.mode === 'cross-entropy' || p.mode === 'nll' ? p.settings.weight : null;
  if (!w) {
    if (p.weightSum !== p.count) throw fail(`field "weightSum" is ${p.weightSum} but without class weights it is the count, ${p.count}`);
  } else if (Number.isFinite(w.min) && Number.isFinite(w.max)) {
    const [lo, hi] = [p.count * Math.min(w.min, 1), p.count * Math.max(w.max, 1)];
    const slack = roundingTolerance(p.count, p.count * Math.max(Math.abs(w.min), Math.abs(w.max), 1));
    if (!(p.weightSum >= lo - slack && p.weightSum <= hi + slack)) {
      throw fail(`field "weightSum" is ${p.weightSum} but ${p.count} targets with class weights in [${w.min}, ${w.max}] weigh between ${lo} and ${hi}`);
    }
  }
}

/**
 * The checks that need the unreduced losses, read in blocks: shape, sum and count against them,
 * and the loss of reduction none, which holds them in its shape.
 */
function checkLosses(p: RecordedResult, losses: PerSample, fail: (message: string) => InputError): void {
  const n = losses.length;
  let size = 1;
  for (const d of p.shape) size = Math.min(size * d, n + 1); // no overflow however large the claim
  if (size !== n) throw fail(`field "shape" (${p.shape.join(', ')}) does not match perSample, which has ${n} values`);
  const { unreduced } = p;
  if (unreduced && unreduced.shape.join() !== p.shape.join()) {
    throw fail(`field "loss" has shape (${unreduced.shape.join(', ')}) but field "shape" is (${p.shape.join(', ')})`);
  }
  const sum = new CompensatedSum();
  let magnitude = 0;
  let nonzero = 0;
  const sources = unreduced ? [losses, unreduced] : [losses];
  // 64Ki losses a read, as the merged output reads them: a file's buffers are a read's size
  for (let start = 0; start < n; start += 1 << 16) {
    readRows(sources, [1, 1], start, Math.min(n, start + (1 << 16)), ([block, loss], first) => {
      const x = asFloats(block);
      const y = loss && asFloats(loss);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        sum.add(v);
        magnitude += Math.abs(v);
        if (v !== 0) nonzero++;
        // -0 and 0 are one loss, and NaN is NaN
        if (y && y[i] !== v && !(y[i] !== y[i] && v !== v)) {
          throw fail(`field "loss"${indexIn(p.shape, first + i)} is ${y[i]} but perSample[${first + i}] is ${v}`);
        }
      }
    });
  }
  if (!withinRounding(p.sum, sum.value, n, magnitude)) throw fail(`field "sum" is ${p.sum} but perSample sums to ${sum.value}`);
  if (p.count > n) throw fail(`field "count" is ${p.count} but perSample has only ${n} values`);
  if (p.count < nonzero) throw fail(`field "count" is ${p.count} but perSample holds ${nonzero} nonzero losses, each of which counts`);
}

/**
 * How far an honest sum of n terms of total magnitude Σ|x_i| can be from another summation
 * of the same terms: the classic bound for naive summation in any order, (n - 1)·u·Σ|x_i|
 * with u = 2^-53, doubled (compensated sums, as losscalc's, are far inside it).
 */
function roundingTolerance(n: number, magnitude: number): number {
  return n * Number.EPSILON * magnitude;
}

/** `claimed` equals `computed` up to rounding; a non-finite sum must be the same one. */
function withinRounding(claimed: number, computed: number, n: number, magnitude: number): boolean {
  if (!Number.isFinite(computed)) return Object.is(claimed, computed);
  return Math.abs(claimed - computed) <= roundingTolerance(n, magnitude);
}

/** The flat index `i` as the index of a value of `shape`: [3][1]. */
function indexIn(shape: readonly number[], i: number): string {
  let text = '';
  for (let d = shape.length - 1; d >= 0; d--) {
    text = `[${i % shape[d]}]${text}`;
    i = Math.floor(i / shape[d]);
  }
  return text;
}

function quote(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
