// The loss of each position of class-index cross-entropy from its row stats (row-stats.ts):
//   l = -w_y · ((x_y - m) - log s),   log p_y = (x_y - m) - log Σ_c exp(x_c - m)
// (src/losses/log-softmax.ts derives it), and the weight w_y the position counts in the mean's
// denominator (1 without class weights). An ignored position (y = ignore_index) gives 0 and 0,
// which add nothing to a Neumaier sum: s + 0 = s, and its compensation gains s - s + 0 = 0.
// The same float64 operations in the same order as the scalar loss in
// src/losses/cross-entropy.ts, so a loss has the bits it gets there from the same stats.
import { load1 } from './lanes';

/**
 * `rows` rows of (C, inner) values at x with their stats (maxIn, logSumIn: a value per position
 * n·inner + s) and labels (f64, a value per position): the losses into lossOut and the weights
 * into weightOut. `weights` holds C class weights, or is 0 for none. A position whose max is
 * NaN (left to the scalar path) gets a NaN loss; the caller computes it again. Returns how many
 * positions contribute, or -1 at a label that is neither ignore_index nor a class.
 */
export function indexLosses<T>(
  x: usize,
  rows: i32,
  C: i32,
  inner: i32,
  labels: usize,
  weights: usize,
  ignore: f64,
  maxIn: usize,
  logSumIn: usize,
  lossOut: usize,
  weightOut: usize,
): i32 {
  let contributing = 0;
  for (let n = 0; n < rows; n++) {
    const row = <usize>n * <usize>C * <usize>inner;
    for (let s = 0; s < inner; s++) {
      const at = (<usize>n * <usize>inner + <usize>s) << 3;
      const t = load<f64>(labels + at);
      if (t == ignore) {
        store<f64>(lossOut + at, 0);
        store<f64>(weightOut + at, 0);
        continue;
      }
      if (!(t >= 0 && t < <f64>C)) return -1;
      const y = <i32>t;
      if (<f64>y != t) return -1;
      const xy = load1<T>(x + (row + <usize>y * <usize>inner + <usize>s) * sizeof<T>());
      const w = weights ? load<f64>(weights + (<usize>y << 3)) : 1.0;
      store<f64>(lossOut + at, -w * (xy - load<f64>(maxIn + at) - load<f64>(logSumIn + at)));
      store<f64>(weightOut + at, w);
      contributing++;
    }
  }
  return contributing;
}
