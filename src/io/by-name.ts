/**
 * One file with everything: the logits and labels of a container (.npz, .safetensors, a JSON
 * object, and any other reader's Container) found by the names people give them.
 *
 * A key names an array when it is one of the names, or, for a key nested in the container
 * (`outputs.logits` in a JSON object or a torch.save dict, `model.logits` in safetensors),
 * when its last dotted part is. A key that is a name itself wins over nested ones; among
 * keys of the same kind exactly one must match, else the error lists them.
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
  const top = keys.filter((k) => names.includes(k));
  const matches = top.length > 0 ? top : keys.filter((k) => names.includes(k.slice(k.lastIndexOf('.') + 1)));
  if (matches.length === 1) return matches[0];
  const { kind } = container;
  if (matches.length > 1) {
    throw new InputError(`several keys of the ${kind} name the ${role}: ${listKeys(matches)}; ${ADVICE[role](source)}`, source);
  }
  const there = container.keys.length === 0 ? 'it holds no arrays' : `the keys are ${listKeys(container.keys)}`;
  throw new InputError(`no key of the ${kind} names the ${role} (${listKeys(names)}); ${there}: ${ADVICE[role](source)}`, source);
}
