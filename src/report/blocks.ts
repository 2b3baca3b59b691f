/**
 * Values read flat in blocks of copies, for writers that work as generators (a Values hands
 * its blocks to a callback, valid only during the call). An array in memory is cut in slices.
 */
import { asFloats, numel } from '../tensor.js';
import { isValues, type Values } from '../values.js';

/** Values per block. */
const BLOCK = 1 << 16;

/**
 * Each block with the flat index of its first value. A block is valid until the next is
 * asked for (one buffer serves them all: a new one per block would be garbage the size of
 * the losses).
 */
export function* valueBlocks(v: ArrayLike<number> | Values, per = BLOCK): Generator<[ArrayLike<number>, number]> {
  if (!isFlatValues(v)) {
    for (let start = 0; start < v.length; start += per) yield [sliceOf(v, start, Math.min(v.length, start + per)), start];
    return;
  }
  const n = numel(v.shape);
  const buffer = new Float64Array(Math.min(per, n));
  for (let start = 0; start < n; start += per) {
    const out = buffer.subarray(0, Math.min(per, n - start));
    v.read(1, start, start + out.length, (d, first) => out.set(asFloats(d), first - start));
    yield [out, start];
  }
}

function isFlatValues(v: ArrayLike<number> | Values): v is Values {
  return isValues(v as Values);
}

function sliceOf(v: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  const sub = (v as { subarray?: (s: number, e: number) => ArrayLike<number> }).subarray;
  return sub ? sub.call(v, start, end) : Array.prototype.slice.call(v, start, end);
}
