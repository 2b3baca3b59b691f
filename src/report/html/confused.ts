/** The most-confused class pairs, label -> predicted, as horizontal bars of their counts. */
import type { Confusions } from '../../breakdown/confused.js';
import { linear, n, niceTicks, svg, type Frame } from './axes.js';
import { html, type Markup } from './escape.js';

const ROW = 20;
export const ARROW = ' \u2192 ';

export function confusedPlot(c: Confusions, name: (cls: number) => string, unit: string): Markup {
  const approx = c.undercount > 0 ? html` Counts are the Misra-Gries summary's: each may be up to ${c.undercount} below the true count.` : '';
  const caption = html`<figcaption>The ${c.pairs.length} most frequent mistakes (label${ARROW}predicted) of ${c.errors} ${unit} predicted wrong.${approx}</figcaption>`;
  if (c.pairs.length === 0) return html`<figure class="plot"><div class="confused" data-bars="0"><p class="empty">Nothing was predicted wrong.</p></div>${caption}</figure>`;
  const f: Frame = { width: 640, height: 24 + c.pairs.length * ROW + 8, left: 220, right: 56, top: 24, bottom: 8 };
  const max = c.pairs[0].count;
  const ticks = niceTicks(0, max, 4).filter(Number.isInteger);
  const x = linear(0, Math.max(max, ticks[ticks.length - 1]), f.left, f.width - f.right);
  const bars = c.pairs.map((p, i) => {
    const y = f.top + i * ROW;
    const label = `${name(p.label)}${ARROW}${name(p.predicted)}`;
    return html`<g class="pair" data-label="${p.label}" data-predicted="${p.predicted}"><text class="label" x="${n(f.left - 6)}" y="${n(y + 14)}" text-anchor="end">${label}</text><rect class="bar" x="${n(f.left)}" y="${n(y + 3)}" width="${n(Math.max(1, x(p.count) - f.left))}" height="${ROW - 6}" data-count="${p.count}"><title>${label}: ${p.count}</title></rect><text class="value" x="${n(x(p.count) + 4)}" y="${n(y + 14)}">${p.count}</text></g>`;
  });
  const tickMarks = ticks.map((v) => html`<text class="tick" x="${n(x(v))}" y="16" text-anchor="middle">${v}</text>`);
  return html`<figure class="plot">${svg(f, 'most-confused class pairs', [html`<g class="confused" data-bars="${c.pairs.length}">${bars}</g>`, ...tickMarks])}${caption}</figure>`;
}
