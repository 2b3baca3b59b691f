/** The loss histogram: a bar per bin of the breakdown's histogram, counts on a log scale. */
import type { Histogram } from '../../breakdown.js';
import { FRAME, innerWidth, linear, logCounts, n, niceTicks, powerTicks, svg, xAxis, yAxis } from './axes.js';
import { html, type Markup } from './escape.js';

export function histogramPlot(h: Histogram, unit: string): Markup {
  const total = h.counts.reduce((a, b) => a + b, 0);
  const nonFinite = h.nonFinite ? `, ${h.nonFinite} not finite (NaN or infinite) left out` : '';
  const caption = html`<figcaption>Loss of each of ${total} ${unit} with a finite loss, in ${h.counts.length} equal bins${nonFinite}; counts on a log scale.</figcaption>`;
  if (h.counts.length === 0) {
    return html`<figure class="plot"><div class="histogram" data-bars="0"><p class="empty">No finite loss to draw.</p></div>${caption}</figure>`;
  }
  const f = FRAME;
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  // one bin when every loss is the same: drawn over a unit range around it
  const [from, to] = hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
  const x = linear(from, to, f.left, f.width - f.right);
  // the scale's top is the first power of ten at or above the largest count: every tick is on it
  const ticks = powerTicks(Math.max(...h.counts));
  const y = logCounts(ticks[ticks.length - 1], f.height - f.bottom, f.top);
  const bars = h.counts.map((count, i) => {
    const [a, b] = hi > lo ? [x(h.edges[i]), x(h.edges[i + 1])] : [f.left + innerWidth(f) / 4, f.width - f.right - innerWidth(f) / 4];
    const range = `${h.edges[i]} .. ${h.edges[i + 1] ?? h.edges[i]}`;
    return html`<rect class="bar" x="${n(a + 1)}" y="${n(y(count))}" width="${n(Math.max(1, b - a - 2))}" height="${n(f.height - f.bottom - y(count))}" data-count="${count}"><title>${range}: ${count}</title></rect>`;
  });
  return html`<figure class="plot">${svg(f, 'loss histogram', [
    html`<g class="histogram" data-bars="${h.counts.length}">${bars}</g>`,
    xAxis(f, niceTicks(from, to), x, 'loss'),
    yAxis(f, ticks, y, `${unit} (log scale)`),
  ])}${caption}</figure>`;
}
