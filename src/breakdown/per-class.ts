/** The per-class table as samples pass: a count, a loss sum and hits per class, O(classes). */
import type { ClassRow } from '../breakdown.js';

export class PerClass {
  private readonly acc = new Map<number, { count: number; loss: number; hits: number }>();

  add(key: number, loss: number, correct: boolean): void {
    let a = this.acc.get(key);
    if (!a) this.acc.set(key, (a = { count: 0, loss: 0, hits: 0 }));
    a.count++;
    a.loss += loss;
    if (correct) a.hits++;
  }

  /** One row per class seen, by class. */
  rows(): ClassRow[] {
    return [...this.acc.entries()]
      .sort(([a], [b]) => a - b)
      .map(([c, a]) => ({ class: c, count: a.count, meanLoss: a.loss / a.count, accuracy: a.hits / a.count }));
  }
}

/**
 * The `k` rows the terminal shows: the highest mean loss first (NaN before any number, as the
 * most in need of a look), ties by class; and how many are left out.
 */
export function worstClasses(rows: readonly ClassRow[], k: number): { shown: ClassRow[]; more: number } {
  const worstFirst = (a: ClassRow, b: ClassRow): number => {
    const [x, y] = [a.meanLoss, b.meanLoss];
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? -1 : 1;
    return (x === y || Number.isNaN(x) ? 0 : y > x ? 1 : -1) || a.class - b.class;
  };
  const sorted = [...rows].sort(worstFirst);
  return { shown: sorted.slice(0, k), more: Math.max(0, rows.length - k) };
}

/** The rows with their class's name, when names are known (`names[c]` for class c). */
export function namedClasses(rows: ClassRow[], names: readonly string[] | undefined): ClassRow[] {
  return names === undefined ? rows : rows.map(({ class: c, ...rest }) => ({ class: c, name: names[c], ...rest }));
}
