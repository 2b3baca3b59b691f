/**
 * What the plots share: a frame of fixed size in SVG units (the SVG scales to the page), linear
 * and log scales, round tick values, and axes with their ticks and labels. Every number put
 * into an attribute goes through `n`, so a NaN or an infinity never reaches the markup.
 */
import { format4 } from '../table.js';
import { html, type Markup } from './escape.js';

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const FRAME: Frame = { width: 640, height: 280, left: 64, right: 16, top: 16, bottom: 48 };

/** Inner width and height: where the data is drawn. */
export const innerWidth = (f: Frame) => f.width - f.left - f.right;
export const innerHeight = (f: Frame) => f.height - f.top - f.bottom;

/** An attribute's number: finite, two decimals at most; anything else 0. */
export function n(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0';
}

/** [lo, hi] onto [a, b]; an empty domain maps everything to a. */
export function linear(lo: number, hi: number, a: number, b: number): (v: number) => number {
  return (v) => (hi > lo ? a + ((v - lo) / (hi - lo)) * (b - a) : a);
}

/**
 * Counts on a log scale that shows 0: log10(1 + count) over log10(1 + max) onto [a, b], so
 * a bin of 1 is visible beside one of a million.
 */
export function logCounts(max: number, a: number, b: number): (count: number) => number {
  const top = Math.log10(1 + Math.max(1, max));
  return (c) => a + (Math.log10(1 + Math.max(0, c)) / top) * (b - a);
}

/** The powers of ten from 1 up to the first at or above `max` (0 first): a log axis's ticks. */
export function powerTicks(max: number): number[] {
  const ticks = [0];
  for (let p = 1; ticks.length < 12; p *= 10) {
    ticks.push(p);
    if (p >= max) break;
  }
  return ticks;
}

/** About `count` round values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(hi - lo)) return Number.isFinite(lo) ? [lo] : [];
  const rough = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

/** A horizontal axis at the frame's bottom: a tick and label at each value, and the axis's title. */
export function xAxis(f: Frame, ticks: number[], x: (v: number) => number, title: string, label = format4): Markup {
  const y = f.height - f.bottom;
  return html`<g class="axis x-axis"><line x1="${n(f.left)}" y1="${n(y)}" x2="${n(f.width - f.right)}" y2="${n(y)}"/>${ticks.map(
    (v) =>
      html`<g class="tick"><line x1="${n(x(v))}" y1="${n(y)}" x2="${n(x(v))}" y2="${n(y + 5)}"/><text x="${n(x(v))}" y="${n(y + 18)}" text-anchor="middle">${label(v)}</text></g>`,
  )}<text class="title" x="${n(f.left + innerWidth(f) / 2)}" y="${n(f.height - 6)}" text-anchor="middle">${title}</text></g>`;
}

/** A vertical axis at the frame's left, as xAxis. */
export function yAxis(f: Frame, ticks: number[], y: (v: number) => number, title: string, label = format4): Markup {
  const x = f.left;
  return html`<g class="axis y-axis"><line x1="${n(x)}" y1="${n(f.top)}" x2="${n(x)}" y2="${n(f.height - f.bottom)}"/>${ticks.map(
    (v) =>
      html`<g class="tick"><line x1="${n(x - 5)}" y1="${n(y(v))}" x2="${n(x)}" y2="${n(y(v))}"/><text x="${n(x - 8)}" y="${n(y(v) + 4)}" text-anchor="end">${label(v)}</text></g>`,
  )}<text class="title" transform="translate(14 ${n(f.top + innerHeight(f) / 2)}) rotate(-90)" text-anchor="middle">${title}</text></g>`;
}

/** The <svg> element around a plot's parts, described for screen readers. */
export function svg(f: Frame, label: string, parts: Markup[]): Markup {
  return html`<svg viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">${parts}</svg>`;
}

