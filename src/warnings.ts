/**
 * Where PyTorch stays silent but a user wants to know: diagnostics about the data, returned
 * as sentences for the CLI to print on stderr.
 */
import type { LossInputs } from './equivalences.js';
import { kernelNonFinite, kernelOutside, kernelScanning, type Found } from './kernel/index.js';
import type { LossResult } from './losses/reduce.js';
import { binaryLabels } from './losses/targets.js';
import type { Mode } from './modes.js';
import { asFloats, formatIndex, numel, sameShape, type Storage } from './tensor.js';
import { asValues, type Values } from './values.js';
import { combineFindings, type Findings, type PredictionWatch } from './mistakes.js';

export function dataWarnings(mode: Mode, inputs: LossInputs, result: LossResult, ignoreIndex: number): string[] {
  const warnings: string[] = [];
  const binary = binaryLabels(mode, inputs.logits.shape, inputs.labels.shape);
  if (binary) {
    let outside = 0;
    let first = -1;
    let firstValue = 0;
    asValues(inputs.labels).read(1, 0, numel(inputs.labels.shape), (block, offset) => {
      const t = asFloats(block);
      // the kernel's SIMD pass (kernel/scan.ts) when it runs; this loop otherwise
      const found = kernelOutside(t, 0, 1);
      if (found) {
        if (found.count > 0 && outside === 0) [first, firstValue] = [offset + found.first, t[found.first]];
        outside += found.count;
        return;
      }
      for (let i = 0; i < t.length; i++) {
        if (t[i] < 0 || t[i] > 1) {
          if (outside++ === 0) [first, firstValue] = [offset + i, t[i]];
        }
      }
    });
    if (outside > 0) {
      warnings.push(
        `${outside} target(s) outside [0, 1], first ${firstValue} at index ${formatIndex(first, inputs.labels.shape)}: ` +
          'BCE targets are probabilities; map {-1, 1} labels to {0, 1} with (t + 1) / 2',
      );
    }
  }
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

/** What a scan saw of an input: its non-finite values, and what its watch found (mistakes.ts). */
export interface Scanned extends NonFinite {
  findings?: Findings;
}

/**
 * Counts the NaN and ±inf values of an input while a kernel reads it, so the warning costs no
 * pass of its own: the wrapper looks at each value the first time a read reaches it, on the
 * kernel's copy of the block when the loss makes one (kernelScanning), else in a pass of the
 * kernel's or its own loop. A watch (mistakes.ts) is handed each new block after that, while
 * it is in the cache.
 */
export class NonFiniteScan implements NonFinite {
  count = 0;
  first = -1;
  firstValue = 0;
  /** Values [0, seen) have been looked at. */
  private seen = 0;

  constructor(private readonly watch?: PredictionWatch) {}

  observe(v: Values): Values {
    // integers are always finite: nothing to count, and no block converted to floats to look
    if (!this.watch && /^(u?int|bool)/.test(v.dtype)) return v;
    return {
      shape: v.shape,
      dtype: v.dtype,
      written: v.written,
      read: (unit, start, end, visit) =>
        v.read(unit, start, end, (data, first, count) => {
          const from = first * unit;
          if (from === this.seen && data.length > 0 && (data instanceof Float32Array || data instanceof Float64Array)) {
            // a block all new: counted on the copy a kernel makes of it, if one does
            const found = kernelScanning(data, () => visit(data, first, count));
            // (unless a read of it inside the visit already did)
            if (this.seen === from) this.scan(data, from, found);
            return;
          }
          if (from <= this.seen && from + data.length > this.seen) this.scan(data, from);
          visit(data, first, count);
        }),
    };
  }

  /** Counts values [seen - from, ...) of a block at flat index `from`, unless `counted` (the whole block's count) is given. */
  private scan(data: Storage, from: number, counted?: Found): void {
    const x = asFloats(data);
    const start = this.seen - from;
    // the kernel's SIMD pass (kernel/scan.ts) when it runs; this loop otherwise
    const found = counted ?? kernelNonFinite(x.subarray(start));
    if (found) {
      if (found.count > 0 && this.count === 0) [this.first, this.firstValue] = [from + start + found.first, x[start + found.first]];
      this.count += found.count;
    } else {
      for (let i = start; i < x.length; i++) {
        const v = x[i];
        if (v - v !== 0 && this.count++ === 0) {
          this.first = from + i;
          this.firstValue = v;
        }
      }
    }
    this.watch?.block(x, from, this.seen - from);
    this.seen = from + x.length;
  }

  /** As plain data (to post from a thread). */
  summary(): Scanned {
    const { count, first, firstValue, watch } = this;
    return { count, first, firstValue, ...(watch && { findings: watch.findings() }) };
  }
}

/** Parts of one input scanned apart (threads), as one: counts add, the earliest first wins. */
export function combineScans(parts: { scan: Scanned; offset: number }[]): Scanned {
  const hit = parts.find((p) => p.scan.count > 0);
  const findings = parts.map((p) => p.scan.findings);
  return {
    count: parts.reduce((n, p) => n + p.scan.count, 0),
    first: hit ? hit.offset + hit.scan.first : -1,
    firstValue: hit ? hit.scan.firstValue : 0,
    ...(findings.every((f) => f !== undefined) && { findings: combineFindings(findings) }),
  };
}

/** "3 non-finite logits, first NaN at index (1, 0)" or nothing. */
export function nonFiniteWarning(what: string, scan: NonFinite, shape: readonly number[]): string[] {
  if (scan.count === 0) return [];
  const value = Number.isNaN(scan.firstValue) ? 'NaN' : String(scan.firstValue);
  return [`${scan.count} non-finite ${what}, first ${value} at index ${formatIndex(scan.first, shape)}`];
}
