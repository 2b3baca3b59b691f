/**
 * The most-confused pairs' sink (src/breakdown/confused.ts): exact beyond the dense table's 256
 * classes while the pairs fit (PyTorch's counts, scripts/make_report_fixtures.py), and within
 * the Misra-Gries bound once they do not.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfusedPairs, DENSE_CLASSES, MAX_PAIRS } from '../src/breakdown/confused.js';
import { FIXTURES, readJson, seeded } from './helpers.js';

interface Sparse {
  classes: number;
  labels: number[];
  predicted: number[];
  mistakes: { label: number; predicted: number; count: number }[];
}

describe('ConfusedPairs', () => {
  it("counts every pair of more classes than the table holds exactly while they fit: PyTorch's counts", () => {
    const s = readJson<{ sparse: Sparse }>(join(FIXTURES, 'report.json')).sparse;
    expect(s.classes).toBeGreaterThan(DENSE_CLASSES);
    const sink = new ConfusedPairs(s.classes);
    s.labels.forEach((y, i) => sink.add(y, s.predicted[i]));
    const r = sink.result(Infinity);
    expect(r.pairs).toEqual(s.mistakes);
    expect(r.errors).toBe(s.mistakes.reduce((a, m) => a + m.count, 0));
    expect(r.undercount).toBe(0);
    expect(sink.result(5).pairs).toEqual(s.mistakes.slice(0, 5));
  });

  it('leaves out ignored labels (outside [0, C)) and right predictions', () => {
    const sink = new ConfusedPairs(3);
    for (const [y, p] of [[-100, 0], [3, 1], [1, 1], [2, 0], [2, 0], [0, 1]]) sink.add(y, p);
    expect(sink.result(10)).toEqual({ pairs: [{ label: 2, predicted: 0, count: 2 }, { label: 0, predicted: 1, count: 1 }], errors: 3, undercount: 0 });
  });

  it('beyond MAX_PAIRS pairs: at most MAX_PAIRS kept, each count at most `undercount` below the true one, every frequent pair kept', () => {
    const C = 1000;
    const random = seeded(13);
    const sink = new ConfusedPairs(C);
    const truth = new Map<number, number>();
    const frequent = [
      [1, 2],
      [5, 900],
      [999, 0],
    ];
    for (let i = 0; i < 400_000; i++) {
      const [y, p] = i % 50 === 0 ? frequent[(i / 50) % 3] : [Math.floor(random() * C), Math.floor(random() * C)];
      sink.add(y, p);
      if (y !== p) truth.set(y * C + p, (truth.get(y * C + p) ?? 0) + 1);
    }
    const errors = [...truth.values()].reduce((a, b) => a + b, 0);
    const r = sink.result(Infinity);
    expect(truth.size).toBeGreaterThan(MAX_PAIRS);
    expect(r.errors).toBe(errors);
    expect(r.undercount).toBeGreaterThan(0);
    expect(r.undercount).toBeLessThanOrEqual(errors / (MAX_PAIRS + 1));
    expect(r.pairs.length).toBeLessThanOrEqual(MAX_PAIRS);
    for (const p of r.pairs) {
      const t = truth.get(p.label * C + p.predicted)!;
      expect(p.count).toBeLessThanOrEqual(t);
      expect(p.count).toBeGreaterThanOrEqual(t - r.undercount);
    }
    const kept = new Set(r.pairs.map((p) => p.label * C + p.predicted));
    for (const [key, t] of truth) if (t > r.undercount) expect(kept.has(key)).toBe(true);
    expect(sink.result(3).pairs.map((p) => [p.label, p.predicted])).toEqual(frequent);
  });
});
