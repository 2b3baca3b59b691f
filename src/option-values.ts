/**
 * The values of flags, from the text commander hands over: numbers, whole counts, tolerances.
 * Each bad value is a usage error naming the flag.
 */
import { UsageError } from './errors.js';
import { parseNumber } from './io/csv.js';

/**
 * A decimal number, or one of numpy's nan/inf spellings (the rule CSV cells follow, parseNumber);
 * anything else, hex (0x1), binary (0b10) or octal (0o7) included, is a usage error.
 */
export function number(flag: string, text: string): number {
  const v = parseNumber(text);
  if (v === undefined) throw new UsageError(`${flag} needs a number written in decimal, got "${text}"`);
  return v;
}

/** A finite number >= 0 (--rtol, --atol). */
export function tolerance(flag: string, text: string): number {
  const v = number(flag, text);
  if (!(v >= 0) || !Number.isFinite(v)) throw new UsageError(`${flag} must be a finite number >= 0, got ${text}`);
  return v;
}

/** A whole number >= 1. */
export function count(flag: string, text: string): number {
  const v = number(flag, text);
  if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`${flag} needs a whole number >= 1, got ${text}`);
  return v;
}
