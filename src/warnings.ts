/**
 * Where PyTorch stays silent but a user wants to know: diagnostics about the data, returned
 * as sentences for the CLI to print on stderr.
 */
import type { LossInputs } from './equivalences.js';
import { kernelNonFinite, kernelNonFiniteOutside, kernelScanning, type Found, type ScanCounts } from './kernel/index.js';
import type { LossResult } from './losses/reduce.js';
import { binaryLabels } from './losses/targets.js';
import type { Mode } from './modes.js';
import { asFloats, formatIndex, numel, sameShape, type FloatArray, type Storage } from './tensor.js';
import { placeOf, type Values } from './values.js';
import { combineFindings, type Findings, type PredictionWatch } from './mistakes.js';

export function dataWarnings(mode: Mode, inputs: LossInputs, result: LossResult, ignoreIndex: number): string[] {
  const warnings: string[] = [];
  const binary = binaryLabels(mode, inputs.logits.shape, inputs.labels.shape);
  // the Reducer counted them as it summed
  const bad = result.nonFinite;
  if (bad && bad.count > 0) {
    warnings.push(`${bad.count} non-finite loss value(s), first ${bad.firstValue} at index ${formatIndex(bad.first, result.shape)}`);
  }
  if (result.count === 0 && numel(result.shape) > 0 && !binary) {
    const outcome = { mean: 'the mean is NaN', sum: 'the sum is 0', none: 'every loss is 0' }[result.reduction];
    // class probabilities (labels of the logits' shape) have no ignore_index: nothing counts only when C = 0
    const probabilities = sameShape(inputs.labels.shape, inputs.logits.shape);
    warnings.push(`${probabilities ? 'no classes (C = 0)' : `all targets equal ignore_index ${ignoreIndex}`}: nothing contributes, ${outcome}`);
  }
  return warnings;
}

/** Non-finite values seen in an input: how many, and the first one (flat index, value). */
export interface NonFinite {
  count: number;
  first: number;
  firstValue: number;
}

/** What a scan saw of an input: its non-finite values, what its watch found (mistakes.ts), the values outside its range. */
export interface Scanned extends NonFinite {
  findings?: Findings;
  outside?: NonFinite;
}

/** The range BCE targets (probabilities) are checked against. */
export const TARGET_RANGE: readonly [number, number] = [0, 1];

/**
 * Counts the NaN and ±inf values of an input while a kernel reads it, so the warning costs no
 * pass of its own: the wrapper looks at each value the first time a read reaches it, in the
 * passes a loss's kernel makes over the block when it counts for scans (kernelScanning:
 * class-index cross-entropy, bce-logits), else in a pass of the kernel's or its own loop. A watch (mistakes.ts) is handed each new block after that, while
 * it is in the cache. Given a `range` (BCE targets), the same pass counts the values outside it.
 */
export class NonFiniteScan implements NonFinite {
  count = 0;
  first = -1;
  firstValue = 0;
  /** Values [0, seen) have been looked at. */
  private seen = 0;
  private readonly outside?: NonFinite;

  constructor(
    private readonly watch?: PredictionWatch,
    private readonly range?: readonly [number, number],
  ) {
    if (range) this.outside = { count: 0, first: -1, firstValue: 0 };
  }

  observe(v: Values): Values {
    // integers are always finite: nothing to count, and no block converted to floats to look
    if (!this.watch && !this.range && /^(u?int|bool)/.test(v.dtype)) return v;
    return {
      shape: v.shape,
      dtype: v.dtype,
      written: v.written,
      place: v.place,
      read: (unit, start, end, visit) =>
        v.read(unit, start, end, (data, first, count) => {
          const from = first * unit;
          if (from === this.seen && data.length > 0 && (data instanceof Float32Array || data instanceof Float64Array)) {
            // a block all new: counted on the passes a loss's kernel makes over it, if one does
            const found = kernelScanning(data, () => visit(data, first, count), this.range);
            // (unless a read of it inside the visit already did)
            if (this.seen === from) this.scan(data, from, found);
            return;
          }
          if (from <= this.seen && from + data.length > this.seen) this.scan(data, from);
          visit(data, first, count);
        }),
    };
  }

  /** Counts values [seen - from, ...) of a block at flat index `from`, unless `counted` (the whole block's counts) is given. */
  private scan(data: Storage, from: number, counted?: ScanCounts): void {
    const x = asFloats(data);
    const start = this.seen - from;
    const rest = x.subarray(start);
    // the kernel's SIMD pass (kernel/scan.ts) when it runs; this loop otherwise
    const found = counted ? [counted.nonFinite, counted.outside] : this.range ? kernelNonFiniteOutside(rest, ...this.range) : [kernelNonFinite(rest)];
    const [lo, hi] = this.range ?? [-Infinity, Infinity];
    const tallies = this.outside ? [this, this.outside] : [this];
    tallies.forEach((tally, k) => {
      const f = found?.[k] ?? countOwn(rest, k === 0 ? (v) => v - v !== 0 : (v) => v < lo || v > hi);
      if (f.count > 0 && tally.count === 0) [tally.first, tally.firstValue] = [from + start + f.first, rest[f.first]];
      tally.count += f.count;
    });
    this.watch?.block(x, from, this.seen - from);
    this.seen = from + x.length;
  }

  /** As plain data (to post from a thread). */
  summary(): Scanned {
    const { count, first, firstValue, watch, outside } = this;
    return { count, first, firstValue, ...(watch && { findings: watch.findings() }), ...(outside && { outside: { ...outside } }) };
  }
}

/** The values of x that `counts`: how many, and the first one's index (-1 if none). */
function countOwn(x: FloatArray, counts: (v: number) => boolean): Found {
  const found = { count: 0, first: -1 };
  for (let i = 0; i < x.length; i++) {
    if (counts(x[i]) && found.count++ === 0) found.first = i;
  }
  return found;
}

/** Parts of one input scanned apart (threads), as one: counts add, the earliest first wins. */
export function combineScans(parts: { scan: Scanned; offset: number }[]): Scanned {
  const findings = parts.map((p) => p.scan.findings);
  const outside = parts.map((p) => p.scan.outside);
  return {
    ...combineCounts(parts.map((p) => ({ seen: p.scan, offset: p.offset }))),
    ...(findings.every((f) => f !== undefined) && { findings: combineFindings(findings) }),
    ...(outside.every((o) => o !== undefined) && { outside: combineCounts(parts.map((p, k) => ({ seen: outside[k]!, offset: p.offset }))) }),
  };
}

/** Counts of parts as one: they add, the earliest first wins. */
function combineCounts(parts: { seen: NonFinite; offset: number }[]): NonFinite {
  const hit = parts.find((p) => p.seen.count > 0);
  return {
    count: parts.reduce((n, p) => n + p.seen.count, 0),
    first: hit ? hit.offset + hit.seen.first : -1,
    firstValue: hit ? hit.seen.firstValue : 0,
  };
}

/** "2 target(s) outside [0, 1], first -1 at index 1: ..." or nothing (BCE targets, counted by their scan). */
export function targetsWarning(scan: Scanned, shape: readonly number[]): string[] {
  const outside = scan.outside;
  if (!outside || outside.count === 0) return [];
  return [
    `${outside.count} target(s) outside [${TARGET_RANGE.join(', ')}], first ${outside.firstValue} at index ${formatIndex(outside.first, shape)}: ` +
      'BCE targets are probabilities; map {-1, 1} labels to {0, 1} with (t + 1) / 2',
  ];
}

/** "3 non-finite logits, first NaN at index (1, 0)" or nothing. */
export function nonFiniteWarning(what: string, scan: NonFinite, input: Pick<Values, 'shape' | 'place'>): string[] {
  if (scan.count === 0) return [];
  const value = Number.isNaN(scan.firstValue) ? 'NaN' : String(scan.firstValue);
  return [`${scan.count} non-finite ${what}, first ${value} at index ${placeOf(input, scan.first)}`];
}
