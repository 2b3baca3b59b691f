/**
 * The 16-bit floats: IEEE binary16 (numpy's float16, safetensors' F16) and bfloat16
 * (safetensors' BF16, the top half of a float32). Both widen exactly to float32.
 */

/** IEEE binary16 bits to their exact value (every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** A number to binary16 bits, rounding to nearest, ties to even (as numpy's astype). */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65504 + half an ulp rounds (to even) to infinity
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal; 1024 carries into the exponent
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundHalfEven(a * 2 ** (10 - e)); // in [1024, 2048]; 2048 carries into the exponent
  return sign | (((e + 15) << 10) + m - 1024);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/**
 * Every binary16 bit pattern's float32, built on first use (256 KiB): widening a half is one
 * lookup, what makes a 500 MB float16 file as quick to read as a float32 one.
 */
let halves: Float32Array | undefined;
function halfTable(): Float32Array {
  if (halves === undefined) {
    halves = new Float32Array(1 << 16);
    for (let h = 0; h < 1 << 16; h++) halves[h] = halfToFloat(h);
  }
  return halves;
}

/**
 * `count` 16-bit floats from `raw` (two bytes each, in the given byte order) as a Float32Array.
 * bfloat16 is exact by construction: its bits are the top 16 bits of the float32.
 */
export function decodeHalves(raw: Uint8Array, count: number, bigEndian: boolean, brain: boolean): Float32Array {
  return decodeHalvesInto(raw, new Float32Array(count), bigEndian, brain);
}

/** decodeHalves into `out` (its length is the count): a block's buffer, reused for the next. */
export function decodeHalvesInto(raw: Uint8Array, out: Float32Array, bigEndian: boolean, brain: boolean): Float32Array {
  const count = out.length;
  const [lo, hi] = bigEndian ? [1, 0] : [0, 1];
  if (brain) {
    // Integers into a Uint32Array sharing out's buffer: the host's byte order on both sides.
    const bits = new Uint32Array(out.buffer, out.byteOffset, count);
    for (let i = 0; i < count; i++) bits[i] = ((raw[2 * i + lo] | (raw[2 * i + hi] << 8)) << 16) >>> 0;
  } else {
    const table = halfTable();
    for (let i = 0; i < count; i++) out[i] = table[raw[2 * i + lo] | (raw[2 * i + hi] << 8)];
  }
  return out;
}
