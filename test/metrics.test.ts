/**
 * --metrics against PyTorch (fixtures/metrics.json, scripts/make_metrics_fixtures.py): every
 * case through the CLI, each metric at rtol 1e-12 and the counts exactly; the calibration's
 * float32 edges value for value as torch.linspace gives them; the bins' rule at the edges.
 */
import { describe, expect, it } from 'vitest';
import { binEdges, binOf, calibrationErrors } from '../src/metrics/calibration.js';
import { labelRank } from '../src/metrics/ranks.js';
import { resolveArgv } from './cases.js';
import { runCli } from './helpers.js';
import { expectMetrics, fixtures } from './metrics-expected.js';

describe('metrics match PyTorch (torchmetrics definitions)', () => {
  it('has cases', () => expect(fixtures.cases.length).toBeGreaterThan(20));
  for (const c of fixtures.cases) {
    it(`${c.name}: ${c.note}`, async () => {
      const r = await runCli([...resolveArgv(c.argv), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expectMetrics(JSON.parse(r.stdout).metrics, c.expected);
    });
  }
});

describe('calibration bins', () => {
  it('edges are torch.linspace(0, 1, bins + 1, dtype=float32), value for value', () => {
    const counts = Object.keys(fixtures.edges);
    expect(counts.length).toBeGreaterThan(100);
    for (const bins of counts) expect(binEdges(Number(bins)), `${bins} bins`).toEqual(fixtures.edges[bins]);
  });

  it('a bin holds [lo, hi): an edge goes up, 1.0 past the last edge, NaN last', () => {
    const e = binEdges(15);
    expect(binOf(e[3], e)).toBe(3);
    expect(binOf(e[3] - 1e-12, e)).toBe(2);
    expect(binOf(0, e)).toBe(0);
    expect(binOf(1, e)).toBe(15);
    expect(binOf(NaN, e)).toBe(15);
  });

  it('a bin is bucketize(right=True) - 1: the number of edges <= v, less one, for values on, beside and between the edges', () => {
    for (const bins of [1, 2, 7, 10, 15, 33, 100, 999, 1000]) {
      const e = binEdges(bins);
      const values = e.flatMap((x, i) => [x, x - 2 ** -40, x + 2 ** -40, Math.fround(x - 2 ** -30), (x + (e[i + 1] ?? 1)) / 2]);
      for (const v of values.filter((v) => v >= 0)) {
        const expected = e.filter((x) => x <= v).length - 1;
        if (binOf(v, e) !== expected) expect(`${bins} bins, ${v}: bin ${binOf(v, e)}`).toBe(`${bins} bins, ${v}: bin ${expected}`);
      }
    }
  });

  it('ECE and MCE of no samples: NaN and 0, as torchmetrics', () => {
    const z = new Array<number>(3).fill(0);
    expect(calibrationErrors({ bins: 2, edges: [0, 0.5, 1], count: z, confidenceSum: z, accuracySum: z })).toEqual({ ece: NaN, mce: 0 });
  });
});

describe('top-k tie rule', () => {
  const rank = (row: number[], y: number) => labelRank(Float64Array.from(row), 0, row.length, 1, y);
  it('counts every class scoring at least the label, itself included', () => {
    expect(rank([3, 2, 2, 1], 1)).toBe(3); // tied at 2nd/3rd: a top-2 miss, a top-3 hit
    expect(rank([3, 2, 1, 1], 1)).toBe(2);
    expect(rank([1, 1, 1], 0)).toBe(3);
  });
  it('NaN ranks above every number, and ties with NaN', () => {
    expect(rank([NaN, 5, 1], 1)).toBe(2);
    expect(rank([NaN, 5, NaN], 0)).toBe(2);
  });
});
