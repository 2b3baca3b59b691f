/** The per-class table's order (breakdown/per-class.ts): NaN first, then the highest mean loss, ties by class; and names. */
import { describe, expect, it } from 'vitest';
import { namedClasses, worstClasses } from '../src/breakdown/per-class.js';

const row = (c: number, meanLoss: number) => ({ class: c, count: 1, meanLoss, accuracy: 0 });

describe('worstClasses', () => {
  const rows = [row(0, 0.5), row(1, NaN), row(2, Infinity), row(3, 0.5), row(4, 2), row(5, NaN)];
  it('NaN means first (by class), then infinity, then the rest from the highest, ties by class', () => {
    expect(worstClasses(rows, 6).shown.map((r) => r.class)).toEqual([1, 5, 2, 4, 0, 3]);
  });
  it('k rows and how many more', () => {
    const { shown, more } = worstClasses(rows, 4);
    expect([shown.map((r) => r.class), more]).toEqual([[1, 5, 2, 4], 2]);
    expect(worstClasses(rows, 20).more).toBe(0);
  });
});

describe('namedClasses', () => {
  it('each row gets its class name, after its class; none without names', () => {
    const rows = [row(2, 1), row(0, 3)];
    expect(namedClasses(rows, ['a', 'b', 'c']).map((r) => Object.keys(r).slice(0, 2).concat(r.name!))).toEqual([
      ['class', 'name', 'c'],
      ['class', 'name', 'a'],
    ]);
    expect(namedClasses(rows, undefined)).toBe(rows);
  });
});
