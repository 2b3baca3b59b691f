// Neumaier's compensated sum over n float64 values, continuing a sum's state: the same
// operations, in the same order, as CompensatedSum.add (src/losses/reduce.ts), so a chunk's
// sum has the same bits whichever adds it.
import { SCRATCH } from './memory';
import { finite } from './lanes';

/**
 * The state (s, c) is read from and written back to SCRATCH (two f64); returns how many of
 * the values are NaN or ±inf, and writes the first one's index at SCRATCH + 16 (an i32).
 */
export function neumaier(x: usize, n: i32): i32 {
  let s = load<f64>(SCRATCH);
  let c = load<f64>(SCRATCH, 8);
  let count = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    const t = s + v;
    if (finite(t)) c += abs(s) >= abs(v) ? s - t + v : v - t + s;
    s = t;
    if (!finite(v)) {
      if (count++ == 0) first = i;
    }
  }
  store<f64>(SCRATCH, s);
  store<f64>(SCRATCH, c, 8);
  store<i32>(SCRATCH, first, 16);
  return count;
}
