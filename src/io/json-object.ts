/**
 * The members of a JSON object, walked without building values: the arrays and numbers by
 * dotted key with the offsets where they start (json.ts then reads them by key), every other
 * value checked and skipped (skipValue).
 */
import { END, type Cursor } from './json-cursor.js';
import { readString, skipSpace, skipValue, startsWith, type Fail } from './json-scan.js';

/**
 * The members of the object at the cursor that may be arrays or numbers, by dotted key
 * (`meta.scores.auc` inside nested objects), each with the offset where its value starts;
 * other values are only skipped. Nothing but spaces may follow the object.
 */
export function objectMembers(c: Cursor, fail: Fail): Map<string, number> {
  const syntax = (at: number, what: string): never => fail(at, `invalid JSON: ${what}`);
  const values = new Map<string, number>();
  const names = new DottedNames();
  const keys = new ObjectKeys();
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
      const key = readString(c, fail);
      const twice = !first && keys.twice(depth - 1, key, names);
      names.set(depth - 1, key);
      skipSpace(c);
      if (c.peek() !== 0x3a) syntax(c.offset, "expected ':' after an object key");
      c.pos++;
      skipSpace(c);
      const duplicate = (): never => fail(c.offset, `duplicate key ${JSON.stringify(names.name(depth - 1))}`);
      if (twice) duplicate();
      if (c.peek() === 0x7b) {
        depth++;
        c.pos++;
        first = true;
        continue;
      }
      if (mayBeTensor(c)) {
        const name = names.name(depth - 1);
        if (values.has(name)) duplicate();
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
      keys.close(depth);
    }
  }
}

/**
 * The keys of the open objects, to refuse a key twice in one object (json.load would keep only
 * the later value). An object's first key is the one DottedNames holds at its depth, so a Set
 * is made only at an object's second key: an object a million deep costs nothing here.
 */
class ObjectKeys {
  private readonly sets = new Map<number, Set<string>>();

  /** Whether `key`, a second or later key of the object open at `depth`, is one it had. */
  twice(depth: number, key: string, names: DottedNames): boolean {
    let set = this.sets.get(depth);
    if (set === undefined) this.sets.set(depth, (set = new Set([names.key(depth)])));
    if (set.has(key)) return true;
    set.add(key);
    return false;
  }

  /** The object open at `depth` closed. */
  close(depth: number): void {
    this.sets.delete(depth);
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

  /** The key of the member being read at `depth` (the last part of its name). */
  key(depth: number): string {
    const start = depth === 0 ? 0 : this.ends[depth - 1] + 1;
    return unitsToString(this.units, start, this.ends[depth]);
  }

  /** The dotted name of the member being read at `depth`. */
  name(depth: number): string {
    return unitsToString(this.units, 0, this.ends[depth]);
  }
}

/** units[start, end) as a string: by code units, so that a lone surrogate (a key's "\ud800") stays as JSON.parse gave it. */
function unitsToString(units: Uint16Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 8192) s += String.fromCharCode(...units.subarray(i, Math.min(end, i + 8192)));
  return s;
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

