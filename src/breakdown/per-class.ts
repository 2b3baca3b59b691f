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
