/**
 * The --json schema: one object on stdout, written as it is made (json-stream.ts). Non-finite
 * numbers become the strings "NaN", "Infinity" and "-Infinity", which JSON cannot otherwise
 * carry. The unreduced losses are in it only when asked for: reduction none (as the loss),
 * --per-sample or --top (as perSample); merge needs only sum, weightSum and count otherwise.
 */
import type { Breakdown, ClassRow, SampleRow } from '../breakdown.js';
import type { Check } from '../checks.js';
import type { Metrics } from '../metrics/types.js';
import type { Outcome } from '../outcome.js';
import type { Reduction } from '../losses/reduce.js';
import { numel } from '../tensor.js';
import type { InputDigests, ResultSettings, WeightRecord } from '../settings.js';
import { Streamed, writeJson } from './json-stream.js';
import type { Sink } from './output.js';

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';
/** A reduced loss, or the unreduced ones nested in PyTorch's output shape. */
export type JsonLoss = JsonNumber | Streamed;

export interface JsonReport {
  mode: string;
  reduction: Reduction;
  /** A number for mean/sum; for none the unreduced losses nested in PyTorch's output shape. */
  loss: JsonLoss;
  count: number;
  /** Numerator and denominator of the mean, for combining results computed apart. */
  sum: JsonNumber;
  weightSum: JsonNumber;
  shapes: { logits: number[]; labels: number[] };
  /** Shape of the unreduced loss (PyTorch's output shape for reduction none). */
  shape: number[];
  /** The unreduced losses, flat (row-major): for reduction none, --per-sample and --top only. */
  perSample?: Streamed;
  /** check mode: each way's loss, and the ways skipped with the reason. */
  losses?: Record<string, JsonLoss>;
  skipped?: Record<string, string>;
  /** check mode: why nothing was compared (then ok is false). */
  unchecked?: string;
  checks: (Omit<Check, 'a' | 'b' | 'diff'> & { a: JsonNumber; b: JsonNumber; diff: JsonNumber })[];
  /** --per-sample / --top: the k worst samples (worst first), and per-class statistics. */
  worst?: Jsonified<SampleRow>[];
  perClass?: Jsonified<ClassRow>[];
  histogram?: { edges: JsonNumber[]; counts: number[]; nonFinite: number };
  /** --metrics: the values and the state merge joins (metrics/types.ts). */
  metrics?: JsonMetrics;
  ok: boolean;
  warnings: string[];
  /** What the number depends on, and digests of the input files: merge checks them. */
  settings: JsonSettings;
  inputs: InputDigests;
}

export type JsonSettings = Omit<ResultSettings, 'weight' | 'posWeight'> & {
  weight: Jsonified<WeightRecord> | null;
  posWeight: Jsonified<WeightRecord> | null;
};

/** What a --json result records besides its numbers (settings.ts, io/digest.ts). */
export interface Recorded {
  settings: ResultSettings;
  inputs: InputDigests;
}

/** A row type with its number fields allowed to be the non-finite strings. */
export type Jsonified<T> = { [K in keyof T]: T[K] extends number ? JsonNumber : T[K] };

export function jsonSettings(s: ResultSettings): JsonSettings {
  const weight = (w: WeightRecord | null) => w && jsonRow(w);
  return { ...s, weight: weight(s.weight), posWeight: weight(s.posWeight) };
}

function jsonRow<T extends object>(row: T): Jsonified<T> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? jsonNumber(v) : v])) as Jsonified<T>;
}

export function jsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** Metrics with each number allowed to be one of the non-finite strings. */
export type JsonMetrics = Deep<Metrics>;
type Deep<T> = T extends number ? JsonNumber : T extends (infer U)[] ? Deep<U>[] : T extends object ? { [K in keyof T]: Deep<T[K]> } : T;

/** The metrics as --json writes them: every number through jsonNumber, counts included (always finite). */
export function jsonMetrics(m: Metrics): JsonMetrics {
  const deep = (v: unknown): unknown =>
    typeof v === 'number' ? jsonNumber(v) : Array.isArray(v) ? v.map(deep) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)])) : v;
  return deep(m) as JsonMetrics;
}

export function toJsonReport(
  o: Outcome,
  shapes: { logits: number[]; labels: number[] },
  recorded: Recorded,
  details?: Breakdown,
  metrics?: Metrics,
): JsonReport {
  const r = o.result;
  const lossOf = (res: typeof r): JsonLoss => (typeof res.loss === 'number' ? jsonNumber(res.loss) : new Streamed(res.loss, res.shape));
  const report: JsonReport = {
    mode: o.mode,
    reduction: r.reduction,
    loss: lossOf(r),
    count: r.count,
    sum: jsonNumber(r.sum),
    weightSum: jsonNumber(r.weightSum),
    shapes,
    shape: r.shape,
    perSample: (r.reduction === 'none' || details) && r.perSample ? new Streamed(r.perSample, [numel(r.shape)]) : undefined,
    checks: o.checks.map((c) => ({ ...c, a: jsonNumber(c.a), b: jsonNumber(c.b), diff: jsonNumber(c.diff) })),
    ok: o.ok,
    warnings: o.warnings,
    settings: jsonSettings(recorded.settings),
    inputs: recorded.inputs,
  };
  if (details) {
    report.worst = details.worst.map(jsonRow);
    report.perClass = details.perClass.map(jsonRow);
    const h = details.histogram;
    report.histogram = { edges: h.edges.map(jsonNumber), counts: h.counts, nonFinite: h.nonFinite };
  }
  if (metrics) report.metrics = jsonMetrics(metrics);
  if (o.mode === 'check') {
    report.losses = Object.fromEntries(o.losses.map(([name, res]) => [name, lossOf(res)]));
    report.skipped = Object.fromEntries(o.skipped);
    if (o.unchecked) report.unchecked = `nothing was checked: ${o.unchecked}`;
  }
  return report;
}

/** Writes the report to `out` in chunks; `details` (--per-sample, --top) brings perSample with it. */
export function writeJsonReport(
  out: Sink,
  o: Outcome,
  shapes: { logits: number[]; labels: number[] },
  recorded: Recorded,
  details?: Breakdown,
  metrics?: Metrics,
): Promise<void> {
  return writeJson(out, toJsonReport(o, shapes, recorded, details, metrics));
}
