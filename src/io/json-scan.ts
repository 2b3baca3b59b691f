/**
 * Walking JSON bytes without building values: spaces, strings, skipping a value, the members
 * of an object (whose arrays json.ts then reads by key), and whether a text holds several
 * values on several lines (JSON Lines). All read forwards through a Cursor, so a skipped value
 * or string of any size costs one chunk of memory.
 */
import { END, NL, type Cursor } from './json-cursor.js';

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

/** Consumes the string at the cursor without keeping it: a string of any length. */
function skipString(c: Cursor, fail: Fail): void {
  const start = c.offset;
  c.pos++;
  for (;;) {
    if (c.pos >= c.lim && !c.ensure(1)) fail(start, 'invalid JSON: unterminated string');
    const b = c.buf[c.pos];
    if (b === 0x22) {
      c.pos++;
      return;
    }
    if (b === NL) fail(start, 'invalid JSON: unterminated string');
    if (b === 0x5c && !c.ensure(2)) fail(start, 'invalid JSON: unterminated string');
    c.pos += b === 0x5c ? 2 : 1;
  }
}

/** ASCII bytes that end a bare token: JSON's punctuation and spaces (\s). */
const ENDS_TOKEN = new Uint8Array(128);
for (const ch of ' \t\n\v\f\r,:[]{}"') ENDS_TOKEN[ch.charCodeAt(0)] = 1;

/** Consumes the JSON value at the cursor (after spaces), checked only for balance. */
export function skipValue(c: Cursor, fail: Fail): void {
  const closers: number[] = [];
  for (;;) {
    skipSpace(c);
    const b = c.peek();
    if (b === 0x5b || b === 0x7b) {
      closers.push(b + 2); // ']' and '}' follow '[' and '{' by 2
      c.pos++;
      continue;
    }
    if (b === 0x2c || b === 0x3a) {
      if (closers.length === 0) fail(c.offset, `invalid JSON: unexpected ${JSON.stringify(charAt(c))}, expected a value`);
      c.pos++;
      continue;
    }
    if (b === 0x5d || b === 0x7d) {
      if (closers.pop() !== b) fail(c.offset, `invalid JSON: unexpected ${JSON.stringify(charAt(c))}`);
      c.pos++;
    } else if (b === 0x22) {
      skipString(c, fail);
    } else {
      const start = c.offset;
      for (;;) {
        if (c.pos >= c.lim && !c.ensure(1)) break;
        const t = c.buf[c.pos];
        if (t < 0x80 ? ENDS_TOKEN[t] : spaceLength(c) > 0) break;
        c.pos++;
      }
      if (c.offset === start) {
        fail(start, b === END ? 'invalid JSON: unexpected end of input, expected a value' : `invalid JSON: unexpected ${JSON.stringify(charAt(c))}`);
      }
    }
    if (closers.length === 0) return;
  }
}

/**
 * The members of the object at the cursor that may be arrays or numbers, by dotted key
 * (`meta.scores.auc` inside nested objects), each with the offset where its value starts;
 * other values are only skipped. Nothing but spaces may follow the object.
 */
export function objectMembers(c: Cursor, fail: Fail): Map<string, number> {
  const syntax = (at: number, what: string): never => fail(at, `invalid JSON: ${what}`);
  const values = new Map<string, number>();
  const names = new DottedNames();
  let depth = 1; // objects open
  c.pos++;
  let first = true; // just after '{', where '}' may close the object
  for (;;) {
    skipSpace(c);
    if (first && c.peek() === 0x7d) {
      c.pos++;
      depth--;
    } else {
      if (c.peek() !== 0x22) syntax(c.offset, first ? "expected a string key or '}'" : 'expected a string key');
      names.set(depth - 1, readString(c, fail));
      skipSpace(c);
      if (c.peek() !== 0x3a) syntax(c.offset, "expected ':' after an object key");
      c.pos++;
      skipSpace(c);
      if (c.peek() === 0x7b) {
        depth++;
        c.pos++;
        first = true;
        continue;
      }
      if (mayBeTensor(c)) {
        const name = names.name(depth - 1);
        if (values.has(name)) fail(c.offset, `duplicate key ${JSON.stringify(name)}`);
        values.set(name, c.offset);
      }
      skipValue(c, fail);
    }
    // a member or an object just ended: close objects until one continues with a comma
    for (;;) {
      skipSpace(c);
      if (depth === 0) {
        if (c.peek() !== END) syntax(c.offset, 'unexpected text after the end of the data');
        return values;
      }
      if (c.peek() === 0x2c) {
        c.pos++;
        first = false;
        break;
      }
      if (c.peek() !== 0x7d) syntax(c.offset, "expected ',' or '}' after an object member");
      c.pos++;
      depth--;
    }
  }
}

/**
 * The dotted name (`a.b.c`) of the member being read at each depth of open objects, kept as
 * the UTF-16 code units of one growing path (a stack: a key replaces the path from its depth
 * on), so that an object a million deep costs a few bytes a level and no string each; a name
 * is made only for a member that may be a tensor.
 */
class DottedNames {
  private units: Uint16Array = new Uint16Array(256);
  /** ends[d]: the code units of the name of the member being read at depth d. */
  private ends: Int32Array = new Int32Array(64);

  /** The member being read at `depth` has key `key`. */
  set(depth: number, key: string): void {
    const start = depth === 0 ? 0 : this.ends[depth - 1] + 1;
    const end = start + key.length;
    if (end > this.units.length) this.units = grown(this.units, end) as Uint16Array;
    if (depth >= this.ends.length) this.ends = grown(this.ends, depth + 1) as Int32Array;
    if (depth > 0) this.units[start - 1] = 0x2e; // '.'
    for (let i = 0; i < key.length; i++) this.units[start + i] = key.charCodeAt(i);
    this.ends[depth] = end;
  }

  /** The dotted name of the member being read at `depth`. */
  name(depth: number): string {
    const end = this.ends[depth];
    let name = '';
    // by code units, so that a lone surrogate (a key's "\ud800") stays as JSON.parse gave it
    for (let i = 0; i < end; i += 8192) name += String.fromCharCode(...this.units.subarray(i, Math.min(end, i + 8192)));
    return name;
  }
}

/** A copy of `a` with room for at least `n` elements. */
function grown(a: Uint16Array | Int32Array, n: number): Uint16Array | Int32Array {
  const b = new (a.constructor as new (n: number) => Uint16Array | Int32Array)(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}

/** A value starting with '[', '-', a digit, NaN or Infinity: an array or a number. */
function mayBeTensor(c: Cursor): boolean {
  const b = c.peek();
  if (b === 0x5b || b === 0x2d || (b >= 0x30 && b <= 0x39)) return true;
  return startsWith(c, 'NaN') || startsWith(c, 'Infinity');
}

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
