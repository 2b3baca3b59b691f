// The loss of each position of class-index cross-entropy from its row stats (row-stats.ts):
//   l = -w_y · ((x_y - m) - log s),   log p_y = (x_y - m) - log Σ_c exp(x_c - m)
// (src/losses/log-softmax.ts derives it), and the weight w_y the position counts in the mean's
// denominator (1 without class weights). An ignored position (y = ignore_index) gives 0 and 0,
// which add nothing to a Neumaier sum: s + 0 = s, and its compensation gains s - s + 0 = 0.
// The same float64 operations in the same order as the scalar loss in
// src/losses/cross-entropy.ts, so a loss has the bits it gets there from the same stats.
//
// The stats, their logs and the losses are made SPAN positions at a time, so that x_y is read
// while the values of its position are still in L1.
import { load1 } from './lanes';
import { SCRATCH } from './memory';
import { logSums, rowStats, stridedRange } from './row-stats';

const SPAN = 64;

/**
 * `rows` rows of (C, inner) positions at x with the labels of their positions (f64, a value per
 * position n·inner + s), a position's classes `stride` values apart and rows C·stride apart
 * (stridedStats); `stride` 0 for contiguous rows (inner = 1), whose stats take rowStats' order:
 * the stats into maxOut and sumOut (the log of the sum, as logSums
 * leaves it), the losses into lossOut and the weights into weightOut. `weights` holds C class
 * weights, or is 0 for none. A position whose max is NaN (NaN or ±inf among its values) gets a
 * NaN loss: the caller computes it again on the scalar path; how many there are (counted or
 * ignored alike) goes to SCRATCH + 24 (an i32). Returns how many positions contribute, or -1
 * at a label that is neither ignore_index nor a class.
 */
export function indexLosses<T>(
  x: usize,
  rows: i32,
  C: i32,
  inner: i32,
  stride: i32,
  labels: usize,
  weights: usize,
  ignore: f64,
  maxOut: usize,
  sumOut: usize,
  lossOut: usize,
  weightOut: usize,
): i32 {
  const size = <usize>sizeof<T>();
  let contributing = 0;
  let flagged = 0;
  if (stride == 0) {
    // contiguous rows: position n is row n, its class y at x + (n·C + y)
    for (let n0 = 0; n0 < rows; n0 += SPAN) {
      const count = min(SPAN, rows - n0);
      const at = <usize>n0 << 3;
      const p = x + <usize>n0 * <usize>C * size;
      rowStats<T>(p, count, C, maxOut + at, sumOut + at);
      flagged += logSums(maxOut + at, sumOut + at, count);
      const got = spanLosses<T>(p, <usize>C * size, size, count, at, labels, weights, ignore, C, maxOut, sumOut, lossOut, weightOut);
      if (got < 0) return -1;
      contributing += got;
    }
  } else {
    // position s of row n: its class y at row + y·stride + s
    for (let n = 0; n < rows; n++) {
      const row = x + <usize>n * <usize>C * <usize>stride * size;
      const base = <usize>n * <usize>inner << 3;
      for (let s0 = 0; s0 < inner; s0 += SPAN) {
        const count = min(SPAN, inner - s0);
        const at = base + (<usize>s0 << 3);
        stridedRange<T>(row, C, stride, s0, s0 + count, maxOut + base, sumOut + base);
        flagged += logSums(maxOut + at, sumOut + at, count);
        const got = spanLosses<T>(row + <usize>s0 * size, size, <usize>stride * size, count, at, labels, weights, ignore, C, maxOut, sumOut, lossOut, weightOut);
        if (got < 0) return -1;
        contributing += got;
      }
    }
  }
  store<i32>(SCRATCH, flagged, 24);
  return contributing;
}

/**
 * The losses of `count` positions, the first's class 0 at p, the next `step` bytes on, classes
 * `classStep` bytes apart; their stats, labels and outputs from byte `at` of each array.
 */
// @ts-ignore: decorator
@inline
function spanLosses<T>(
  p: usize,
  step: usize,
  classStep: usize,
  count: i32,
  at: usize,
  labels: usize,
  weights: usize,
  ignore: f64,
  C: i32,
  maxIn: usize,
  logSumIn: usize,
  lossOut: usize,
  weightOut: usize,
): i32 {
  let contributing = 0;
  for (let i = 0; i < count; i++, p += step) {
    const k = at + (<usize>i << 3);
    const t = load<f64>(labels + k);
    if (t == ignore) {
      store<f64>(lossOut + k, 0);
      store<f64>(weightOut + k, 0);
      continue;
    }
    if (!(t >= 0 && t < <f64>C)) return -1;
    const y = <i32>t;
    if (<f64>y != t) return -1;
    const xy = load1<T>(p + <usize>y * classStep);
    const w = weights ? load<f64>(weights + (<usize>y << 3)) : 1.0;
    store<f64>(lossOut + k, -w * (xy - load<f64>(maxIn + k) - load<f64>(logSumIn + k)));
    store<f64>(weightOut + k, w);
    contributing++;
  }
  return contributing;
}
