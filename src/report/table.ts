/** Plain-text tables and numbers for the terminal: right-aligned columns, 7 significant digits. */
import type { Values } from '../values.js';
import { valueBlocks } from './blocks.js';

/** Shortest text that reads back as the same float64 (what Python's repr prints). */
export function formatNumber(v: number): string {
  return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
}

/** One line per value (`line` makes it, with its newline), handed out `perBlock` lines at a time. */
export function* linesInBlocks(values: ArrayLike<number> | Values, line: (i: number, v: number) => string, perBlock = 1 << 12): Generator<string> {
  for (const [data, start] of valueBlocks(values, perBlock)) {
    let block = '';
    for (let k = 0; k < data.length; k++) block += line(start + k, data[k]);
    yield block;
  }
}

/** `digits` significant digits, trailing zeros dropped. */
function significant(v: number, digits: number): string {
  if (!Number.isFinite(v)) return formatNumber(v);
  const s = v.toPrecision(digits);
  return s.includes('e') ? s.replace(/\.?0+e/, 'e') : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** 7 significant digits, enough to compare against PyTorch's printout. */
export const format7 = (v: number): string => significant(v, 7);

/** 4 significant digits, for labels such as histogram bin edges. */
export const format4 = (v: number): string => significant(v, 4);

export function percent(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : formatNumber(v);
}

/** Columns right-aligned under their headers, two spaces apart, indented by two. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => '  ' + cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  return [line(headers), ...rows.map(line)];
}
