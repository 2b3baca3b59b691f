/**
 * The histogram of the finite losses in `bins` equal bins from their min to their max, in two
 * passes over the losses: `see` each one (the range, and how many are not finite), then `add`
 * each one again to count it in its bin. Edges are lo + b * width, the last one hi itself.
 */
import type { Histogram } from '../breakdown.js';

export class LossHistogram {
  private lo = Infinity;
  private hi = -Infinity;
  private nonFinite = 0;
  private width = 0;
  private counts: number[] | undefined;

  constructor(private readonly bins: number) {}

  /** First pass. */
  see(v: number): void {
    if (!Number.isFinite(v)) this.nonFinite++;
    else {
      this.lo = Math.min(this.lo, v);
      this.hi = Math.max(this.hi, v);
    }
  }

  /** Second pass, after every loss was seen. */
  add(v: number): void {
    if (!Number.isFinite(v)) return;
    const counts = (this.counts ??= this.fix());
    counts[this.width > 0 ? Math.min(counts.length - 1, Math.floor((v - this.lo) / this.width)) : 0]++;
  }

  result(): Histogram {
    const { lo, hi, nonFinite } = this;
    if (lo > hi) return { edges: [], counts: [], nonFinite };
    const counts = (this.counts ??= this.fix());
    const n = counts.length;
    const edges = Array.from({ length: n + 1 }, (_, b) => (b === n ? hi : lo + b * this.width));
    return { edges, counts, nonFinite };
  }

  /** The bins, once the range is known: one bin when every finite loss is the same. */
  private fix(): number[] {
    const n = this.hi > this.lo ? this.bins : 1;
    this.width = (this.hi - this.lo) / n;
    return new Array<number>(n).fill(0);
  }
}
