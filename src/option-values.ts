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

/**
 * A whole number from 1 to `most` (2^53 - 1, the largest float64 holds exactly, unless the flag
 * has a smaller limit); `upTo` says the limit in the message when it is not a number here.
 */
export function count(flag: string, text: string, most = Number.MAX_SAFE_INTEGER, upTo = most === Number.MAX_SAFE_INTEGER ? '2^53 - 1' : String(most)): number {
  const v = number(flag, text);
  // 1e400 is Infinity and 9007199254740993 reads as 2^53: too large, not fractional
  const whole = Number.isInteger(v) || v === Infinity;
  if (!whole || v < 1) throw new UsageError(`${flag} needs a whole number >= 1, got ${text}`);
  if (v > most) throw new UsageError(`${flag} needs a whole number between 1 and ${upTo}, got ${text}`);
  return v;
}
