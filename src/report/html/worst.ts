/** The worst-k samples table, worst first, as the terminal's --top table. */
import type { SampleRow } from '../../breakdown.js';
import { format7 } from '../table.js';
import { html, type Markup } from './escape.js';

export function worstTable(rows: SampleRow[], binary: boolean, name: (c: number) => string): Markup {
  const head = ['index', binary ? 'target' : 'label', 'predicted', 'p(label)', 'loss'];
  const label = (v: number) => (binary ? format7(v) : name(v));
  const predicted = (v: number) => (binary ? String(v) : name(v));
  return html`<table class="worst" data-rows="${rows.length}"><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr class="sample"><td>${r.position}</td><td>${label(r.label)}</td><td>${predicted(r.predicted)}</td><td class="num">${format7(r.probability)}</td><td class="num">${format7(r.loss)}</td></tr>`,
  )}</tbody></table>`;
}
