/**
 * Where PyTorch stays silent but a user wants to know: diagnostics about the data, returned
 * as sentences for the CLI to print on stderr.
 */
import type { LossInputs } from './equivalences.js';
import type { LossResult } from './losses/reduce.js';
import { binaryLabels } from './losses/targets.js';
import type { Mode } from './options.js';
import { asFloats, formatIndex, numel, sameShape, type Storage } from './tensor.js';
import { asValues, type Values } from './values.js';
import { combineRows, type RowChecks, type RowFindings } from './mistakes.js';

export function dataWarnings(mode: Mode, inputs: LossInputs, result: LossResult, ignoreIndex: number): string[] {
  const warnings: string[] = [];
  const binary = binaryLabels(mode, inputs.logits.shape, inputs.labels.shape);
  if (binary) {
    let outside = 0;
    let first = -1;
    let firstValue = 0;
    asValues(inputs.labels).read(1, 0, numel(inputs.labels.shape), (block, offset) => {
      const t = asFloats(block);
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
  const losses = result.perSample;
  let nonFinite = 0;
  let firstBad = -1;
  for (let i = 0; i < losses.length; i++) {
    if (!Number.isFinite(losses[i])) {
      if (nonFinite++ === 0) firstBad = i;
    }
  }
  if (nonFinite > 0) {
    warnings.push(
      `${nonFinite} non-finite loss value(s), first ${losses[firstBad]} at index ${formatIndex(firstBad, result.shape)}`,
    );
  }
  if (result.count === 0 && losses.length > 0 && mode !== 'bce-logits') {
    const outcome = { mean: 'the mean is NaN', sum: 'the sum is 0', none: 'every loss is 0' }[result.reduction];
    warnings.push(`all targets equal ignore_index ${ignoreIndex}: nothing contributes, ${outcome}`);
  }
  return warnings;
}

/** Non-finite values seen in an input: how many, and the first one (flat index, value). */
export interface NonFinite {
  count: number;
  first: number;
  firstValue: number;
}

/** What a scan saw of an input: its non-finite values, its min and max (NaN aside), its rows (mistakes.ts). */
export interface Scanned extends NonFinite {
  min: number;
  max: number;
  rows?: RowFindings;
}

/**
 * Looks at the values of an input while a kernel reads it, so the warnings cost no pass of
 * their own: the wrapper looks at each value the first time a read reaches it, counting the
 * NaN and ±inf values and keeping the min and max in one loop, then hands the block to the
 * row checks, if any.
 */
export class InputScan implements Scanned {
  count = 0;
  first = -1;
  firstValue = 0;
  min = Infinity;
  max = -Infinity;
  /** Values [0, seen) have been looked at. */
  private seen = 0;

  constructor(private readonly rowChecks?: RowChecks) {}

  get rows(): RowFindings | undefined {
    return this.rowChecks?.findings();
  }

  observe(v: Values): Values {
    return {
      shape: v.shape,
      dtype: v.dtype,
      written: v.written,
      read: (unit, start, end, visit) =>
        v.read(unit, start, end, (data, first, count) => {
          const from = first * unit;
          if (from <= this.seen && from + data.length > this.seen) this.scan(data, from);
          visit(data, first, count);
        }),
    };
  }

  private scan(data: Storage, from: number): void {
    const x = asFloats(data);
    const start = this.seen - from;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < x.length; i++) {
      const v = x[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (v - v !== 0 && this.count++ === 0) {
        this.first = from + i;
        this.firstValue = v;
      }
    }
    this.rowChecks?.block(x, from, start, lo, hi);
    this.min = Math.min(this.min, lo);
    this.max = Math.max(this.max, hi);
    this.seen = from + x.length;
  }

  /** As plain data (to post from a thread). */
  summary(): Scanned {
    const { count, first, firstValue, min, max, rows } = this;
    return { count, first, firstValue, min, max, ...(rows && { rows }) };
  }
}

/** Parts of one input scanned apart (threads), as one: counts add, the earliest first wins. */
export function combineScans(parts: { scan: Scanned; offset: number }[]): Scanned {
  const hit = parts.find((p) => p.scan.count > 0);
  const rows = parts.map((p) => p.scan.rows);
  return {
    count: parts.reduce((n, p) => n + p.scan.count, 0),
    first: hit ? hit.offset + hit.scan.first : -1,
    firstValue: hit ? hit.scan.firstValue : 0,
    min: Math.min(...parts.map((p) => p.scan.min)),
    max: Math.max(...parts.map((p) => p.scan.max)),
    ...(rows.every((r) => r !== undefined) && { rows: combineRows(rows) }),
  };
}

/** "3 non-finite logits, first NaN at index (1, 0)" or nothing. */
export function nonFiniteWarning(what: string, scan: NonFinite, shape: readonly number[]): string[] {
  if (scan.count === 0) return [];
  const value = Number.isNaN(scan.firstValue) ? 'NaN' : String(scan.firstValue);
  return [`${scan.count} non-finite ${what}, first ${value} at index ${formatIndex(scan.first, shape)}`];
}
