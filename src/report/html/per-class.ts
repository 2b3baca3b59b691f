/**
 * Per-class mean loss and accuracy, a row per class: bars of the mean loss on the left, of the
 * accuracy (0 to 100%) on the right. With many classes only the DRAWN with the highest mean
 * loss are drawn (a NaN mean first, as the worst), and the plot says how many are left out.
 */
import type { ClassRow } from '../../breakdown.js';
import { format4, percent } from '../table.js';
import { linear, n, niceTicks, svg, type Frame } from './axes.js';
import { html, type Markup } from './escape.js';

export const DRAWN = 20;
const ROW = 20;

/** The rows drawn: the DRAWN classes of highest mean loss, in that order. */
export function worstClasses(rows: ClassRow[], drawn = DRAWN): ClassRow[] {
  const key = (r: ClassRow) => (Number.isNaN(r.meanLoss) ? Infinity : r.meanLoss);
  return [...rows].sort((a, b) => key(b) - key(a) || a.class - b.class).slice(0, drawn);
}

export function perClassPlot(rows: ClassRow[], name: (c: number) => string, what: string): Markup {
  const shown = worstClasses(rows);
  const left = rows.length - shown.length;
  const note = left > 0 ? html` The ${shown.length} ${what}es of highest mean loss of ${rows.length}; ${left} more not drawn.` : '';
  const caption = html`<figcaption>Mean loss and accuracy per ${what}, highest mean loss first.${note}</figcaption>`;
  if (shown.length === 0) return html`<figure class="plot"><div class="per-class" data-classes="0" data-left-out="0"><p class="empty">No ${what} to draw.</p></div>${caption}</figure>`;
  const f: Frame = { width: 640, height: 40 + shown.length * ROW + 8, left: 140, right: 28, top: 40, bottom: 8 };
  const gap = 56; // the mean loss written between the panels
  const panel = (f.width - f.left - f.right - gap) / 2;
  const maxLoss = Math.max(0, ...shown.map((r) => r.meanLoss).filter(Number.isFinite));
  const lossTicks = niceTicks(0, maxLoss || 1, 3);
  const lossX = linear(0, Math.max(maxLoss, lossTicks[lossTicks.length - 1]) || 1, f.left, f.left + panel);
  const accX = linear(0, 1, f.left + panel + gap, f.width - f.right);
  const rowY = (i: number) => f.top + i * ROW;
  const parts = shown.map((r, i) => {
    const y = rowY(i);
    const loss = Number.isFinite(r.meanLoss) ? r.meanLoss : maxLoss;
    return html`<g class="class-row" data-class="${r.class}"><text class="label" x="${n(f.left - 6)}" y="${n(y + 14)}" text-anchor="end">${name(r.class)}</text><rect class="bar loss" x="${n(f.left)}" y="${n(y + 3)}" width="${n(lossX(loss) - f.left)}" height="${ROW - 6}"><title>${name(r.class)}: mean loss ${format4(r.meanLoss)} over ${r.count}</title></rect><rect class="bar accuracy" x="${n(accX(0))}" y="${n(y + 3)}" width="${n(accX(r.accuracy) - accX(0))}" height="${ROW - 6}"><title>${name(r.class)}: accuracy ${percent(r.accuracy)} of ${r.count}</title></rect><text class="value" x="${n(accX(0) - 4)}" y="${n(y + 14)}" text-anchor="end">${format4(r.meanLoss)}</text></g>`;
  });
  const heads = html`<text class="title" x="${n(f.left)}" y="14">mean loss</text><text class="title" x="${n(accX(0))}" y="14">accuracy</text>`;
  const ticks = [
    ...lossTicks.map((v) => html`<text class="tick" x="${n(lossX(v))}" y="32" text-anchor="middle">${format4(v)}</text>`),
    ...[0, 0.5, 1].map((v) => html`<text class="tick" x="${n(accX(v))}" y="32" text-anchor="middle">${percent(v)}</text>`),
  ];
  return html`<figure class="plot">${svg(f, `per-${what} mean loss and accuracy`, [
    html`<g class="per-class" data-classes="${shown.length}" data-left-out="${left}">${parts}</g>`,
    heads,
    ...ticks,
  ])}${caption}</figure>`;
}
