/**
 * One file with everything: `losscalc ce dump.npz` with no labels operand reads the logits
 * and the labels from the one container, found by name (by-name.ts), or the logits by the key
 * given (`dump.npz:outputs`) and the labels by name beside them. The file is opened once and
 * both arrays are read from it. Several files are shards, each holding both.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import { keyByName } from './by-name.js';
import { joinBatch } from './concat.js';
import { pickKey, type Container } from './container.js';
import { FORMAT_NAMES, formatOfPath } from './format.js';
import { locate, openContainer, type ReadOptions } from './read.js';

export interface Pair {
  logits: Tensor | Values;
  labels: Tensor | Values;
  /** Where each was read from, as `file:key` specs, one per shard. */
  specs: { logits: string[]; labels: string[] };
}

/**
 * Logits and labels from one file (`spec`), or from each of several (shards, read one after
 * another along the batch dim). Arrays come back as Values when they can be read in blocks.
 */
export async function readPair(spec: string | readonly string[], options: ReadOptions = {}): Promise<Pair> {
  if (typeof spec === 'string') {
    const { logits, labels, keys } = await pairOf(spec, options);
    return { logits, labels, specs: { logits: [keys.logits], labels: [keys.labels] } };
  }
  const parts = [];
  for (const s of spec) parts.push({ ...(await pairOf(s, options)), source: s });
  return {
    logits: joinBatch(parts.map((p) => ({ tensor: p.logits, source: p.source }))),
    labels: joinBatch(parts.map((p) => ({ tensor: p.labels, source: p.source }))),
    specs: { logits: parts.map((p) => p.keys.logits), labels: parts.map((p) => p.keys.labels) },
  };
}

async function pairOf(spec: string, options: ReadOptions) {
  const at = await locate(spec, options.note);
  const container = await openContainer(at, options);
  if (container === undefined) throw missingLabels(at.path, options);
  // a key given names an array of the file, or that is the error, before the labels are looked for
  const logitsKey = at.key === undefined ? keyByName(container, 'logits', at.path) : pickKey(container, at.key, at.path).key;
  const labelsKey = keyByName(container, 'labels', at.path, logitsKey);
  const read = (key: string) => arrayOf(container, key, at.path);
  return { logits: read(logitsKey), labels: read(labelsKey), keys: { logits: `${at.path}:${logitsKey}`, labels: `${at.path}:${labelsKey}` } };
}

/** The array `key` names in `container` (the error lists the keys when none does); Values when it can be read in blocks. */
function arrayOf(container: Container, key: string, path: string): Tensor | Values {
  const picked = pickKey(container, key, path);
  return container.open?.(picked.key, picked.source) ?? container.read(picked.key, picked.source);
}

/** A file of a format that holds one array, given with no labels. */
function missingLabels(path: string, options: ReadOptions): InputError {
  const format = options.format ?? (path === '-' ? undefined : formatOfPath(path));
  const what = format === undefined ? 'this input' : FORMAT_NAMES[format];
  const column = format === 'csv' || format === 'tsv' ? ', or name their column with --label-column' : '';
  return new InputError(`missing labels: ${what} holds one array; give the labels as a second operand or with --labels <file>${column}`, path);
}
