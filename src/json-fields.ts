/**
 * The value types of a --json result read back (merge-parts.ts, metrics/parse.ts): numbers
 * that may be the non-finite strings --json writes ("NaN", "Infinity", "-Infinity"), counts,
 * objects.
 */
export type Field = Record<string, unknown>;

export const isNumber = (v: unknown) => typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
export const toNumber = (v: unknown) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);
export const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** What isCount accepts, for messages: counts are exact in float64 only up to 2^53 - 1. */
export const COUNT = 'a whole number from 0 to 2^53 - 1';
export const isObject = (v: unknown): v is Field => typeof v === 'object' && v !== null && !Array.isArray(v);
