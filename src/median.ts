/**
 * The median of non-negative float64s (+inf included; never NaN or -0), exactly, in memory for at
 * most `limit` values however many there are: what `compare` reports as median |a - b|.
 *
 * Up to `limit` values are kept and sorted in one pass (numpy's median: the middle value, or
 * the mean of the two middle ones). Beyond that the values are fed again, pass after pass, and
 * found by a radix selection: a non-negative float64 orders as its 64-bit pattern does as an
 * unsigned integer, so the median's bits can be found a digit at a time. Each pass counts the
 * values under each next digit of the prefix found so far, with the least and largest value
 * there; the digit the middle rank falls in extends the prefix. It stops when the values under
 * the prefix are all equal (a last digit always is), or, once they are at most `limit`, after a
 * pass that keeps and sorts them. Digits of 20, 12, 16 and 16 bits: at most four passes, and
 * two when the median's 2^-8-wide bin of its octave holds at most `limit` values.
 *
 * The upper middle rank of an even count, when it is not in the lower one's bin, is the first
 * value of the next non-empty bin: that bin's least value.
 */
/** Which 32-bit half of the pattern a digit is in, at what shift, how wide. */
const DIGITS = [
  { high: true, shift: 12, bits: 20 },
  { high: true, shift: 0, bits: 12 },
  { high: false, shift: 16, bits: 16 },
  { high: false, shift: 0, bits: 16 },
];

/** A value's 64-bit pattern, as two 32-bit halves (little-endian whatever the host's order). */
const PATTERN = new DataView(new ArrayBuffer(8));

export class MedianSelection {
  /** How many values are kept to be sorted, when they are (all of them, or those under the prefix). */
  private keeping: number | undefined;
  /** They, made at the first (a comparison that ends up unused never allocates). */
  private kept: Float64Array | undefined;
  private keptCount = 0;
  /**
   * Per bin of the current digit, side by side (one cache line for the three): how many
   * values, the least, the largest.
   */
  private bins: Float64Array | undefined;
  private level = 0;
  /** The prefix found so far: a value is under it when its masked halves equal these. */
  private maskHi = 0;
  private matchHi = 0;
  private maskLo = 0;
  private matchLo = 0;
  /** How many values the first pass saw. */
  private seen = 0;
  private passes = 0;
  /** The two middle ranks, counted from the first value under the prefix. */
  private lower = 0;
  private upper = 0;
  /** The upper middle value once known apart from the lower one's bin. */
  private upperValue: number | undefined;
  private result: number | undefined;

  /** `most`: how many values a pass can bring (all are kept when that is at most `limit`). */
  constructor(most: number, private readonly limit: number) {
    if (most <= limit) this.keeping = most;
  }

  add(v: number): void {
    if (this.passes === 0) this.seen++;
    PATTERN.setFloat64(0, v, true);
    const hi = PATTERN.getUint32(4, true);
    const lo = PATTERN.getUint32(0, true);
    if ((hi & this.maskHi) !== this.matchHi || (lo & this.maskLo) !== this.matchLo) return;
    if (this.keeping !== undefined) {
      (this.kept ??= new Float64Array(this.keeping))[this.keptCount++] = v;
      return;
    }
    const { high, shift, bits } = DIGITS[this.level];
    const bin = ((high ? hi : lo) >>> shift) & ((1 << bits) - 1);
    const bins = (this.bins ??= this.histogram());
    const at = 3 * bin;
    bins[at]++;
    if (v < bins[at + 1]) bins[at + 1] = v;
    if (v > bins[at + 2]) bins[at + 2] = v;
  }

  /** The end of a pass: true when the median is known, false when the same values must be fed again. */
  endPass(): boolean {
    if (this.passes++ === 0) {
      if (this.seen === 0) return this.settle(NaN, NaN);
      this.lower = Math.floor((this.seen - 1) / 2);
      this.upper = Math.floor(this.seen / 2);
    }
    if (this.keeping !== undefined) {
      const sorted = (this.kept ?? new Float64Array(0)).subarray(0, this.keptCount).sort();
      return this.settle(sorted[this.lower], this.upperValue ?? sorted[this.upper]);
    }
    const bins = this.bins!; // values were seen (above), so bins were made
    let bin = 0;
    let below = 0;
    while (below + bins[3 * bin] <= this.lower) below += bins[3 * bin++];
    const [count, least, most] = bins.subarray(3 * bin, 3 * bin + 3);
    this.lower -= below;
    this.upper -= below;
    if (this.upperValue === undefined && this.upper >= count) {
      let next = bin + 1;
      while (bins[3 * next] === 0) next++;
      this.upperValue = bins[3 * next + 1];
    }
    if (least === most) return this.settle(least, this.upperValue ?? least);
    this.narrow(bin);
    this.bins = undefined;
    if (count <= this.limit) this.keeping = count;
    else this.level++;
    return false;
  }

  /** The median, once endPass said it is known. */
  get value(): number {
    if (this.result === undefined) throw new Error('the median is not known yet');
    return this.result;
  }

  private settle(lower: number, upper: number): true {
    this.result = this.seen % 2 ? lower : (lower + upper) / 2;
    this.keeping = this.kept = this.bins = undefined;
    return true;
  }

  /** Empty bins for the digit at this level. */
  private histogram(): Float64Array {
    const bins = new Float64Array(3 << DIGITS[this.level].bits);
    for (let at = 0; at < bins.length; at += 3) {
      bins[at + 1] = Infinity;
      bins[at + 2] = -Infinity;
    }
    return bins;
  }

  /** The prefix extended by `bin` as this level's digit. */
  private narrow(bin: number): void {
    const { high, shift, bits } = DIGITS[this.level];
    const mask = (((1 << bits) - 1) << shift) | 0;
    if (high) {
      this.maskHi |= mask;
      this.matchHi |= bin << shift;
    } else {
      this.maskLo |= mask;
      this.matchLo |= bin << shift;
    }
  }
}
