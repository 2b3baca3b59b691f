/** compare's output: a short verdict, the difference statistics, the first mismatches. */
import type { Comparison } from '../compare.js';
import type { CompareOptions } from '../options.js';
import { formatShape } from '../tensor.js';
import { jsonNumber } from './json.js';
import type { Paint } from './paint.js';
import { format7, formatNumber, table } from './table.js';

export function renderCompare(c: Comparison, opts: CompareOptions, paint: Paint): string {
  const { rtol, atol, equalNan } = opts.tolerance;
  const rule = `|a - b| <= ${atol} + ${rtol} * |b|${equalNan ? ', NaN == NaN' : ''}`;
  if (c.shapes) {
    return paint.bad(`shapes differ: ${opts.a} is ${formatShape(c.shapes.a)}, ${opts.b} is ${formatShape(c.shapes.b)}`) + '\n';
  }
  const share = c.count ? ` (${format7((100 * c.mismatches) / c.count)}%)` : '';
  const lines = [
    c.ok ? paint.ok(`all ${c.count} elements close`) : paint.bad(`${c.mismatches} of ${c.count} elements differ${share}`),
    paint.dim(`  ${rule}`),
    `  max |a - b|      ${format7(c.maxAbsDiff)}`,
    `  max |a - b|/|b|  ${format7(c.maxRelDiff)}`,
    `  mean |a - b|     ${format7(c.meanAbsDiff)}`,
    `  median |a - b|   ${format7(c.medianAbsDiff)}`,
  ];
  if (c.firstMismatches.length > 0) {
    lines.push('', paint.bold(`first ${c.firstMismatches.length} mismatches`));
    lines.push(
      ...table(
        ['index', 'a', 'b', '|a - b|'],
        c.firstMismatches.map((m) => [String(m.index), value(m.a), value(m.b), format7(m.absDiff)]),
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** An integer beyond 2^53 as written (exact), any other value as Python prints it. */
function value(v: number | bigint): string {
  return typeof v === 'bigint' ? String(v) : formatNumber(v);
}

/** Integers beyond 2^53 go into the JSON as exact integer literals, which JSON allows. */
const BIG = '\u0000bigint:';

export function renderCompareJson(c: Comparison): string {
  const jsonValue = (v: number | bigint) => (typeof v === 'bigint' ? `${BIG}${v}` : jsonNumber(v));
  const text = JSON.stringify({
    ...c,
    maxAbsDiff: jsonNumber(c.maxAbsDiff),
    maxRelDiff: jsonNumber(c.maxRelDiff),
    meanAbsDiff: jsonNumber(c.meanAbsDiff),
    medianAbsDiff: jsonNumber(c.medianAbsDiff),
    firstMismatches: c.firstMismatches.map((m) => ({ index: m.index, a: jsonValue(m.a), b: jsonValue(m.b), absDiff: jsonNumber(m.absDiff) })),
  });
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1') + '\n';
}
