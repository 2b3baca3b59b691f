/**
 * The k worst samples as they pass: a heap of at most k rows, so a breakdown of any number of
 * samples keeps k rows and nothing else. Ranked by loss, largest first, NaN as +inf; among
 * equal losses the lower index ranks higher, so at the cut the earlier sample stays.
 */

/** A sample's details, as the breakdown reports them (its position is formatted at the end). */
export interface WorstRow {
  index: number;
  label: number;
  predicted: number;
  probability: number;
  loss: number;
}

const rank = (loss: number) => (Number.isNaN(loss) ? Infinity : loss);

/** Whether `a` ranks below `b`: a smaller loss, or the same loss at a later index. */
function below(a: WorstRow, b: WorstRow): boolean {
  const ka = rank(a.loss);
  const kb = rank(b.loss);
  return ka < kb || (ka === kb && a.index > b.index);
}

export class WorstK {
  /** A min-heap by `below`: heap[0] is the least bad row kept, the first to go. */
  private readonly heap: WorstRow[] = [];

  constructor(private readonly k: number) {}

  add(index: number, label: number, predicted: number, probability: number, loss: number): void {
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push({ index, label, predicted, probability, loss });
      this.up(heap.length - 1);
      return;
    }
    if (this.k === 0) return;
    const root = heap[0];
    const key = rank(loss);
    const rootKey = rank(root.loss);
    if (key < rootKey || (key === rootKey && index > root.index)) return;
    // the new row replaces the root in place: a full heap allocates nothing
    root.index = index;
    root.label = label;
    root.predicted = predicted;
    root.probability = probability;
    root.loss = loss;
    this.down(0);
  }

  /** The rows kept, worst first. */
  rows(): WorstRow[] {
    return [...this.heap].sort((a, b) => (below(a, b) ? 1 : below(b, a) ? -1 : 0));
  }

  private up(at: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!below(heap[at], heap[parent])) return;
      [heap[at], heap[parent]] = [heap[parent], heap[at]];
      at = parent;
    }
  }

  private down(at: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let least = at;
      if (l < heap.length && below(heap[l], heap[least])) least = l;
      if (r < heap.length && below(heap[r], heap[least])) least = r;
      if (least === at) return;
      [heap[at], heap[least]] = [heap[least], heap[at]];
      at = least;
    }
  }
}
