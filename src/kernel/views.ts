/**
 * The kernel of this thread with typed views on its memory, and the one copy of values into
 * it (none for values a reader read there): what the typed entry points (index.ts, slices.ts,
 * index-losses.ts) share.
 */
import type { FloatArray } from '../tensor.js';
import { loadKernel, type KernelExports } from './load.js';

export interface Views {
  k: KernelExports;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  /** Values of 8 bytes a region holds. */
  cap64: number;
  a: number;
  b: number;
  c: number;
  scratch: number;
  /** Where the lane sums' state is, in f64 (kernel/sum.ts). */
  lanes: number;
  /** Where bce-logits' least and greatest target are, in f64 (kernel/sum.ts). */
  bounds: number;
}

let views: Views | undefined;

/** The kernel with views on its memory (never grown, so they stay valid), or undefined. */
export function kernel(): Views | undefined {
  const k = loadKernel();
  if (!k) return undefined;
  views ??= {
    k,
    f32: new Float32Array(k.memory.buffer),
    f64: new Float64Array(k.memory.buffer),
    i32: new Int32Array(k.memory.buffer),
    cap64: k.REGION_BYTES.value / 8,
    a: k.REGION_A.value,
    b: k.REGION_B.value,
    c: k.REGION_C.value,
    scratch: k.SCRATCH.value,
    lanes: k.LANE_SUMS.value / 8,
    bounds: k.TARGET_BOUNDS.value / 8,
  };
  return views;
}

/**
 * Values [from, to) of `x` where the kernel reads them, as float32 when `wide` is false (x is
 * then a Float32Array), else as float64: their byte offset. Values of that type already in the
 * kernel's memory (a block read into a read region, read-regions.ts) stay where they are;
 * others are copied to the region at byte `at` (copyTo).
 */
export function copyIn(v: Views, x: FloatArray, from: number, to: number, at: number, wide: boolean): number {
  if (inKernel(v, x, wide)) return x.byteOffset + from * x.BYTES_PER_ELEMENT;
  return copyTo(v, x, from, to, at, wide);
}

/** Whether x lies in the kernel's memory as the type it reads it as (float64 when `wide`, else float32). */
export function inKernel(v: Views, x: FloatArray, wide: boolean): boolean {
  return x.buffer === v.f64.buffer && (wide ? x instanceof Float64Array : x instanceof Float32Array);
}

/** The one copy: values [from, to) of `x` into the region at byte `at`, as copyIn reads them. Returns `at`. */
export function copyTo(v: Views, x: FloatArray, from: number, to: number, at: number, wide: boolean): number {
  const piece = x.subarray(from, to);
  if (wide) v.f64.set(piece, at / 8);
  else v.f32.set(piece, at / 4);
  return at;
}

/** Whether x goes into the kernel as float64 (anything but float32). */
export function isWide(x: FloatArray): boolean {
  return !(x instanceof Float32Array);
}

/** Values a region holds: float64 ones, or twice as many float32 ones. */
export function regionValues(v: Views, wide: boolean): number {
  return wide ? v.cap64 : 2 * v.cap64;
}
