/**
 * --markdown: the result as a Markdown summary on stdout, for `>> $GITHUB_STEP_SUMMARY` and
 * merge-request comments: a heading with the verdict, the loss, the metrics and the checks as
 * tables (each check PASS or FAIL). Numbers are written in full (as the terminal output writes
 * the loss); metrics at 7 significant digits.
 */
import { escapeControl } from '../errors.js';
import { ENTITIES } from './html/escape.js';
import type { Check } from '../checks.js';
import type { Metrics } from '../metrics/types.js';
import type { Outcome } from '../outcome.js';
import { formatShape } from '../tensor.js';
import { summary, type Described } from './human.js';
import { metricRows } from './metrics-rows.js';
import { formatNumber } from './table.js';

/** What a Markdown summary shows: a title, the loss's rows, the metrics, the checks. */
export interface MarkdownSummary {
  title: string;
  rows: [string, string][];
  metrics?: Metrics;
  checks: Check[];
  /** Why nothing was compared (check mode): a failed row. */
  unchecked?: string;
  /** Other failures, a failed row each (merge: the parts whose own checks failed). */
  failures?: string[];
}

/** A loss mode's result. */
export function renderMarkdown(o: Outcome, inputs: { logits: Described; labels: Described; shifted?: boolean }, metrics?: Metrics): string {
  const r = o.result;
  const rows: [string, string][] =
    o.mode === 'check' ? o.losses.map(([name, res]) => [name, summary(res)]) : [['loss', summary(r)]];
  for (const [name, why] of o.skipped) rows.push([name, `skipped: ${why}`]);
  rows.push(
    ['reduction', r.reduction],
    ['contributing', String(r.count)],
    ['logits', `${formatShape(inputs.logits.shape)} ${inputs.logits.dtype}`],
    ['labels', `${formatShape(inputs.labels.shape)} ${inputs.labels.dtype}`],
  );
  if (inputs.shifted) rows.push(['shifted', 'logits[..., :-1, :] against labels[..., 1:]']);
  return markdown({ title: o.mode, rows, metrics, checks: o.checks, unchecked: o.unchecked });
}

export function markdown(s: MarkdownSummary): string {
  const failures = s.failures ?? [];
  const failed = s.checks.some((c) => !c.ok) || s.unchecked !== undefined || failures.length > 0;
  const verdict = s.checks.length > 0 || s.unchecked || failures.length > 0 ? (failed ? ': FAIL' : ': PASS') : '';
  const lines = [`## losscalc ${s.title}${verdict}`, '', ...table(['', 'value'], s.rows.map(([name, value]) => [name, value]))];
  if (s.metrics) {
    lines.push('', `### Metrics (${s.metrics.count} contributing)`, '', ...table(['metric', 'value'], metricRows(s.metrics).map((r) => [r.name, r.value])));
  }
  if (s.checks.length > 0 || s.unchecked || failures.length > 0) {
    const rows = s.checks.map((c) => [
      c.index === undefined ? c.name : `${c.name} at [${c.index}]`,
      code(formatNumber(c.a)),
      code(formatNumber(c.b)),
      code(formatNumber(c.diff)),
      c.ok ? 'PASS' : c.note ? `FAIL (${c.note})` : 'FAIL',
    ]);
    if (s.unchecked) rows.push([`nothing was checked: ${s.unchecked}`, '', '', '', 'FAIL']);
    for (const f of failures) rows.push([f, '', '', '', 'FAIL']);
    lines.push('', '### Checks', '', ...table(['check', 'value', 'expected', '\\|diff\\|', 'result'], rows));
  }
  return lines.join('\n') + '\n';
}

/**
 * A Markdown table; a | inside a cell is escaped, control characters (a line break) shown as
 * escapes, and <, > and & written as entities, so that a name such as `a<!--.json` cannot hide
 * the rest of a step summary (GitHub renders HTML in Markdown).
 */
function table(headers: string[], rows: string[][]): string[] {
  const cell = (c: string) => escapeControl(c).replace(/[&<>]/g, (ch) => ENTITIES[ch]).replace(/(?<!\\)\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)];
}

const code = (text: string) => (/^[-+0-9.einfa]+$/.test(text) ? `\`${text}\`` : text);
