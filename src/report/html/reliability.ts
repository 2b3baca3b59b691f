/**
 * The reliability diagram: for each calibration bin with samples, its mean accuracy against
 * its mean confidence, a dot whose area grows with the bin's count, a line from the diagonal
 * (perfect calibration) to the dot for the bin's gap, and the ECE and MCE above the plot. The bins are
 * --json's metrics.state.calibration: bins + 1 of them, the last holding the confidences of
 * exactly 1.0.
 */
import { format4, percent } from '../table.js';
import { FRAME, innerHeight, linear, n, svg, xAxis, yAxis } from './axes.js';
import { html, type Markup } from './escape.js';
import type { CalibrationState, Metrics } from '../../metrics/types.js';

const MAX_RADIUS = 12;

export function reliabilityPlot(metrics: Metrics): Markup | undefined {
  const cal = metrics.state?.calibration;
  if (!cal) return undefined;
  // room above the plot for the ECE and MCE, clear of a dot at 100% (MAX_RADIUS)
  const f = { ...FRAME, width: 420, height: 384, top: 40 };
  const side = innerHeight(f);
  const x = linear(0, 1, f.left, f.left + side);
  const y = linear(0, 1, f.height - f.bottom, f.top);
  const binsWith = cal.count.map((c, i) => i).filter((i) => cal.count[i] > 0);
  const most = Math.max(1, ...binsWith.map((i) => cal.count[i]));
  const points = binsWith.map((i) => {
    const count = cal.count[i];
    const conf = cal.confidenceSum[i] / count;
    const acc = cal.accuracySum[i] / count;
    // area by count: a bin with a quarter of the largest's samples has half its radius
    const r = Math.max(2, MAX_RADIUS * Math.sqrt(count / most));
    return html`<g class="bin" data-bin="${i}"><line class="gap" x1="${n(x(conf))}" y1="${n(y(conf))}" x2="${n(x(conf))}" y2="${n(y(acc))}"/><circle class="point" cx="${n(x(conf))}" cy="${n(y(acc))}" r="${n(r)}" data-count="${count}"><title>${binRange(cal, i)}: ${count} samples, confidence ${format4(conf)}, accuracy ${format4(acc)}</title></circle></g>`;
  });
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const summary = [`ECE ${format4(metrics.ece ?? NaN)}`, ...(metrics.mce !== undefined ? [`MCE ${format4(metrics.mce ?? NaN)}`] : [])].join(', ');
  return html`<figure class="plot">${svg(f, 'reliability diagram', [
    html`<line class="diagonal" x1="${n(x(0))}" y1="${n(y(0))}" x2="${n(x(1))}" y2="${n(y(1))}"/>`,
    html`<g class="reliability" data-points="${binsWith.length}" data-bins="${cal.bins}">${points}</g>`,
    html`<text class="title" x="${n(x(0))}" y="${n(f.top - MAX_RADIUS - 8)}">${summary}</text>`,
    xAxis(f, ticks, x, 'mean confidence', percent),
    yAxis(f, ticks, y, 'accuracy', percent),
  ])}<figcaption>Reliability: ${cal.bins} equal confidence bins (and one for a confidence of exactly 1); a dot per bin with samples, its area by count; the diagonal is perfect calibration. ${summary}.</figcaption></figure>`;
}

function binRange(cal: CalibrationState, i: number): string {
  return i < cal.bins ? `[${format4(cal.edges[i])}, ${format4(cal.edges[i + 1])})` : 'confidence 1';
}
