/**
 * A JSON object read member by member from its bytes (json-cursor.ts: a file in chunks, or
 * bytes in memory), never as one string: the members named as arrays are scanned as tensors
 * (json-tensor.ts) and read later in blocks from the offsets noted (json-file.ts); every other
 * member is small and parsed as JSON.parse parses it. A --json result of 30M losses (a GB of
 * text, which no string can hold) costs a few MB to read, as often as needed.
 */
import { InputError } from '../errors.js';
import { inMemory, type Values } from '../values.js';
import type { FileSource } from './byte-source.js';
import { Float64Buffer } from './float64-buffer.js';
import { chunkBytes, Cursor, END, NL, skipBom } from './json-cursor.js';
import { jsonFiles, scanValuesAt, type ReadBuffers } from './json-file.js';
import { readString, skipSpace, skipValue, spaceLength, type Fail } from './json-scan.js';
import { scanTensor, Seen } from './json-tensor.js';

export const jsonParts = {
  /** Bytes of a member parsed whole: a larger one is left out, its size noted. */
  memberBytes: 16 << 20,
};

/**
 * Values between two offsets noted in an array read in blocks: reads of 64Ki values (the
 * JSON writer's) then skip at most 1/64 of what they read.
 */
const MARK_EVERY = 1024;

/** JSON text: the bytes [start, end) of a file open at `path`, or of bytes in memory. */
export interface JsonSpan {
  src: FileSource | Uint8Array;
  /** The file's path, to read its arrays again (for a FileSource). */
  path?: string;
  start: number;
  end: number;
  /** Names the text in errors. */
  source: string;
}

export interface JsonMembers {
  /** The members as JSON.parse gives them, but those read as arrays and those over jsonParts.memberBytes. */
  values: Map<string, unknown>;
  /** The members asked for as arrays that are arrays of numbers, in blocks (in memory for text in memory). */
  arrays: Map<string, Values>;
  /** The other members over jsonParts.memberBytes: their size in bytes. */
  large: Map<string, number>;
}

export interface MemberErrors {
  /** The text is not JSON. */
  invalid(): never;
  /** The array `key` is not nested arrays of numbers, nor any JSON (a file cut short in it). */
  inArray(key: string, message: string): never;
}

/**
 * The members of the JSON object in `text`, the members `arrays` names read as arrays;
 * undefined for JSON that is no object. An array member that is no tensor of numbers but is
 * JSON is parsed as any member is (for its reader to say what it is instead).
 */
export function readMembers(text: JsonSpan, arrays: readonly string[], errors: MemberErrors): JsonMembers | undefined {
  if (chunk?.length !== chunkBytes()) chunk = Buffer.allocUnsafe(chunkBytes());
  const c = new Cursor(text.src, text.start, text.end, chunk);
  const invalid: Fail = () => errors.invalid();
  skipBom(c);
  skipSpace(c);
  if (c.peek() !== 0x7b) {
    if (valueAt(c) === undefined) errors.invalid();
    atEnd(c, errors);
    return undefined;
  }
  const members: JsonMembers = { values: new Map(), arrays: new Map(), large: new Map() };
  c.pos++;
  skipSpace(c);
  if (c.peek() === 0x7d) c.pos++;
  else {
    for (let b = 0x2c; b === 0x2c; c.pos++) {
      skipSpace(c);
      if (c.peek() !== 0x22) errors.invalid();
      const key = readString(c, invalid);
      skipSpace(c);
      if (c.peek() !== 0x3a) errors.invalid();
      c.pos++;
      skipSpace(c);
      // a key given twice is its last value, as JSON.parse takes it
      for (const kind of Object.values(members)) (kind as Map<string, unknown>).delete(key);
      const value = arrays.includes(key) && c.peek() === 0x5b ? arrayAt(c, text, key, errors) : (valueAt(c) ?? errors.invalid());
      if ('read' in value) members.arrays.set(key, value);
      else if ('bytes' in value) members.large.set(key, value.bytes);
      else members.values.set(key, value.value);
      skipSpace(c);
      b = c.peek();
      if (b !== 0x2c && b !== 0x7d) errors.invalid();
    }
  }
  atEnd(c, errors);
  return members;
}

/**
 * The buffers of every read of members and arrays: a merge of hundreds of parts reads them one
 * after another (a part's loss beside its perSample), and new ones for each part would be
 * garbage that outlives the young generation, as much as V8 lets grow before it collects.
 */
let chunk: Buffer | undefined;
const spares: ReadBuffers = [];

/** Nothing but spaces is left. */
function atEnd(c: Cursor, errors: MemberErrors): void {
  skipSpace(c);
  if (c.peek() !== END) errors.invalid();
}

/**
 * The array at the cursor, consumed, as Values; JSON that is no tensor of numbers is parsed
 * instead, as any member is.
 */
function arrayAt(c: Cursor, text: JsonSpan, key: string, errors: MemberErrors): Values | { value: unknown } {
  const start = c.offset;
  try {
    if (text.src instanceof Uint8Array) {
      const seen = new Seen(Infinity, new Float64Buffer());
      return inMemory(seen.tensor(scanTensor(c, text.source, seen, { whole: false })));
    }
    return scanValuesAt(c, text.src, text.path!, text.source, Math.min(MARK_EVERY, jsonFiles.markEvery()), spares);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    c.seek(start);
    const value = valueAt(c);
    return value !== undefined && 'value' in value ? value : errors.inArray(key, e.message);
  }
}

class NotJson extends Error {}

/**
 * The JSON value at the cursor, consumed: parsed when it has at most jsonParts.memberBytes bytes, else
 * only checked for balance and measured; undefined (the cursor anywhere) when it is not JSON.
 */
function valueAt(c: Cursor): { value: unknown } | { bytes: number } | undefined {
  const start = c.offset;
  try {
    skipValue(c, () => {
      throw new NotJson();
    });
  } catch (e) {
    if (e instanceof NotJson) return undefined;
    throw e;
  }
  const bytes = c.offset - start;
  if (bytes > jsonParts.memberBytes) return { bytes };
  c.seek(start);
  c.ensure(bytes);
  try {
    const value: unknown = JSON.parse(c.text(bytes));
    c.pos += bytes;
    return { value };
  } catch {
    return undefined;
  }
}

/**
 * The lines of `src` that are not blank (only spaces, as String.trim sees them), as [start,
 * end) byte ranges without their newline, each with its line number (from 1).
 */
export function* textLines(src: FileSource | Uint8Array): Generator<[number, number, number]> {
  const size = src instanceof Uint8Array ? src.length : src.size;
  const c = new Cursor(src, 0, size);
  let [line, start] = [1, 0];
  for (;;) {
    const more = c.pos < c.lim || c.ensure(1);
    const at = more ? c.buf.subarray(c.pos, c.lim).indexOf(NL) : -1;
    if (more && at < 0) {
      c.pos = c.lim;
      continue;
    }
    const end = more ? c.offset + at : size;
    if (!blank(src, start, end)) yield [start, end, line];
    if (!more) return;
    c.pos += at + 1;
    [line, start] = [line + 1, end + 1];
  }
}

function blank(src: FileSource | Uint8Array, start: number, end: number): boolean {
  const c = new Cursor(src, start, end, Buffer.allocUnsafe(64));
  for (let n = spaceLength(c); n > 0; n = spaceLength(c)) c.pos += n;
  return c.peek() === END;
}
