/**
 * torch.save files (.pt, .pth, and .bin from torch) as a Container: the tensors and Python
 * numbers of the saved object by key path. Dict keys and list/tuple indices are joined with
 * '.': `outputs.logits`, `0`, `outputs.1`, a key that is not a str as Python's str() spells
 * it (`(0, 1)`); two values by one name are an error. A number is a 0-d tensor (int64, float64,
 * bool). A file holding a single tensor has no keys. The zip format (zip-format.ts) is
 * recognised by its central directory, the legacy one (legacy-format.ts) by its first pickle;
 * from a file, only the pickle and the storages the asked tensor reaches are read, at their
 * offsets.
 */
import { InputError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Values } from '../../values.js';
import { arrayValues, filePass, streaming } from '../array-file.js';
import { stridedValues } from '../strided-file.js';
import { ELEMENT } from '../binary.js';
import type { ByteSource, FileState } from '../byte-source.js';
import { bufferSource, withFile } from '../byte-source.js';
import { pickKey, refuseKey, type Container } from '../container.js';
import { isZip } from '../npz.js';
import { isTar } from '../foreign.js';
import { readTorchLegacy, startsAsTorchLegacy } from './legacy-format.js';
import { describe } from './pickle.js';
import { readTensor, viewAt } from './tensors.js';
import { PyDict, PyList, PyTuple, TensorRef, type PyValue } from './values.js';
import { isTorchZip, readTorchZip, type TorchArchive } from './zip-format.js';

/** What messages call these files. */
export const TORCH_KIND = 'torch.save file';

/** Containers nest at most this deep; deeper is a hostile file, not a dump. */
const MAX_DEPTH = 64;
/** Values visited at most: a pickle's memo can make a small file name one list millions of times over. */
const MAX_ITEMS = 1_000_000;

type Leaf = TensorRef | bigint | number | boolean;

/**
 * Whether `src` is a torch.save file: a zip archive whose directory holds a data.pkl record
 * (isTorchZip), or the legacy format's magic number pickled first. Undefined for a zip whose
 * directory cannot be read (bytes cut short, such as the first of a stream).
 */
export function isTorchFile(src: ByteSource): boolean | undefined {
  const head = new Uint8Array(Math.min(src.size, 512));
  src.read(head, 0);
  return isZip(head) ? isTorchZip(src) : startsAsTorchLegacy(head);
}

/** isTorchFile for bytes in memory: a whole file, or the first bytes of one. */
export function looksLikeTorch(buf: Uint8Array): boolean | undefined {
  return isTorchFile(bufferSource(buf, ''));
}

/** isTorchFile for the regular file at `path`; false when it cannot be read (its reader says why). */
export function isTorchPath(path: string): boolean {
  try {
    return withFile(path, isTorchFile) === true;
  } catch {
    return false;
  }
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

/**
 * The file at `path`, read at offsets: the pickle now, a tensor's storage when it is asked for,
 * whole (`read`) or in blocks at its offset (`open`: a view of a storage stored as it is,
 * strided ones through strided-file.ts; a deflated record, or a view strided too far apart,
 * is read whole).
 */
export function openTorchFile(path: string): TorchContainer {
  return withFile(path, (src) => torchContainer(src, path, (read) => withFile(path, read, src.state), { path, since: src.state }));
}

/** The file as a container of several tensors, or undefined when it holds a single one. */
export function severalTensors(file: TorchContainer): TorchContainer | undefined {
  return file.single ? undefined : file;
}

/** The array `key` names: as pickArray, except that a file of a single tensor takes no key. */
export function pickTorch(file: TorchContainer, key: string | undefined, source: string): Tensor {
  return pickAnd(file, key, source, (k, s) => file.read(k, s));
}

/** As pickTorch, as Values read in blocks when the tensor can be. */
export function openPickedTorch(file: TorchContainer, key: string | undefined, source: string): Tensor | Values {
  return pickAnd(file, key, source, (k, s) => file.open?.(k, s) ?? file.read(k, s));
}

function pickAnd<T>(file: TorchContainer, key: string | undefined, source: string, read: (key: string, source: string) => T): T {
  if (!file.single) {
    const picked = pickKey(file, key, source);
    return read(picked.key, picked.source);
  }
  refuseKey(`this ${TORCH_KIND}`, key, source);
  return read('', source);
}

function torchContainer(
  src: ByteSource,
  source: string,
  reopen: <T>(read: (src: ByteSource) => T) => T,
  file?: { path: string; since: FileState },
): TorchContainer {
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
      if (leaf instanceof TensorRef) return reopen((again) => readTensor(leaf, archive.storages(again), keySource));
      return scalar(leaf);
    },
    open(key, keySource) {
      const leaf = leaves.get(key)!;
      if (file === undefined || !(leaf instanceof TensorRef)) return undefined;
      const { view, bigEndian } = reopen((again) => {
        const storages = archive.storages(again);
        return { view: viewAt(leaf, storages, keySource), bigEndian: storages.bigEndian };
      });
      if (view === undefined) return undefined;
      const layout = { spec: ELEMENT[leaf.storage.dtype], bigEndian, shape: leaf.shape };
      if (view.contiguous) return arrayValues(filePass(file.path, file.since), layout, view.at);
      return stridedValues(file.path, layout, leaf.stride, view.at, file.since, streaming);
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
    // {0: a, '0': b} or {'a.b': a, 'a': {'b': b}}: two values by one name, and no way to pick either
    if (out.has(path)) throw new InputError(`duplicate key ${JSON.stringify(path)}: two values of the saved object go by that name`, source);
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

/**
 * A dict key as a path part, as Python's str() spells it: str, int, bool, float, None, and
 * tuples of these (`(0, 1)`, `('a', 2)`). Other keys (bytes, frozensets) hold nothing reachable.
 */
function keyName(key: PyValue): string | undefined {
  return typeof key === 'string' ? key : keyRepr(key);
}

/** Python's repr() of a key, or undefined for a kind of key that is not spelled. */
function keyRepr(key: PyValue): string | undefined {
  if (key === null) return 'None';
  if (typeof key === 'bigint') return String(key);
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (typeof key === 'number') return floatRepr(key);
  if (typeof key === 'string') return /[\\\x00-\x1f\x7f]/.test(key) || (key.includes("'") && key.includes('"')) ? undefined : key.includes("'") ? `"${key}"` : `'${key}'`;
  if (!(key instanceof PyTuple)) return undefined;
  const items = key.items.map(keyRepr);
  if (items.some((item) => item === undefined)) return undefined;
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** repr() of a Python float: shortest digits, `.0` on whole numbers, an exponent of two digits or more below 1e-4 and from 1e16. */
function floatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const size = Math.abs(v);
  if (size !== 0 && (size < 1e-4 || size >= 1e16)) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  const s = String(v);
  return Number.isInteger(v) ? `${Object.is(v, -0) ? '-0' : s}.0` : s;
}

/** A Python number as a 0-d tensor, in the dtype torch.tensor gives it. */
function scalar(v: bigint | number | boolean): Tensor {
  if (typeof v === 'boolean') return { data: Uint8Array.of(v ? 1 : 0), shape: [], dtype: 'bool' };
  if (typeof v === 'number') return { data: Float64Array.of(v), shape: [], dtype: 'float64' };
  if (v < -(1n << 63n) || v >= 1n << 63n) return { data: Float64Array.of(Number(v)), shape: [], dtype: 'float64' };
  return { data: BigInt64Array.of(v), shape: [], dtype: 'int64' };
}
