/**
 * One file with everything: the logits and labels of a container (.npz, .safetensors, a JSON
 * object, and any other reader's Container) found by the names people give them.
 *
 * A key names an array when it is one of the names, or, for a key nested in the container
 * (`outputs.logits` in a JSON object or a torch.save dict, `model.logits` in safetensors),
 * when its last dotted part is. A key that is a name itself wins over nested ones; among
 * keys of the same kind exactly one must match, else the error lists them. The labels of a
 * nested logits key given by the user (`batches.pt:1.logits`) are first looked for beside it
 * (`1.labels`): a list of per-batch dicts holds one such pair a batch.
 */
import { InputError } from '../errors.js';
import { listKeys, type Container } from './container.js';

export type Role = 'logits' | 'labels';

/** The names each array goes by, as PyTorch, Keras and scikit-learn users write them. */
export const ARRAY_NAMES: Readonly<Record<Role, readonly string[]>> = {
  logits: ['logits', 'outputs', 'output', 'preds', 'predictions', 'scores', 'y_pred'],
  labels: ['labels', 'label', 'targets', 'target', 'y', 'y_true'],
};

/** What to do when the name does not decide: give the key. */
const ADVICE: Record<Role, (source: string) => string> = {
  logits: (source) => `give them as ${source}:<key>`,
  labels: (source) => `give them as a second operand, ${source}:<key>`,
};

/**
 * The key of the array that plays `role` in `container`, found by name; `taken` (the other
 * array's key) is never it. Errors name `source`, the file.
 */
export function keyByName(container: Container, role: Role, source: string, taken?: string): string {
  const names = ARRAY_NAMES[role];
  const keys = container.keys.filter((k) => k !== taken);
  // beside a nested key that was given (batches.pt:1.logits), its siblings first: 1.labels
  if (taken?.includes('.')) {
    const siblings = keys.filter((k) => k.includes('.') && parent(k) === parent(taken) && names.includes(last(k)));
    if (siblings.length === 1) return siblings[0];
  }
  const top = keys.filter((k) => names.includes(k));
  const matches = top.length > 0 ? top : keys.filter((k) => names.includes(last(k)));
  if (matches.length === 1) return matches[0];
  const { kind } = container;
  if (matches.length > 1) {
    throw new InputError(`several keys of the ${kind} name the ${role}: ${listKeys(matches)}; ${ADVICE[role](source)}${asShards(matches, role, source)}`, source);
  }
  const there = container.keys.length === 0 ? 'it holds no arrays' : `the keys are ${listKeys(container.keys)}`;
  throw new InputError(`no key of the ${kind} names the ${role} (${listKeys(names)}); ${there}: ${ADVICE[role](source)}`, source);
}

/** A dotted key's last part (`logits` of `outputs.logits`), and the key it is in (`outputs`). */
const last = (k: string): string => k.slice(k.lastIndexOf('.') + 1);
const parent = (k: string): string => k.slice(0, Math.max(0, k.lastIndexOf('.')));

/**
 * For logits under one name in each of several entries (a list of per-batch dicts), how to take
 * them all: as shards, each finding its labels beside it.
 */
function asShards(matches: readonly string[], role: Role, source: string): string {
  // entries of a list: the key before the name is an index (0.logits, outputs.3.logits), not train.logits
  const listed = (k: string) => /(^|\.)\d+\.[^.]+$/.test(k);
  if (role !== 'logits' || !matches.every((k) => listed(k) && last(k) === last(matches[0]))) return '';
  const shown = matches.slice(0, 3).map((k) => `-l ${source}:${k}`).join(' ');
  return `, or all of them as shards: ${shown}${matches.length > 3 ? ' ...' : ''}`;
}
