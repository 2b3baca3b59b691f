/**
 * The kernel's read regions (kernel/memory.ts READ_REGIONS): a reader reads a block of float32
 * or float64 values into one, so that the kernel's loops run on the block where it lies
 * (views.ts copyIn hands back its offset) instead of on a copy. A read takes a region when one
 * is free and the block fits, and gives it back when it ends; otherwise it reads into a buffer
 * of its own.
 */
import { kernelIfUsed, type KernelExports } from './load.js';

let free: number[] | undefined;
/** The kernel's memory, once a region was taken. */
let memory: ArrayBuffer | undefined;

/** A buffer of `bytes` in a free read region of the kernel, or undefined (kernel off, none free, too large). */
export function takeReadRegion(bytes: number): Uint8Array | undefined {
  const k = kernelIfUsed();
  if (!k || bytes > k.READ_REGION_BYTES.value) return undefined;
  free ??= regions(k).reverse();
  memory = k.memory.buffer;
  const at = free.pop();
  return at === undefined ? undefined : new Uint8Array(k.memory.buffer, at, bytes);
}

/** Gives back `buffer` if takeReadRegion gave it; false when it is a buffer of the reader's own. */
export function giveReadRegion(buffer: Uint8Array): boolean {
  if (!free || buffer.buffer !== memory) return false;
  free.push(buffer.byteOffset);
  return true;
}

/** The regions' byte offsets, in order. */
function regions(k: KernelExports): number[] {
  return Array.from({ length: k.READ_REGION_COUNT.value }, (_, i) => k.READ_REGIONS.value + i * k.READ_REGION_BYTES.value);
}

/** The free read regions' offsets, the list itself (tests take them all); undefined when the kernel is off. */
export function freeReadRegions(): number[] | undefined {
  const k = kernelIfUsed();
  if (!k) return undefined;
  free ??= regions(k).reverse();
  return free;
}
