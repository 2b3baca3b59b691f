/**
 * The most-confused class pairs (label -> predicted, label != predicted) as samples pass, in
 * memory bounded by the class count, never by the samples:
 *
 * - up to DENSE_CLASSES classes, every pair's exact count in a C x C table (float64, exact to
 *   2^53 samples; 256 x 256 x 8 bytes = 512 KiB at most);
 * - beyond, the pairs seen in a Map of at most MAX_PAIRS entries, with the Misra-Gries
 *   summary once it is full: a pair not in a full map takes one from every count kept (and
 *   those at 0 leave) instead of being added. Each such round costs one from at most
 *   MAX_PAIRS + 1 pairs' counts (the new one's included), so after d rounds every count kept
 *   is at most d below its pair's true count, d <= errors / (MAX_PAIRS + 1), and any pair
 *   seen more than d times is kept. `undercount` reports d: 0 means every count is exact.
 */

/** Classes counted exactly in a table; more go to the bounded map. */
export const DENSE_CLASSES = 256;
/** Pairs the map keeps at most when the classes are more than DENSE_CLASSES. */
export const MAX_PAIRS = 65_536;

export interface ConfusedPair {
  label: number;
  predicted: number;
  count: number;
}

export interface Confusions {
  /** The pairs with the most samples, most first (ties: by label, then predicted). */
  pairs: ConfusedPair[];
  /** Samples predicted wrong, all pairs together (exact). */
  errors: number;
  /** How far below its true count any count may be: 0 when every count is exact. */
  undercount: number;
}

export class ConfusedPairs {
  private readonly table: Float64Array | undefined;
  private readonly seen = new Map<number, number>();
  private errors = 0;
  private undercount = 0;

  /** `classes`: C, labels and predictions being in [0, C). */
  constructor(private readonly classes: number) {
    this.table = classes <= DENSE_CLASSES ? new Float64Array(classes * classes) : undefined;
  }

  add(label: number, predicted: number): void {
    if (label === predicted || !(label >= 0 && label < this.classes) || !Number.isInteger(label)) return;
    this.errors++;
    const key = label * this.classes + predicted;
    if (this.table) {
      this.table[key]++;
      return;
    }
    const n = this.seen.get(key);
    if (n !== undefined) this.seen.set(key, n + 1);
    else if (this.seen.size < MAX_PAIRS) this.seen.set(key, 1);
    else this.decrementAll();
  }

  /** Misra-Gries: the new pair and every kept one lose one sample; those at 0 leave. */
  private decrementAll(): void {
    this.undercount++;
    for (const [key, n] of this.seen) {
      if (n === 1) this.seen.delete(key);
      else this.seen.set(key, n - 1);
    }
  }

  /** The `k` pairs with the most samples. */
  result(k: number): Confusions {
    const pairs: ConfusedPair[] = [];
    const C = this.classes;
    const push = (key: number, count: number) => pairs.push({ label: Math.floor(key / C), predicted: key % C, count });
    if (this.table) this.table.forEach((count, key) => count > 0 && push(key, count));
    else for (const [key, count] of this.seen) push(key, count);
    pairs.sort((a, b) => b.count - a.count || a.label - b.label || a.predicted - b.predicted);
    return { pairs: pairs.slice(0, k), errors: this.errors, undercount: this.undercount };
  }
}
