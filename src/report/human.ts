/**
 * The default output: the loss first, then what it was computed over; in check mode every
 * way's loss and each pair's verdict; with --per-sample the breakdown tables.
 */
import type { Breakdown } from '../breakdown.js';
import type { Check } from '../checks.js';
import type { Outcome } from '../outcome.js';
import type { LossResult } from '../losses/reduce.js';
import { asFloats, formatShape, numel, type DType } from '../tensor.js';
import type { Values } from '../values.js';
import { renderBreakdown } from './breakdown.js';
import type { Metrics } from '../metrics/types.js';
import { renderMetrics, unitOf } from './metrics-rows.js';
import { PLAIN, type Paint } from './paint.js';
import type { Stderr } from './stderr.js';
import { formatNumber, linesInBlocks } from './table.js';
import { writeChunks, type Sink } from './output.js';

export interface Described {
  shape: number[];
  dtype: DType;
}

const PREVIEW = 10;

export function renderHuman(
  o: Outcome,
  inputs: { logits: Described; labels: Described; shifted?: boolean },
  paint: Paint,
  details?: { breakdown: Breakdown; binary: boolean; classes: number },
  metrics?: Metrics,
): string {
  const lines: string[] = [];
  const r = o.result;
  const { logits, labels } = inputs;
  const over =
    `logits ${formatShape(logits.shape)} ${logits.dtype}, labels ${formatShape(labels.shape)} ${labels.dtype}, ` +
    `reduction ${r.reduction}${inputs.shifted ? `, shifted (logits[..., :-1, :] against labels[..., 1:])` : ''}`;
  if (o.mode === 'check') {
    lines.push(`${paint.bold('check')}  ${paint.dim(over)}`);
    const width = Math.max(...o.losses.map(([n]) => n.length), ...o.skipped.map(([n]) => n.length));
    for (const [name, res] of o.losses) lines.push(`  ${name.padEnd(width)}  ${summary(res)}`);
    for (const [name, why] of o.skipped) lines.push(paint.dim(`  ${name.padEnd(width)}  skipped: ${why}`));
  } else {
    lines.push(`${paint.bold(o.mode)}  ${summary(r)}`);
    lines.push(paint.dim(`  ${over}, ${r.count} contributing`));
  }
  if (r.reduction === 'none' && !details) lines.push(...preview(r));
  if (details) lines.push(...renderBreakdown(details.breakdown, details.binary, paint, details.classes));
  if (metrics) lines.push(...renderMetrics(metrics, unitOf(o.mode), paint.bold));
  if ((details || metrics) && o.checks.length > 0) lines.push('');
  if (o.unchecked) lines.push(paint.bad(`nothing was checked: ${o.unchecked}`));
  for (const c of o.checks) lines.push(checkLine(c, paint));
  if (o.checks.length > 0) lines.push(verdict(o.checks, paint));
  return lines.join('\n') + '\n';
}

/** "the check passed", "all 3 checks passed", "1 of 3 checks failed". */
export function verdict(checks: Check[], paint: Paint): string {
  const failed = checks.filter((c) => !c.ok).length;
  if (checks.length === 1) return failed ? paint.bad('the check failed') : paint.ok('the check passed');
  return failed === 0 ? paint.ok(`all ${checks.length} checks passed`) : paint.bad(`${failed} of ${checks.length} checks failed`);
}

/**
 * -q's output: the loss alone on stdout (for reduction none one value a line, written in blocks
 * of lines); a failed check (--expect, --reference, check's ways, a check that compared
 * nothing) also gets its line on stderr, so that a log says why the exit code is 1.
 */
export async function writeQuiet(out: Sink, r: { loss: number | Values }, checks: readonly Check[] = [], err?: Stderr, unchecked?: string): Promise<void> {
  for (const c of checks) if (!c.ok) err?.message(checkLine(c, PLAIN));
  if (unchecked) err?.message(`FAIL nothing was checked: ${unchecked}`);
  if (typeof r.loss === 'number') out.write(`${formatNumber(r.loss)}\n`);
  else await writeChunks(out, linesInBlocks(r.loss, (_, v) => `${formatNumber(v)}\n`));
}

/** A loss as one line: the number, or for reduction none the values' count, shape and sum. */
export function summary(r: LossResult): string {
  if (typeof r.loss === 'number') return formatNumber(r.loss);
  return `${numel(r.shape)} values of shape ${formatShape(r.shape)}, sum ${formatNumber(r.sum)}`;
}

/** The first few unreduced losses, read from the start of them. */
function preview(r: LossResult): string[] {
  if (typeof r.loss === 'number') return [];
  const total = numel(r.shape);
  const shown = Math.min(total, PREVIEW);
  const lines: string[] = [];
  r.loss.read(1, 0, shown, (d, first) => asFloats(d).forEach((v, k) => lines.push(`  [${first + k}] ${formatNumber(v)}`)));
  if (total > shown) lines.push(`  ... ${total - shown} more (all of them with --json)`);
  return lines;
}

export function checkLine(c: Check, paint: Paint): string {
  const verdict = c.ok ? paint.ok('ok  ') : paint.bad('FAIL');
  const at = c.index === undefined ? '' : ` at [${c.index}]`;
  const note = c.note ? `; ${c.note}` : '';
  return `${verdict} ${c.name}${at}: ${formatNumber(c.a)} vs ${formatNumber(c.b)}, |diff| ${formatNumber(c.diff)}${note}`;
}
