/**
 * A small seeded PRNG for the workloads: splitmix32 to spread the seed, xoshiro128** for the
 * stream, Box-Muller for normals. Same seed, same bytes, on every machine and Node version
 * (only integer ops, Math.log, Math.sqrt, Math.cos and Math.sin, which V8 computes with its
 * fdlibm port).
 */

/** A 32-bit seed from a string (FNV-1a), so each file gets its own stream from its name. */
export function seedFrom(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  constructor(seed) {
    let s = seed >>> 0;
    const splitmix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    this.spare = NaN; // Box-Muller makes normals in pairs
  }

  /** xoshiro128**: a uniform 32-bit unsigned integer. */
  nextU32() {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in (0, 1]: never 0, so log() is finite. */
  uniform() {
    return (this.nextU32() + 1) / 4294967296;
  }

  /** An integer in [0, n), n <= 2^32 (the tiny modulo bias does not matter here). */
  int(n) {
    return Math.floor((this.nextU32() / 4294967296) * n);
  }

  /** Standard normal (Box-Muller). */
  normal() {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

function rotl(x, k) {
  return (x << k) | (x >>> (32 - k));
}
