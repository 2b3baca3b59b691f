/**
 * The globals a torch.save pickle may name, in the spirit of torch.load(weights_only=True)
 * (torch/_weights_only_unpickler.py), and what each builds here: tensors are rebuilt as
 * references to their storage (values.ts), containers as plain values. Any other global is
 * refused by name before anything is built; nothing a file names is ever run.
 */
import { InputError } from '../../errors.js';
import { MAX_DIMS, type DType } from '../../tensor.js';
import { PyDict, PyGlobal, PyList, PySet, PyTuple, StorageRef, TensorRef, type PyValue } from './values.js';

/** The storage classes persistent ids name, by their element type. */
const STORAGES: Record<string, DType> = {
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** torch's dtype objects, which pickle as globals (`torch.float32`). */
const DTYPES: Record<string, DType> = {
  float64: 'float64',
  double: 'float64',
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

type Builder = (args: readonly PyValue[], at: string, name: string) => PyValue;

const rebuildTensor: Builder = (args, at, name) => {
  arity(args, 4, 7, at, name);
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw bad(at, name, 'a storage as its first argument');
  const shape = ints(size, at, name, 'size');
  const strides = ints(stride, at, name, 'stride');
  if (strides.length !== shape.length) throw bad(at, name, `a stride for each of the ${shape.length} dims, got ${strides.length}`);
  return new TensorRef(storage, int(offset, at, name, 'storage offset'), shape, strides);
};

const rebuildParameter: Builder = (args, at, name) => {
  arity(args, 1, 4, at, name);
  if (!(args[0] instanceof TensorRef)) throw bad(at, name, 'a tensor as its first argument');
  return args[0];
};

/** torch._tensor._rebuild_from_type_v2(func, new_type, args, state): func(*args) for Tensor and Parameter. */
const rebuildFromType: Builder = (args, at, name) => {
  arity(args, 3, 4, at, name);
  const [func, , inner] = args;
  if (!(func instanceof PyGlobal) || func.call === undefined || !(inner instanceof PyTuple)) {
    throw bad(at, name, 'a rebuild function and a tuple of its arguments');
  }
  return func.call(inner.items, at);
};

const orderedDict: Builder = (args, at, name) => {
  const dict = new PyDict();
  if (args.length === 0) return dict;
  const pairs = args.length === 1 && (args[0] instanceof PyList || args[0] instanceof PyTuple) ? args[0].items : undefined;
  if (pairs === undefined) throw bad(at, name, 'no arguments or a list of (key, value) pairs');
  for (const pair of pairs) {
    if (!(pair instanceof PyTuple) || pair.items.length !== 2) throw bad(at, name, '(key, value) pairs');
    dict.set(pair.items[0], pair.items[1]);
  }
  return dict;
};

const size: Builder = (args, at, name) => {
  arity(args, 0, 1, at, name);
  return new PyTuple(args.length === 0 ? [] : ints(args[0], at, name, 'sizes').map(BigInt));
};

const set: Builder = (args, at, name) => {
  arity(args, 0, 1, at, name);
  const items = args[0] instanceof PyList || args[0] instanceof PyTuple ? [...args[0].items] : [];
  return new PySet(items);
};

/** The rest take no arguments that matter: the tensor is what was built already. */
const BUILDERS: Record<string, Builder> = {
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_parameter': rebuildParameter,
  'torch._utils._rebuild_parameter_with_state': rebuildParameter,
  'torch.nn.parameter.Parameter': rebuildParameter,
  'torch._tensor._rebuild_from_type_v2': rebuildFromType,
  'torch._tensor._rebuild_from_type': rebuildFromType,
  'collections.OrderedDict': orderedDict,
  'torch.Size': size,
  'builtins.set': set,
  'builtins.frozenset': set,
};

/** Classes that are only named (the new_type of _rebuild_from_type_v2). */
const NAMED = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);

/** Python 2 spellings that protocol 2 writes for Python 3's modules. */
const RENAMED: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** The global `module.name`, if it is allowed; otherwise the InputError refusing it. */
export function findGlobal(module: string, name: string, source: string): PyGlobal {
  const full = `${RENAMED[module] ?? module}.${name}`;
  const builder = Object.hasOwn(BUILDERS, full) ? BUILDERS[full] : undefined;
  if (builder !== undefined) return new PyGlobal(full, (args, at) => builder(args, at, full));
  if (module === 'torch' && Object.hasOwn(STORAGES, name)) return new PyGlobal(full, undefined, STORAGES[name], true);
  if (module === 'torch' && Object.hasOwn(DTYPES, name)) return new PyGlobal(full, undefined, DTYPES[name]);
  if (NAMED.has(full)) return new PyGlobal(full);
  const hint = REFUSED_HINTS.find(([prefix]) => full.startsWith(prefix));
  if (hint) throw new InputError(`refuses to load ${full} (${hint[1]}): losscalc reads dense tensors only; ${hint[2]}`, source);
  throw new InputError(`refuses to load ${full}: losscalc reads tensors only`, source);
}

/** What the refused globals people meet most are, and what to save instead. */
const REFUSED_HINTS: [prefix: string, what: string, instead: string][] = [
  ['torch._utils._rebuild_sparse', 'a sparse tensor', 'save it with .to_dense()'],
  ['torch._utils._rebuild_qtensor', 'a quantized tensor', 'save it with .dequantize()'],
  ['numpy.', 'a NumPy array or scalar', 'save torch.from_numpy(a) instead, or the array with np.save'],
];

/**
 * The storage a persistent id names: ('storage', storage class, key, location, numel), and in
 * the legacy format a sixth item, None or (view key, offset, size) for a view of the storage.
 */
export function storageOf(pid: PyValue, at: string): StorageRef {
  const what = 'persistent id';
  const items = pid instanceof PyTuple ? pid.items : [];
  if (items[0] !== 'storage' || items.length < 5 || items.length > 6) {
    throw new InputError(`${at}: the ${what} is not ('storage', type, key, location, size)`);
  }
  const [, type, key, , numel, view] = items;
  if (!(type instanceof PyGlobal) || !type.storage || type.dtype === undefined) throw new InputError(`${at}: the ${what} names no storage class`);
  if (typeof key !== 'string') throw new InputError(`${at}: the ${what} has no string key`);
  const count = int(numel, at, what, 'storage size');
  if (view === undefined || view === null) return new StorageRef(key, type.dtype, count);
  const parts = view instanceof PyTuple ? view.items : [];
  if (parts.length !== 3) throw new InputError(`${at}: the ${what}'s view is not (key, offset, size)`);
  return new StorageRef(key, type.dtype, int(parts[2], at, what, 'view size'), int(parts[1], at, what, 'view offset'));
}

function arity(args: readonly PyValue[], least: number, most: number, at: string, name: string): void {
  if (args.length < least || args.length > most) {
    throw bad(at, name, least === most ? `${least} arguments` : `${least} to ${most} arguments, got ${args.length}`);
  }
}

/** A non-negative Python int (bool counts, as in Python) that a double holds exactly. */
function int(v: PyValue | undefined, at: string, name: string, what: string): number {
  const n = typeof v === 'bigint' ? v : typeof v === 'boolean' ? BigInt(v) : undefined;
  if (n === undefined || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(at, name, `a ${what} that is an integer in [0, 2^53)`);
  return Number(n);
}

function ints(v: PyValue | undefined, at: string, name: string, what: string): number[] {
  if (!(v instanceof PyTuple || v instanceof PyList)) throw bad(at, name, `a tuple as its ${what}`);
  if (v.items.length > MAX_DIMS) throw bad(at, name, `at most ${MAX_DIMS} dims in its ${what}`);
  return v.items.map((d) => int(d, at, name, what));
}

function bad(at: string, name: string, expected: string): InputError {
  return new InputError(`${at}: ${name} expects ${expected}`);
}
