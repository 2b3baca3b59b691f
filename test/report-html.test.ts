/**
 * The --report page from made-up ReportData: what each plot draws, escaping, the empty and
 * non-finite cases, many classes, the verdict banner, and that nothing in it loads anything.
 */
import { describe, expect, it } from 'vitest';
import type { Breakdown, ClassRow } from '../src/breakdown.js';
import { renderReport, type ReportData } from '../src/report/html/page.js';
import { NAME_CHARS, shortName } from '../src/report/html/escape.js';
import type { Metrics } from '../src/metrics/types.js';

const breakdown = (over: Partial<Breakdown> = {}): Breakdown => ({
  worst: [
    { index: 4, position: '4', label: 2, predicted: 0, probability: 0.1, loss: 2.3 },
    { index: 1, position: '1', label: 0, predicted: 0, probability: 0.6, loss: 0.51 },
  ],
  perClass: [
    { class: 0, count: 3, meanLoss: 0.4, accuracy: 1 },
    { class: 2, count: 2, meanLoss: 1.7, accuracy: 0.5 },
  ],
  histogram: { edges: [0.1, 0.7, 1.3, 1.9, 2.5], counts: [3, 0, 1, 1], nonFinite: 0 },
  confused: { pairs: [{ label: 2, predicted: 0, count: 1 }], errors: 1, undercount: 0 },
  ...over,
});

const data = (over: Partial<ReportData> = {}): ReportData => ({
  version: '9.9.9',
  mode: 'cross-entropy',
  inputs: [
    { role: 'logits', files: ['logits.npy'], digests: ['ab'.repeat(32)], shape: [5, 3], dtype: 'float32' },
    { role: 'labels', files: ['labels.npy'], digests: ['cd'.repeat(32)], shape: [5], dtype: 'int64' },
  ],
  options: [['reduction', 'mean']],
  loss: { reduction: 'mean', value: 1.0862, count: 5, sum: 5.431, shape: [5] },
  checks: [],
  ok: true,
  warnings: [],
  binary: false,
  breakdown: breakdown(),
  ...over,
});

/** The opening tags of elements with this class (a class attribute holding the word). */
function tags(page: string, cls: string, element = '[a-z]+'): string[] {
  return page.match(new RegExp(`<${element}\\b[^>]*\\bclass="(?:[^"]* )?${cls}(?: [^"]*)?"[^>]*>`, 'g')) ?? [];
}

function attribute(tag: string, name: string): string | undefined {
  return tag.match(new RegExp(`\\b${name}="([^"]*)"`))?.[1];
}

const declared = (page: string, cls: string, name: string) => attribute(tags(page, cls)[0] ?? '', name);

describe('renderReport', () => {
  it('draws a bar per histogram bin, per class (loss and accuracy), per confused pair, and a row per worst sample', () => {
    const page = renderReport(data());
    expect(declared(page, 'histogram', 'data-bars')).toBe('4');
    expect(page.match(/<g class="histogram"[^]*?<\/g><g class="axis/)![0].match(/<rect class="bar"/g)).toHaveLength(4);
    expect(declared(page, 'per-class', 'data-classes')).toBe('2');
    expect(tags(page, 'loss', 'rect')).toHaveLength(2);
    expect(tags(page, 'accuracy', 'rect')).toHaveLength(2);
    expect(declared(page, 'confused', 'data-bars')).toBe('1');
    expect(declared(page, 'worst', 'data-rows')).toBe('2');
    expect(tags(page, 'sample', 'tr')).toHaveLength(2);
    // the class of highest mean loss first
    expect(tags(page, 'class-row', 'g').map((t) => attribute(t, 'data-class'))).toEqual(['2', '0']);
    expect(tags(page, 'input', 'tr')).toHaveLength(2);
    expect(page).toContain('ab'.repeat(32));
  });

  it('is self-contained: no script, no external resource, a policy that loads nothing, prints without backgrounds', () => {
    const page = renderReport(data({ metrics: metrics() }));
    expect(page).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import|@font-face/i);
    // the only address is SVG's namespace, which is a name and never loaded
    expect(page.match(/https?:\/\/[^"]*/g)).toEqual(expect.arrayContaining(['http://www.w3.org/2000/svg']));
    expect(new Set(page.match(/https?:\/\/[^"]*/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(page).toContain(`content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;"`);
    expect(page).toMatch(/@media print \{[^}]*\}\s*section \{ break-before: page; \}/);
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('escapes file names, class names, options and warnings', () => {
    const evil = `a<b>&"c'.npy`;
    const page = renderReport(
      data({
        inputs: [{ role: 'logits', files: [evil], digests: ['00'], shape: [5, 3], dtype: 'float32' }],
        options: [['--weight', evil]],
        warnings: [`<script>alert("x")</script>`],
        classNames: ['cat & dog', '<b>', `"quoted" 'name'`],
      }),
    );
    expect(page).not.toContain(evil);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<b>');
    expect(page).toContain('a&lt;b&gt;&amp;&quot;c&#39;.npy');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // class 2's name in the per-class plot, the confused pair and the worst table; class 0's too
    expect(page).toContain('&quot;quoted&quot; &#39;name&#39;');
    expect(page).toContain('cat &amp; dog');
    expect(page).toContain('&quot;quoted&quot; &#39;name&#39; \u2192 cat &amp; dog');
  });

  it('shows control characters in names as escapes, and cuts long names with an ellipsis', () => {
    const long = 'x'.repeat(5000);
    const page = renderReport(data({ classNames: [`\u001b[2J\u001b[31mEVIL\u0007`, 'ok', long], warnings: ['line\nbreak'] }));
    // eslint-disable-next-line no-control-regex
    expect(page.match(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g)).toBeNull();
    expect(page).toContain('\\x1b[2J\\x1b[31mEVIL\\x07');
    expect(page).toContain('line\\nbreak');
    expect(page).not.toContain('x'.repeat(NAME_CHARS));
    expect(page).toContain(`${'x'.repeat(NAME_CHARS - 1)}\u2026`);
    expect(shortName('y'.repeat(NAME_CHARS))).toBe('y'.repeat(NAME_CHARS));
  });

  it('says so when every sample was ignored: no bars, no rows, no NaN in any attribute', () => {
    const empty = breakdown({ worst: [], perClass: [], histogram: { edges: [], counts: [], nonFinite: 0 }, confused: { pairs: [], errors: 0, undercount: 0 } });
    const page = renderReport(data({ breakdown: empty, loss: { reduction: 'mean', value: NaN, count: 0, sum: 0, shape: [5] } }));
    expect(declared(page, 'histogram', 'data-bars')).toBe('0');
    expect(tags(page, 'bar')).toHaveLength(0);
    expect(declared(page, 'per-class', 'data-classes')).toBe('0');
    expect(declared(page, 'worst', 'data-rows')).toBe('0');
    expect(page).toContain('No finite loss to draw.');
    expect(page).toContain('Nothing was predicted wrong.');
    expect(page).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/);
    expect(page).toContain('<td>nan</td>');
  });

  it('draws NaN and infinite losses as left out of the histogram and a NaN mean as the worst class, with finite geometry', () => {
    const b = breakdown({
      perClass: [
        { class: 0, count: 3, meanLoss: 0.4, accuracy: 1 },
        { class: 1, count: 2, meanLoss: NaN, accuracy: 0 },
        { class: 2, count: 1, meanLoss: Infinity, accuracy: 0 },
      ],
      histogram: { edges: [0.2, 0.4], counts: [2], nonFinite: 3 },
      worst: [{ index: 3, position: '3', label: 1, predicted: 0, probability: NaN, loss: NaN }],
    });
    const page = renderReport(data({ breakdown: b }));
    expect(page).toContain('3 not finite (NaN or infinite) left out');
    expect(tags(page, 'class-row', 'g').map((t) => attribute(t, 'data-class'))).toEqual(['1', '2', '0']);
    expect(page).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/);
    expect(declared(page, 'histogram', 'data-bars')).toBe('1');
  });

  it('draws one class, and one histogram bin when every loss is the same', () => {
    const b = breakdown({
      perClass: [{ class: 0, count: 4, meanLoss: 0.3, accuracy: 0.75 }],
      histogram: { edges: [0.3, 0.3], counts: [4], nonFinite: 0 },
    });
    const page = renderReport(data({ breakdown: b }));
    expect(declared(page, 'per-class', 'data-classes')).toBe('1');
    expect(tags(page, 'loss', 'rect')).toHaveLength(1);
    expect(declared(page, 'histogram', 'data-bars')).toBe('1');
    expect(Number(attribute(tags(page, 'bar', 'rect')[0], 'width'))).toBeGreaterThan(10);
  });

  it('draws only the 20 classes of highest mean loss of many, and says how many are left out', () => {
    const rows: ClassRow[] = Array.from({ length: 1000 }, (_, c) => ({ class: c, count: 5, meanLoss: ((c * 7919) % 1000) / 100, accuracy: 0.5 }));
    const page = renderReport(data({ breakdown: breakdown({ perClass: rows }) }));
    expect(declared(page, 'per-class', 'data-classes')).toBe('20');
    expect(declared(page, 'per-class', 'data-left-out')).toBe('980');
    expect(tags(page, 'loss', 'rect')).toHaveLength(20);
    const drawn = tags(page, 'class-row', 'g').map((t) => Number(attribute(t, 'data-class')));
    const highest = [...rows].sort((a, b) => b.meanLoss - a.meanLoss).slice(0, 20).map((r) => r.class);
    expect(drawn).toEqual(highest);
    expect(page).toContain('980 more not drawn');
  });

  it('draws the reliability diagram from the metrics: a point per bin with samples, the diagonal, the ECE', () => {
    const page = renderReport(data({ metrics: metrics() }));
    expect(declared(page, 'reliability', 'data-points')).toBe('3');
    expect(tags(page, 'point', 'circle')).toHaveLength(3);
    expect(tags(page, 'diagonal', 'line')).toHaveLength(1);
    expect(page).toContain('ECE 0.0312');
    // a bigger bin, a bigger dot
    const radius = tags(page, 'point', 'circle').map((t) => Number(attribute(t, 'r')));
    expect(radius[1]).toBeGreaterThan(radius[0]);
    expect(page).toMatch(/<th>accuracy<\/th><td>91\.0%<\/td>/);
    expect(page).toMatch(/<th>perplexity<\/th><td>skipped: not with --weight<\/td>/);
    // without metrics, no diagram and no metric rows
    const without = renderReport(data());
    expect(tags(without, 'reliability')).toHaveLength(0);
    expect(without).not.toContain('Metrics');
  });

  it('shows a PASS, FAIL or NO CHECK banner from the checks', () => {
    const check = (ok: boolean) => ({ name: 'expect', a: 1, b: ok ? 1 : 2, diff: ok ? 0 : 1, ok });
    const verdict = (d: ReportData) => declared(renderReport(d), 'banner', 'data-verdict');
    expect(verdict(data())).toBe('NO CHECK');
    expect(verdict(data({ checks: [check(true)] }))).toBe('PASS');
    expect(verdict(data({ checks: [check(true), check(false)], ok: false }))).toBe('FAIL');
    expect(verdict(data({ unchecked: 'every way was skipped', ok: false }))).toBe('FAIL');
    const failed = renderReport(data({ checks: [check(true), check(false)], ok: false }));
    expect(failed).toContain('1 of 2 checks failed');
    expect(tags(failed, 'fail', 'tr')).toHaveLength(1);
  });

  it('notes an approximate count of confused pairs', () => {
    const page = renderReport(data({ breakdown: breakdown({ confused: { pairs: [{ label: 2, predicted: 0, count: 7 }], errors: 9, undercount: 2 } }) }));
    expect(page).toContain('each may be up to 2 below the true count');
  });
});

/** Calibration made up: 15 bins and the one for 1.0, three of them with samples. */
function metrics(): Metrics {
  const bins = 15;
  const count = new Array(bins + 1).fill(0);
  const confidenceSum = new Array(bins + 1).fill(0);
  const accuracySum = new Array(bins + 1).fill(0);
  [
    [3, 10, 2.3, 2],
    [9, 40, 25.1, 24],
    [15, 5, 5, 5],
  ].forEach(([i, n, c, a]) => ([count[i], confidenceSum[i], accuracySum[i]] = [n, c, a]));
  const edges = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  return {
    count: 55,
    accuracy: 0.91,
    topkAccuracy: {},
    perplexity: null,
    ece: 0.0312,
    mce: 0.12,
    brier: 0.2,
    entropy: 0.7,
    notes: { perplexity: 'not with --weight' },
    state: { hits: 50, topkHits: {}, calibration: { bins, edges, count, confidenceSum, accuracySum }, brierSum: 11, entropySum: 38.5 },
  };
}
