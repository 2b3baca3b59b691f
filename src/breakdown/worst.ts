/**
 * The k worst samples as they pass: a heap of at most k rows, so a breakdown of any number of
 * samples keeps k rows and nothing else. Ranked by loss, largest first, NaN as +inf; among
 * equal losses the lower index ranks higher, so at the cut the earlier sample stays. Rows live
 * in typed arrays (a slot each) and the heap orders slots: offering a sample allocates nothing.
 */
import type { SampleBlock } from './samples.js';

/** A sample's details, as the breakdown reports them (its position is formatted at the end). */
export interface WorstRow {
  index: number;
  label: number;
  predicted: number;
  probability: number;
  loss: number;
}

export class WorstK {
  private readonly index: Float64Array;
  private readonly label: Float64Array;
  private readonly predicted: Float64Array;
  private readonly probability: Float64Array;
  private readonly loss: Float64Array;
  /** A min-heap of slots by rank: heap[0] is the least bad row kept, the first to go. */
  private readonly heap: Int32Array;
  private size = 0;

  /** The k worst of `samples` samples (at most that many rows are kept). */
  constructor(k: number, samples: number) {
    const capacity = Math.max(0, Math.min(k, samples));
    [this.index, this.label, this.predicted, this.probability, this.loss] = [0, 1, 2, 3, 4].map(() => new Float64Array(capacity));
    this.heap = new Int32Array(capacity);
  }

  /** Sample k of block b, kept if it ranks among the k worst so far. */
  offer(b: SampleBlock, k: number): void {
    const heap = this.heap;
    if (this.size < heap.length) {
      const slot = this.size++;
      heap[slot] = slot;
      this.write(slot, b, k);
      this.up(slot);
      return;
    }
    if (heap.length === 0) return;
    const loss = b.loss[k];
    const key = loss !== loss ? Infinity : loss;
    const root = heap[0];
    const rootKey = this.rank(root);
    if (key < rootKey || (key === rootKey && b.first + k > this.index[root])) return;
    // the root's slot taken over: a full heap allocates nothing
    this.write(root, b, k);
    this.down(0);
  }

  private write(slot: number, b: SampleBlock, k: number): void {
    this.index[slot] = b.first + k;
    this.label[slot] = b.label[k];
    this.predicted[slot] = b.predicted[k];
    this.probability[slot] = b.probability[k];
    this.loss[slot] = b.loss[k];
  }

  /** The rows kept, worst first. */
  rows(): WorstRow[] {
    const slots = Array.from(this.heap.subarray(0, this.size)).sort((a, b) => (this.below(a, b) ? 1 : this.below(b, a) ? -1 : 0));
    return slots.map((s) => ({
      index: this.index[s],
      label: this.label[s],
      predicted: this.predicted[s],
      probability: this.probability[s],
      loss: this.loss[s],
    }));
  }

  private rank(slot: number): number {
    const loss = this.loss[slot];
    return loss !== loss ? Infinity : loss;
  }

  /** Whether slot a's row ranks below slot b's: a smaller loss, or the same loss at a later index. */
  private below(a: number, b: number): boolean {
    const ka = this.rank(a);
    const kb = this.rank(b);
    return ka < kb || (ka === kb && this.index[a] > this.index[b]);
  }

  private up(at: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.below(heap[at], heap[parent])) return;
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
      if (l < this.size && this.below(heap[l], heap[least])) least = l;
      if (r < this.size && this.below(heap[r], heap[least])) least = r;
      if (least === at) return;
      [heap[at], heap[least]] = [heap[least], heap[at]];
      at = least;
    }
  }
}
