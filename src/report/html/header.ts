/**
 * The report's head: the verdict banner (PASS, FAIL, or no check made), the files read (shape,
 * dtype, SHA-256), the options, the loss, the metrics and every check with its numbers.
 */
import type { Check } from '../../checks.js';
import { formatShape } from '../../tensor.js';
import { format7, formatNumber, percent } from '../table.js';
import { html, type Markup } from './escape.js';
import type { Metrics } from '../../metrics/types.js';
import type { ReportData } from './types.js';

export function banner(d: ReportData): Markup {
  const checked = d.checks.length > 0 || d.unchecked !== undefined;
  const failed = d.checks.filter((c) => !c.ok).length;
  const [verdict, why] = !checked
    ? ['NO CHECK', 'no --expect, --reference or check mode: nothing was compared']
    : d.ok
      ? ['PASS', d.checks.length === 1 ? 'the check passed' : `all ${d.checks.length} checks passed`]
      : ['FAIL', d.unchecked ? `nothing was checked: ${d.unchecked}` : d.checks.length === 1 ? 'the check failed' : `${failed} of ${d.checks.length} checks failed`];
  const kind = verdict === 'NO CHECK' ? 'none' : verdict.toLowerCase();
  return html`<div class="banner ${kind}" data-verdict="${verdict}"><strong>${verdict}</strong> <span>${why}</span></div>`;
}

export function inputsTable(d: ReportData): Markup {
  const rows = d.inputs.flatMap((input) =>
    input.files.map(
      (file, i) =>
        html`<tr class="input"><td>${input.role}</td><td class="file">${file}</td><td>${i === 0 ? formatShape(input.shape) : ''}</td><td>${i === 0 ? input.dtype : ''}</td><td class="digest">${input.digests[i] ?? ''}</td></tr>`,
    ),
  );
  return html`<table class="inputs"><thead><tr><th>input</th><th>file</th><th>shape</th><th>dtype</th><th>SHA-256</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function optionsTable(d: ReportData): Markup {
  return keyValues('options', [['losscalc', d.version], ['mode', d.mode], ...d.options]);
}

export function lossTable(d: ReportData): Markup {
  const l = d.loss;
  const value = l.value === null ? `${l.count} values of shape ${formatShape(l.shape)}, sum ${formatNumber(l.sum)}` : formatNumber(l.value);
  const rows: [string, string][] = [[`loss (${l.reduction})`, value], ['contributing', String(l.count)]];
  for (const [way, v] of d.ways ?? []) rows.push([way, v === null ? 'unreduced' : formatNumber(v)]);
  for (const [way, why] of d.skipped ?? []) rows.push([way, `skipped: ${why}`]);
  return keyValues('loss', rows);
}

export function metricsTable(m: Metrics): Markup {
  const rows: [string, string][] = [['samples counted', String(m.count)]];
  const add = (name: string, v: number | null | undefined, show: (v: number) => string = format7) => {
    if (v === undefined) return;
    rows.push([name, v === null ? `skipped${m.notes?.[name] ? `: ${m.notes[name]}` : ''}` : show(v)]);
  };
  add('accuracy', m.accuracy, percent);
  for (const [k, v] of Object.entries(m.topkAccuracy ?? {})) add(`top-${k} accuracy`, v, percent);
  add('perplexity', m.perplexity);
  add('ece', m.ece);
  add('mce', m.mce);
  add('brier', m.brier);
  add('entropy', m.entropy);
  return keyValues('metrics', rows);
}

export function checksTable(checks: Check[]): Markup {
  return html`<table class="checks" data-checks="${checks.length}"><thead><tr><th></th><th>check</th><th>value</th><th>reference</th><th>|diff|</th></tr></thead><tbody>${checks.map(
    (c) =>
      html`<tr class="check ${c.ok ? 'pass' : 'fail'}"><td class="verdict">${c.ok ? 'PASS' : 'FAIL'}</td><td>${c.name}${c.index === undefined ? '' : ` at [${c.index}]`}${c.note ? html`<br><small>${c.note}</small>` : ''}</td><td class="num">${formatNumber(c.a)}</td><td class="num">${formatNumber(c.b)}</td><td class="num">${formatNumber(c.diff)}</td></tr>`,
  )}</tbody></table>`;
}

function keyValues(kind: string, rows: [string, string][]): Markup {
  return html`<table class="key-values ${kind}"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}
