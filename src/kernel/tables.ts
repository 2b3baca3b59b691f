/**
 * The kernel's tables (kernel/exp.ts, kernel/log.ts), computed from exact integer arithmetic
 * when the kernel is loaded, so no table of magic numbers is typed anywhere.
 *
 * Numbers are BigInt fixed point with BITS fractional bits; Number(bigint) rounds to nearest,
 * so hi = Number(v) / 2^BITS is v rounded to double, and the rest (v - hi) is known exactly.
 */

const BITS = 128n;
const ONE = 1n << BITS;

/** floor(sqrt(n)) by Newton's iteration (from above, so it stops at the floor). */
function isqrt(n: bigint): bigint {
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** v / 2^BITS rounded to double, and what is left, v / 2^BITS - hi, rounded to double. */
function split(v: bigint): [number, number] {
  const hi = Number(v) / 2 ** Number(BITS);
  return [hi, Number(v - BigInt(hi * 2 ** Number(BITS))) / 2 ** Number(BITS)];
}

/**
 * exp's table, 128 pairs of 64-bit words: for j = 0..127, tail_j = (2^(j/128) - T_j) / T_j as a
 * double and the bits of T_j = 2^(j/128) rounded to double, minus j << 45 (kernel/exp.ts).
 * 2^(1/128) is 2 square-rooted 7 times; its powers lose under 2^-120 on the way.
 */
export function expTable(): BigInt64Array {
  let root = 2n * ONE;
  for (let i = 0; i < 7; i++) root = isqrt(root * ONE);
  const out = new BigInt64Array(256);
  const word = new Float64Array(1);
  const bits = new BigInt64Array(word.buffer);
  let v = ONE;
  for (let j = 0; j < 128; j++) {
    const [hi, rest] = split(v);
    word[0] = rest / hi;
    out[2 * j] = bits[0];
    word[0] = hi;
    out[2 * j + 1] = bits[0] - (BigInt(j) << 45n);
    v = (v * root) >> BITS;
  }
  return out;
}

/** First and last j of log's table: c = j/128 for a in [sqrt2/2, sqrt2). */
export const LOG_FIRST = 90;
export const LOG_LAST = 181;

/**
 * log's table, for j = 90..181: 1/c rounded to double, log c as hi + lo (c = j/128), and 0 to
 * fill the entry's 32 bytes.
 * log c = 2 atanh(z), z = (j - 128)/(j + 128), |z| <= 0.18: the series Σ z^(2k+1)/(2k+1) is
 * summed until its terms vanish at 2^-128.
 */
export function logTable(): Float64Array {
  const out = new Float64Array(4 * (LOG_LAST - LOG_FIRST + 1));
  for (let j = LOG_FIRST; j <= LOG_LAST; j++) {
    const num = BigInt(j - 128);
    const den = BigInt(j + 128);
    let power = (ONE * num) / den; // z^(2k+1) in fixed point
    let sum = 0n;
    for (let k = 1n; power !== 0n; k += 2n) {
      sum += power / k;
      power = (power * num * num) / (den * den);
    }
    const [hi, lo] = split(2n * sum);
    out.set([128 / j, hi, lo, 0], 4 * (j - LOG_FIRST));
  }
  return out;
}
