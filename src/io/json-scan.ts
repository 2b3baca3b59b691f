/**
 * Walking JSON bytes without building values: spaces, strings, the bare words, skipping a
 * value (checked as the tensor reader checks one), and whether a text holds several values on
 * several lines (JSON Lines). All read forwards through a Cursor, so a skipped value or string
 * of any size costs one chunk of memory.
 */
import { END, NL, type Cursor } from './json-cursor.js';
import { numberAt } from './json-number.js';

/** Reports a syntax error at a byte offset (failAt with the text and source bound). */
export type Fail = (at: number, message: string) => never;

/** Skips JSON's spaces (and newlines, unless `lines`); whether a newline was skipped. */
export function skipSpace(c: Cursor, lines = false): boolean {
  let newline = false;
  for (;;) {
    if (c.pos >= c.lim && !c.ensure(1)) return newline;
    const b = c.buf[c.pos];
    if (b === 0x20 || b === 0x09 || b === 0x0d) c.pos++;
    else if (b === NL && !lines) {
      newline = true;
      c.pos++;
    } else return newline;
  }
}

/**
 * The bytes of the character at the cursor when it is one that String.trim and /\s/ take for
 * a space (ASCII ones, NBSP, U+FEFF, U+2028, ...), else 0: where the text reader trimmed lines
 * and split tokens.
 */
export function spaceLength(c: Cursor): number {
  const b = c.peek();
  if (b < 0x80) return b === 0x20 || (b >= 0x09 && b <= 0x0d) ? 1 : 0;
  const n = sequenceLength(b);
  return /^\s$/.test(decodeOne(c, n)) ? n : 0;
}

/** The character at the cursor (its first UTF-16 unit, as text[i] gives), for messages. */
export function charAt(c: Cursor): string {
  const b = c.peek();
  return b < 0x80 ? String.fromCharCode(b) : decodeOne(c, sequenceLength(b))[0];
}

/** Bytes in the UTF-8 sequence that lead byte `b` (0x80 or above) starts. */
function sequenceLength(b: number): number {
  return b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
}

/** The `n` bytes at the cursor (fewer at the end) decoded, as the text reader decoded them. */
function decodeOne(c: Cursor, n: number): string {
  c.ensure(n);
  return c.text(Math.min(n, c.lim - c.pos));
}

/**
 * Bytes in the string at the cursor, its quotes included; it ends at a '"' not escaped, and
 * a newline or the end first is an unterminated string. The string stays in the buffer.
 */
export function stringLength(c: Cursor, fail: Fail): number {
  let k = 1;
  for (;;) {
    const b = c.at(k);
    if (b === 0x22) return k + 1;
    if (b === END || b === NL) return fail(c.offset, 'invalid JSON: unterminated string');
    k += b === 0x5c ? 2 : 1;
  }
}

/** The string at the cursor, decoded as JSON.parse does, and consumed. */
export function readString(c: Cursor, fail: Fail): string {
  const length = stringLength(c, fail);
  let s: string;
  if (plainAscii(c.buf, c.pos + 1, c.pos + length - 1)) s = c.buf.toString('latin1', c.pos + 1, c.pos + length - 1);
  else {
    try {
      s = JSON.parse(c.text(length)) as string;
    } catch {
      return fail(c.offset, 'invalid JSON: invalid string');
    }
  }
  c.pos += length;
  return s;
}

/** Printable ASCII without '\\': a JSON string's bytes that are its characters as they stand. */
function plainAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] < 0x20 || buf[i] >= 0x7f || buf[i] === 0x5c) return false;
  return true;
}

/**
 * Consumes the string at the cursor without keeping it: a string of any length, checked as
 * readString checks it (a newline or the end first: unterminated; else a control character or
 * an escape JSON.parse refuses: invalid), with the same messages at the same place.
 */
function skipString(c: Cursor, fail: Fail): void {
  const start = c.offset;
  let valid = true;
  c.pos++;
  for (;;) {
    if (c.pos >= c.lim && !c.ensure(1)) fail(start, 'invalid JSON: unterminated string');
    const b = c.buf[c.pos];
    if (b === 0x22) break;
    if (b === NL) fail(start, 'invalid JSON: unterminated string');
    if (b < 0x20) valid = false;
    if (b === 0x5c) {
      if (!c.ensure(2)) fail(start, 'invalid JSON: unterminated string');
      valid &&= validEscape(c);
      c.pos += 2;
    } else c.pos++;
  }
  c.pos++;
  if (!valid) fail(start, 'invalid JSON: invalid string');
}

/** Bytes that may follow a '\\' in a JSON string. */
const ESCAPES = new Uint8Array(128);
for (const ch of '"\\/bfnrtu') ESCAPES[ch.charCodeAt(0)] = 1;

/** Whether the escape at the cursor ('\\' and what follows) is one JSON.parse takes. */
function validEscape(c: Cursor): boolean {
  const e = c.at(1);
  if (e >= 0x80 || ESCAPES[e] !== 1) return false;
  if (e !== 0x75) return true;
  for (let k = 2; k < 6; k++) {
    const h = c.at(k);
    if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) return false;
  }
  return true;
}

/** The closers of an array and an object: ']' and '}', which follow '[' and '{' by 2. */
const [ARRAY_END, OBJECT_END] = [0x5d, 0x7d];

/**
 * Consumes the JSON value at the cursor (after spaces), checked as the tensor reader and
 * objectMembers check what they read: values (arrays, objects, strings, numbers, the bare
 * words), commas, colons and keys, with their messages at their places. One pass, a byte of
 * state per open bracket, no string built.
 */
export function skipValue(c: Cursor, fail: Fail): void {
  const closers: number[] = [];
  const syntax = (what: string): never => fail(c.offset, `invalid JSON: ${what}`);
  /** After '{' or ',' in an object: a key and its ':'. */
  const key = (first: boolean): void => {
    skipSpace(c);
    if (c.peek() !== 0x22) syntax(first ? "expected a string key or '}'" : 'expected a string key');
    skipString(c, fail);
    skipSpace(c);
    if (c.peek() !== 0x3a) syntax("expected ':' after an object key");
    c.pos++;
  };
  for (;;) {
    // a value is expected at the cursor
    skipSpace(c);
    const b = c.peek();
    if (b === 0x5b || b === 0x7b) {
      c.pos++;
      skipSpace(c);
      if (c.peek() !== b + 2) {
        closers.push(b + 2);
        if (b === 0x7b) key(true);
        continue;
      }
      c.pos++;
    } else skipScalar(c, fail);
    // a value just ended: close brackets until one continues with a comma
    for (;;) {
      if (closers.length === 0) return;
      skipSpace(c);
      const closer = closers[closers.length - 1];
      if (c.peek() === 0x2c) {
        c.pos++;
        if (closer === OBJECT_END) key(false);
        break;
      }
      if (c.peek() !== closer) {
        syntax(closer === ARRAY_END ? "expected ',' or ']' after an array element" : "expected ',' or '}' after an object member");
      }
      c.pos++;
      closers.pop();
    }
  }
}

/** Consumes the string, number or bare word (BARE, or null) at the cursor, as the tensor reader reads one. */
function skipScalar(c: Cursor, fail: Fail): void {
  const b = c.peek();
  if (b === END) fail(c.offset, 'invalid JSON: unexpected end of input, expected a value');
  if (b === 0x22) return skipString(c, fail);
  const word = startsNumber(c) ? undefined : wordAt(c);
  if (word !== undefined && (word === 'null' || BARE.has(word))) {
    c.pos += word.length;
    return;
  }
  const number = numberAt(c, false);
  if (!number) fail(c.offset, `invalid JSON: unexpected ${JSON.stringify(word ?? charAt(c))}, expected a value`);
  c.pos += number!.length;
}

/** Whether the bytes at the cursor spell `word`. */
export function startsWith(c: Cursor, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (c.at(i) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether a text that is not an object holds a second value on a later line: JSON Lines,
 * when no format was asked for. A first value that does not parse is left to the JSON reader.
 */
export function severalValues(c: Cursor): boolean {
  for (let n = spaceLength(c); n > 0; n = spaceLength(c)) c.pos += n;
  if (c.peek() === 0x7b) return false;
  try {
    skipValue(c, (_at, message) => {
      throw new Error(message);
    });
  } catch {
    return false;
  }
  while (c.peek() === 0x20 || c.peek() === 0x09 || c.peek() === 0x0d) c.pos++;
  if (c.peek() !== NL) return false;
  for (let n = spaceLength(c); n > 0; n = spaceLength(c)) c.pos += n;
  return c.peek() !== END;
}

/** Unquoted words: JSON's booleans and Python's non-finite spellings. */
export const BARE = new Map([
  ['true', 1],
  ['false', 0],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
]);

/**
 * The bare word at the cursor (BARE: true, NaN, -Infinity, ...), consumed: its value; else
 * undefined, nothing consumed. The word ends where its letters do, whatever follows (',', ']',
 * '}', a space): the open pass and a later read of the same bytes (json-file.ts) both take
 * words here, so they end the same token at the same byte.
 */
export function bareAt(c: Cursor): number | undefined {
  const word = startsNumber(c) ? undefined : wordAt(c);
  const value = word === undefined ? undefined : BARE.get(word);
  if (value !== undefined) c.pos += word!.length;
  return value;
}

/** A digit, or a '-' not before Infinity: a number literal or nothing (numberAt). */
export function startsNumber(c: Cursor): boolean {
  const b = c.peek();
  return (b >= 0x30 && b <= 0x39) || (b === 0x2d && c.at(1) !== 0x49);
}

/** A word at the cursor as /^-?[A-Za-z]+/ finds it in the next 10 characters, or undefined. */
export function wordAt(c: Cursor): string | undefined {
  let k = c.at(0) === 0x2d ? 1 : 0;
  const letters = k;
  for (let b = c.at(k); k < 10 && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)); b = c.at(++k));
  return k > letters ? c.ascii(k) : undefined;
}
