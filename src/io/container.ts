/**
 * Files that hold several named arrays (.npz, .safetensors, a JSON object) and how a key
 * picks one: `file:key`, or no key when the file holds exactly one array.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Values } from '../values.js';

export interface Container {
  /** What the file is, for messages: "npz archive", "safetensors file", "JSON object". */
  kind: string;
  /** The arrays' names, in file order. */
  keys: readonly string[];
  /** Whether `key` names an array, where more names than `keys` do (an npz entry's full name); else `keys.includes`. */
  has?(key: string): boolean;
  /** The array named `key` (one that `has`); errors name `source`. */
  read(key: string, source: string): Tensor;
  /** The same array as Values read in blocks from the file, or undefined when it must be read whole. */
  open?(key: string, source: string): Values | undefined;
}

/** At most this many keys are listed in a message. */
const LISTED = 20;

/**
 * The array `key` names, or the only one when `key` is undefined. Errors about the key name
 * the file (`source`); errors inside the array name `source:key`.
 */
export function pickArray(container: Container, key: string | undefined, source: string): Tensor {
  const picked = pickKey(container, key, source);
  return container.read(picked.key, picked.source);
}

/** The key pickArray reads, and the name errors inside its array carry. */
export function pickKey(container: Container, key: string | undefined, source: string): { key: string; source: string } {
  const { keys, kind } = container;
  if (key === undefined) {
    if (keys.length === 1) return { key: keys[0], source };
    if (keys.length === 0) throw new InputError(`the ${kind} holds no arrays`, source);
    throw new InputError(`the ${kind} holds ${keys.length} arrays: pick one as ${source}:<key>; the keys are ${listKeys(keys)}`, source);
  }
  if (!(container.has ? container.has(key) : keys.includes(key))) {
    const what = key === '' ? "an empty key after ':'" : `no array ${JSON.stringify(key)}`;
    const there = keys.length === 0 ? `the ${kind} holds no arrays` : `the keys are ${listKeys(keys)}`;
    throw new InputError(`${what} in the ${kind}; ${there}`, source);
  }
  return { key, source: `${source}:${key}` };
}

/** A file of a format that holds one array was given a key. */
export function refuseKey(kind: string, key: string | undefined, source: string): void {
  if (key !== undefined) throw new InputError(`${kind} holds a single array and has no keys (got ':${key}')`, source);
}

/** Keys quoted for a message, at most LISTED of them. */
export function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, LISTED).map((k) => JSON.stringify(k)).join(', ');
  return keys.length > LISTED ? `${shown} and ${keys.length - LISTED} more` : shown;
}
