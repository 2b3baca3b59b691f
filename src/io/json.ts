/**
 * JSON tensors: nested arrays of numbers of any depth, or a bare number (shape ()), read from
 * the bytes of the text (json-tensor.ts), never from one decoded string.
 *
 * A JSON object is a container: its arrays (and numbers) are picked by key, nested objects'
 * with dots (`meta.scores.auc`). Only the picked value is parsed as a tensor; the rest is
 * checked as JSON and skipped, so strings, booleans and null may sit beside the arrays. A key
 * twice in one object is an error (json-object.ts).
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { ByteSource } from './byte-source.js';
import { pickArray, type Container } from './container.js';
import { Float64Buffer } from './float64-buffer.js';
import { Cursor, END, failAt, skipBom } from './json-cursor.js';
import { objectMembers } from './json-object.js';
import { skipSpace, type Fail } from './json-scan.js';
import { scanTensor, Seen } from './json-tensor.js';

/** JSON text: a string, or its UTF-8 bytes. */
export type JsonText = string | Uint8Array;

function bytesOf(text: JsonText): Uint8Array {
  return typeof text === 'string' ? Buffer.from(text) : text;
}

/** The tensor in a JSON text; for a JSON object, the array `key` names (or its only one). */
export function parseJson(text: JsonText, source: string, key?: string): Tensor {
  const bytes = bytesOf(text);
  const container = jsonContainer(bytes, source);
  if (container) return pickArray(container, key, source);
  refuseKeyOfTensor(new Cursor(bytes, 0, bytes.length), key, source);
  return tensorAt(bytes, source, 0, true);
}

/** A key given for a JSON text that is no object (the cursor at its start) is an error. */
export function refuseKeyOfTensor(c: Cursor, key: string | undefined, source: string): void {
  skipBom(c);
  skipSpace(c);
  if (key !== undefined && c.peek() !== END) {
    throw new InputError(`a JSON ${c.peek() === 0x5b ? 'array' : 'number'} has no keys (got ':${key}'); only a JSON object does`, source);
  }
}

/** The arrays of a JSON text that is an object, by key; undefined for any other JSON text. */
export function jsonContainer(text: JsonText, source: string): Container | undefined {
  const bytes = bytesOf(text);
  const members = jsonObject(bytes, source);
  if (members === undefined) return undefined;
  return { kind: 'JSON object', keys: [...members.keys()], read: (key, keySource) => tensorAt(bytes, keySource, members.get(key)!, false) };
}

/**
 * The members of the JSON object `src` holds, by key, with the offsets of their values;
 * undefined when the text is not an object.
 */
export function jsonObject(src: ByteSource | Uint8Array, source: string): Map<string, number> | undefined {
  const c = new Cursor(src, 0, sizeOf(src));
  skipBom(c);
  skipSpace(c);
  if (c.peek() !== 0x7b) return undefined;
  return objectMembers(c, failIn(src, source));
}

function sizeOf(src: ByteSource | Uint8Array): number {
  return src instanceof Uint8Array ? src.length : src.size;
}

export function failIn(src: ByteSource | Uint8Array, source: string): Fail {
  return (at, message) => failAt(src, source, at, message);
}

/** The tensor whose value starts at `start` of the bytes; `whole`: nothing but spaces may follow it. */
function tensorAt(bytes: Uint8Array, source: string, start: number, whole: boolean): Tensor {
  const seen = new Seen(Infinity, new Float64Buffer(Math.min(1024, (bytes.length - start + 1) >> 1)));
  const shape = scanTensor(new Cursor(bytes, start, bytes.length), source, seen, { whole });
  return seen.tensor(shape);
}
