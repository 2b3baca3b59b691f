/**
 * torch.save files (.pt, .pth, and .bin from torch) as a Container: the tensors and Python
 * numbers of the saved object by key path. Dict keys and list/tuple indices are joined with
 * '.': `outputs.logits`, `0`, `outputs.1`; a number is a 0-d tensor (int64, float64, bool).
 * A file holding a single tensor has no keys. Either format (zip-format.ts, legacy-format.ts)
 * is recognised by its first bytes; from a file, only the pickle and the storages the asked
 * tensor reaches are read, at their offsets.
 */
import { InputError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { ByteSource } from '../byte-source.js';
import { bufferSource, withFile } from '../byte-source.js';
import { pickArray, refuseKey, type Container } from '../container.js';
import { isZip } from '../npz.js';
import { isTar } from '../foreign.js';
import { readTorchLegacy, startsAsTorchLegacy } from './legacy-format.js';
import { describe } from './pickle.js';
import { readTensor } from './tensors.js';
import { PyDict, PyList, PyTuple, TensorRef, type PyValue } from './values.js';
import { readTorchZip, startsAsTorchZip, type TorchArchive } from './zip-format.js';

/** What messages call these files. */
export const TORCH_KIND = 'torch.save file';

/** Containers nest at most this deep; deeper is a hostile file, not a dump. */
const MAX_DEPTH = 64;
/** Values visited at most: a pickle's memo can make a small file name one list millions of times over. */
const MAX_ITEMS = 1_000_000;

type Leaf = TensorRef | bigint | number | boolean;

/** torch.save's zip format (data.pkl first) or its legacy format, by the first bytes. */
export function looksLikeTorch(buf: Uint8Array): boolean {
  return (isZip(buf) && startsAsTorchZip(buf)) || startsAsTorchLegacy(buf);
}

/** The file's tensors; `single` when it holds one tensor (or number), which has no key. */
export interface TorchContainer extends Container {
  single: boolean;
}

/** The file in memory (standard input). */
export function parseTorch(buf: Uint8Array, source: string): TorchContainer {
  const src = bufferSource(buf, source);
  return torchContainer(src, source, (read) => read(src));
}

/** The file at `path`, read at offsets: the pickle now, a tensor's storage when it is asked for. */
export function openTorchFile(path: string): TorchContainer {
  return withFile(path, (src) => torchContainer(src, path, (read) => withFile(path, read)));
}

/** The file as a container of several tensors, or undefined when it holds a single one. */
export function severalTensors(file: TorchContainer): TorchContainer | undefined {
  return file.single ? undefined : file;
}

/** The array `key` names: as pickArray, except that a file of a single tensor takes no key. */
export function pickTorch(file: TorchContainer, key: string | undefined, source: string): Tensor {
  if (!file.single) return pickArray(file, key, source);
  refuseKey(`this ${TORCH_KIND}`, key, source);
  return file.read('', source);
}

function torchContainer(src: ByteSource, source: string, reopen: <T>(read: (src: ByteSource) => T) => T): TorchContainer {
  const archive = openArchive(src, source);
  const leaves = new Map<string, Leaf>();
  collect(archive.root, '', 0, leaves, { open: new Set(), visits: 0 }, source);
  const single = isLeaf(archive.root);
  return {
    kind: TORCH_KIND,
    keys: single ? [] : [...leaves.keys()],
    single,
    read(key, keySource) {
      const leaf = leaves.get(key)!;
      if (leaf instanceof TensorRef) return reopen((file) => readTensor(leaf, archive.storages(file), keySource));
      return scalar(leaf);
    },
  };
}

function openArchive(src: ByteSource, source: string): TorchArchive {
  const head = new Uint8Array(Math.min(src.size, 512));
  src.read(head, 0);
  if (isZip(head)) return readTorchZip(src, source);
  if (startsAsTorchLegacy(head)) return readTorchLegacy(src, source);
  if (isTar(head)) {
    throw new InputError('a torch.save file from before PyTorch 1.0 (a tar archive): load it with torch.load and save it again with a newer PyTorch', source);
  }
  throw new InputError(`not a torch.save file: neither a zip archive nor the legacy format's magic number at byte 0`, source);
}

function isLeaf(v: PyValue): v is Leaf {
  return v instanceof TensorRef || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * The leaves under `value` by key path. Strings, None, bytes and sets hold no arrays and are
 * passed over; a container inside itself, or nested deeper than MAX_DEPTH, is an error.
 */
function collect(value: PyValue, path: string, depth: number, out: Map<string, Leaf>, walk: Walk, source: string): void {
  if (++walk.visits > MAX_ITEMS) throw new InputError(`holds more than ${MAX_ITEMS} values in its containers`, source);
  if (isLeaf(value)) {
    out.set(path, value);
    return;
  }
  const children = value instanceof PyDict ? [...value.items.values()] : value instanceof PyList || value instanceof PyTuple ? value.items.map((v, i) => [BigInt(i), v] as const) : undefined;
  if (children === undefined) return;
  const where = path === '' ? 'the top level' : `key ${JSON.stringify(path)}`;
  if (depth >= MAX_DEPTH) throw new InputError(`containers nested more than ${MAX_DEPTH} deep at ${where}`, source);
  if (walk.open.has(value)) throw new InputError(`${describe(value)} that holds itself at ${where}`, source);
  walk.open.add(value);
  for (const [key, child] of children) {
    const name = keyName(key);
    if (name !== undefined) collect(child, path === '' ? name : `${path}.${name}`, depth + 1, out, walk, source);
  }
  walk.open.delete(value);
}

/** The containers being walked (to catch one inside itself), and how many values were visited. */
interface Walk {
  open: Set<PyValue>;
  visits: number;
}

/** A dict key as a path part: str and int keys (and bool, float); others hold nothing reachable. */
function keyName(key: PyValue): string | undefined {
  if (typeof key === 'string' || typeof key === 'bigint') return String(key);
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (typeof key === 'number') return String(key);
  return undefined;
}

/** A Python number as a 0-d tensor, in the dtype torch.tensor gives it. */
function scalar(v: bigint | number | boolean): Tensor {
  if (typeof v === 'boolean') return { data: Uint8Array.of(v ? 1 : 0), shape: [], dtype: 'bool' };
  if (typeof v === 'number') return { data: Float64Array.of(v), shape: [], dtype: 'float64' };
  if (v < -(1n << 63n) || v >= 1n << 63n) return { data: Float64Array.of(Number(v)), shape: [], dtype: 'float64' };
  return { data: BigInt64Array.of(v), shape: [], dtype: 'int64' };
}
