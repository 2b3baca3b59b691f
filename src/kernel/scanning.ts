/**
 * Counting an input's NaN and ±inf (and, for BCE targets, its values outside a range) on the
 * passes a loss's kernel makes over it anyway, instead of in a pass of their own: kernelScanning
 * marks an array as scanned while a loss reads it, and the loss's kernel entry points
 * (index-losses.ts, index.ts kernelBceLogits) count what they see of it (scannedPart, tally).
 */
import type { FloatArray } from '../tensor.js';
import type { Found } from './index.js';

/** An array whose counts a loss's kernel makes as it reads it. */
export interface Scanning {
  x: FloatArray;
  found: Found;
  /** Values counted so far, in order from the first. */
  counted: number;
  /** The range whose outside values are counted too, in `outside`. */
  range?: readonly [number, number];
  outside?: Found;
}

/** What kernelScanning found: the non-finite values, and those outside the range when one was given. */
export interface ScanCounts {
  nonFinite: Found;
  outside?: Found;
}

const active: Scanning[] = [];

/**
 * Calls `visit`, which hands x to a loss, while the loss's kernel counts x's NaN and ±inf (and
 * its values outside `range`) on the passes it makes anyway. Returns what was found (the firsts
 * as indices into x), or undefined when not every value was counted so (another loss, or the
 * kernel off): the caller counts them.
 */
export function kernelScanning(x: FloatArray, visit: () => void, range?: readonly [number, number]): ScanCounts | undefined {
  const mine: Scanning = { x, found: { count: 0, first: -1 }, counted: 0, ...(range && { range, outside: { count: 0, first: -1 } }) };
  active.push(mine);
  try {
    visit();
  } finally {
    active.splice(active.lastIndexOf(mine), 1);
  }
  return mine.counted === x.length ? { nonFinite: mine.found, ...(mine.outside && { outside: mine.outside }) } : undefined;
}

/** The scan that part (a view of the same memory and type) lies in, and its offset there; undefined when none does. */
export function scannedPart(part: FloatArray): { scan: Scanning; offset: number } | undefined {
  for (let k = active.length - 1; k >= 0; k--) {
    const { x } = active[k];
    if (x.buffer !== part.buffer || x.constructor !== part.constructor) continue;
    const offset = (part.byteOffset - x.byteOffset) / x.BYTES_PER_ELEMENT;
    if (offset >= 0 && offset + part.length <= x.length) return { scan: active[k], offset };
  }
  return undefined;
}

/**
 * Values [at, at + n) of a scan's array, handed in order, with what a pass found in them
 * (firsts counted from `at`); `outside` only for a scan with a range.
 */
export function tally(scan: Scanning, at: number, n: number, nonFinite: Found, outside?: Found): void {
  // out of order, or without the range's count: left uncounted, so the caller counts it all
  if (at !== scan.counted || (scan.outside && !outside)) return;
  scan.counted += n;
  add(scan.found, at, nonFinite);
  if (scan.outside && outside) add(scan.outside, at, outside);
}

function add(into: Found, at: number, part: Found): void {
  if (part.count > 0 && into.count === 0) into.first = at + part.first;
  into.count += part.count;
}
