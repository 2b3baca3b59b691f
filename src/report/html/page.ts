/**
 * The --report page: one self-contained HTML document (its style inline, its plots inline SVG,
 * no script, and a Content-Security-Policy that lets it load nothing), rendered from ReportData
 * alone. Every element a reader counts carries a class or a data attribute: `.banner` with
 * data-verdict, `.histogram`/`.confused` with data-bars and a `rect.bar` each, `.per-class`
 * with data-classes, `.reliability` with data-points and a `circle.point` each, `table.worst`
 * with data-rows and a `tr.sample` each.
 */
import { formatShape } from '../../tensor.js';
import { confusedPlot } from './confused.js';
import { html, raw, shortName, type Markup } from './escape.js';
import { banner, checksTable, inputsTable, lossTable, metricsTable, optionsTable } from './header.js';
import { histogramPlot } from './histogram.js';
import { perClassPlot } from './per-class.js';
import { reliabilityPlot } from './reliability.js';
import { STYLE } from './style.js';
import type { ReportData } from './types.js';
import { worstTable } from './worst.js';

export type { ReportData } from './types.js';

const POLICY = "default-src 'none'; style-src 'unsafe-inline'";

export function renderReport(d: ReportData): string {
  const logits = d.inputs[0];
  const title = `losscalc ${d.mode}${logits ? ` \u2014 ${logits.files.join(' + ')}` : ''}`;
  // a class's name, cut to NAME_CHARS (the per-sample files keep it whole)
  const name = (c: number) => shortName(d.classNames?.[c] ?? String(c));
  const b = d.breakdown;
  const unit = d.binary ? 'elements' : 'samples';
  const what = d.binary ? 'column' : 'class';
  const sections: Markup[] = [];
  if (b) {
    sections.push(section('histogram', 'Loss histogram', histogramPlot(b.histogram, unit)));
    sections.push(section('per-class', d.binary ? 'Per column (last dim)' : 'Per class', perClassPlot(b.perClass, d.binary ? String : name, what)));
  }
  const reliability = d.metrics && reliabilityPlot(d.metrics);
  if (reliability) sections.push(section('reliability', 'Reliability diagram', reliability));
  if (b?.confused) sections.push(section('confused', d.binary ? 'Mistakes (target \u2192 predicted)' : 'Most-confused classes', confusedPlot(b.confused, d.binary ? String : name, unit)));
  if (b) sections.push(section('worst', `Worst ${b.worst.length} ${unit}`, worstTable(b.worst, d.binary, name)));
  const head = html`<section class="section-head"><h1>${title}</h1>${banner(d)}<div class="summary"><div><h2>Loss</h2>${lossTable(d)}</div>${
    d.metrics ? html`<div><h2>Metrics</h2>${metricsTable(d.metrics)}</div>` : ''
  }<div><h2>Options</h2>${optionsTable(d)}</div></div><h2>Inputs</h2>${inputsTable(d)}${
    d.checks.length > 0 ? html`<h2>Checks</h2>${checksTable(d.checks)}` : ''
  }${d.warnings.length > 0 ? html`<h2>Warnings</h2><ul class="warnings">${d.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}${
    b ? '' : html`<p class="empty">The loss's shape ${formatShape(d.loss.shape)} has no per-sample breakdown to draw.</p>`
  }</section>`;
  return `<!DOCTYPE html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${POLICY}"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${raw(STYLE)}</style></head><body>${head}${sections}</body></html>`}\n`;
}

function section(kind: string, heading: string, body: Markup): Markup {
  return html`<section class="section-${kind}"><h2>${heading}</h2>${body}</section>`;
}
