/**
 * The value types of a --json result read back (merge-parts.ts, metrics/parse.ts): numbers
 * that may be the non-finite strings --json writes ("NaN", "Infinity", "-Infinity"), counts,
 * objects.
 */
import { InputError } from './errors.js';

export type Field = Record<string, unknown>;

export const isNumber = (v: unknown) => typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
export const toNumber = (v: unknown) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);
export const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** What isCount accepts, for messages: counts are exact in float64 only up to 2^53 - 1. */
export const COUNT = 'a whole number from 0 to 2^53 - 1';
export const isObject = (v: unknown): v is Field => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `total` + `n`, the part `source`'s count `field`, as merge adds counts: refused when the sum
 * would pass 2^53 - 1, past which float64 (and JSON's numbers) no longer hold every whole number.
 */
export function addCount(total: number, n: number, field: string, source: string): number {
  if (n > Number.MAX_SAFE_INTEGER - total) {
    throw new InputError(`field "${field}" is ${n}, and with the ${total} of the parts before it the merged sum passes 2^53 - 1, past which counts are not exact`, source);
  }
  return total + n;
}
