/**
 * The Python values an unpickled torch.save file is made of, as the interpreter (pickle.ts)
 * builds them: None, bool, int (bigint), float (number), str, bytes, list, tuple, dict, set,
 * and the few torch objects the allow-list (globals.ts) can build. Nothing here has behaviour.
 */
import type { DType } from '../../tensor.js';

export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | PyList
  | PyTuple
  | PyDict
  | PySet
  | PyGlobal
  | StorageRef
  | TensorRef;

export class PyList {
  constructor(readonly items: PyValue[]) {}
}

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A dict or an OrderedDict: items in insertion order; keys compare as Python's str/int/float do. */
export class PyDict {
  readonly items = new Map<unknown, [PyValue, PyValue]>();
  set(key: PyValue, value: PyValue): void {
    this.items.set(typeof key === 'number' && Number.isInteger(key) ? BigInt(key) : key, [key, value]);
  }
}

/** A set or frozenset: only ever held, never looked into. */
export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/**
 * An allowed global (globals.ts): a function or class the pickle may call through REDUCE or
 * NEWOBJ, or a value it names (a dtype, a storage class).
 */
export class PyGlobal {
  constructor(
    /** `module.name`, as messages give it. */
    readonly name: string,
    /** What calling it builds; undefined for a global that is only named, never called. */
    readonly call?: (args: readonly PyValue[], at: string) => PyValue,
    /** The element type of a storage class (torch.FloatStorage) or a dtype (torch.float32). */
    readonly dtype?: DType,
    /** A storage class, which persistent ids name (a dtype is not one). */
    readonly storage = false,
  ) {}
}

/** A storage named by a persistent id: where its bytes are is the file format's business. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    /** Elements the id claims the storage holds. */
    readonly numel: number,
    /** Legacy views of a storage: the first element of the view within the storage named by `key`. */
    readonly offset = 0,
  ) {}
}

/** torch._utils._rebuild_tensor_v2's arguments: a view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}
