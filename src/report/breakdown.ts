/** --per-sample in the terminal: worst samples, per-class table, and a histogram of the losses. */
import { escapeControl } from '../errors.js';
import type { Breakdown, ClassRow, Histogram } from '../breakdown.js';
import { worstClasses } from '../breakdown/per-class.js';
import type { Paint } from './paint.js';
import { format4, format7, percent, table } from './table.js';

const BAR_WIDTH = 40;

/** `classes`: how many rows of the per-class table to show (per-class.ts worstClasses). */
export function renderBreakdown(b: Breakdown, binary: boolean, paint: Paint, classes: number): string[] {
  const lines: string[] = [];
  const unit = binary ? 'elements' : 'samples';
  lines.push('', paint.bold(`worst ${b.worst.length} ${unit}`));
  lines.push(
    ...table(
      ['index', binary ? 'target' : 'label', 'predicted', 'p(label)', 'loss'],
      b.worst.map((r) => [r.position, format7(r.label), String(r.predicted), format7(r.probability), format7(r.loss)]),
    ),
  );
  lines.push('', ...renderPerClass(b.perClass, binary, paint, classes));
  lines.push('', ...renderHistogram(b.histogram, paint));
  return lines;
}

/** The per-class table: the `k` classes with the highest mean loss, their names when known, and how many more there are. */
function renderPerClass(rows: ClassRow[], binary: boolean, paint: Paint, k: number): string[] {
  const { shown, more } = worstClasses(rows, k);
  const what = binary ? 'column' : 'class';
  const named = rows.some((r) => r.name !== undefined);
  const lines = [paint.bold(binary ? 'per column (last dim)' : 'per class')];
  lines.push(
    ...table(
      [what, ...(named ? ['name'] : []), 'count', 'mean loss', 'accuracy'],
      // a name's control characters (an escape sequence, a line break) shown as escapes, never sent to the terminal
      shown.map((c) => [String(c.class), ...(named ? [escapeControl(c.name ?? '')] : []), String(c.count), format7(c.meanLoss), percent(c.accuracy)]),
    ),
  );
  if (more > 0) lines.push(`  ... ${more} more ${more === 1 ? what : binary ? 'columns' : 'classes'} (--classes ${rows.length} shows them all)`);
  return lines;
}

export function renderHistogram(h: Histogram, paint: Paint): string[] {
  const total = h.counts.reduce((a, b) => a + b, 0);
  const lines = [paint.bold(`loss histogram (${total} finite${h.nonFinite ? `, ${h.nonFinite} non-finite` : ''})`)];
  const max = Math.max(1, ...h.counts);
  const ranges = h.counts.map((_, i) => `${format4(h.edges[i])} .. ${format4(h.edges[i + 1])}`);
  const width = Math.max(0, ...ranges.map((r) => r.length));
  h.counts.forEach((n, i) => {
    const bar = '█'.repeat(Math.round((n / max) * BAR_WIDTH)) || (n > 0 ? '▏' : '');
    lines.push(`  ${ranges[i].padStart(width)} │${bar} ${n}`);
  });
  return lines;
}
