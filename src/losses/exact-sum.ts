/**
 * An exact sum of float64 values, rounded once at the end: Shewchuk's non-overlapping
 * partials, as Python's math.fsum keeps them (msum). Each addition x + y is split into its
 * rounded value hi and the exact error lo = y - (hi - x) (Dekker's TwoSum, valid when
 * |x| >= |y|), so the partials always sum exactly to everything added. Exact addition does
 * not depend on order: sums made apart (threads) and joined give the same bits as one.
 *
 * Non-finite values are kept aside, as fsum keeps them: their plain sum (inf + -inf = NaN,
 * NaN wins) is the result whenever there is one. A finite sum whose partials overflow goes
 * aside as its infinity (where fsum raises OverflowError).
 */
export class ExactSum {
  private readonly partials: number[] = [];
  private special = 0;

  add(x: number): void {
    // 0 changes no partial (each step's error is 0): nothing to do
    if (x === 0) return;
    if (!Number.isFinite(x)) {
      this.special += x;
      return;
    }
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      if (!Number.isFinite(hi)) {
        this.special += hi;
        p.length = 0;
        return;
      }
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    if (x !== 0) p.push(x);
  }

  /** Everything another ExactSum holds (its state()), exactly. */
  addState(state: readonly number[]): void {
    this.special += state[0];
    for (let i = 1; i < state.length; i++) this.add(state[i]);
  }

  /** As plain numbers, to post from a thread: the non-finite sum, then the partials. */
  state(): number[] {
    return [this.special, ...this.partials];
  }

  /** The sum rounded to the nearest float64, ties to even (fsum's final step). */
  get value(): number {
    if (this.special !== 0) return this.special;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    // sum from the top down while the additions are exact
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // hi + lo rounded half-even lost its tie: the partial below says which way the exact sum lies
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
