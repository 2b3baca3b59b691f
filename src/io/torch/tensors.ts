/**
 * A tensor from its storage: torch.save writes a tensor as a view (storage offset, size,
 * stride) of a storage that may be larger (a slice), shared (two views of one storage) or
 * strided (x.t(), x[:, ::2], an expanded dim of stride 0). The span the view reaches is
 * checked against the storage, and the storage against the file, before anything is
 * allocated (a view that repeats elements is capped at MAX_REPEATED_BYTES); only that span is read, then gathered into C order in the tensor's own dtype.
 */
import { constants } from 'node:buffer';
import { InputError } from '../../errors.js';
import { formatShape, numel, type Tensor } from '../../tensor.js';
import { decodeData, ELEMENT } from '../binary.js';
import type { StorageRef, TensorRef } from './values.js';

/**
 * A view with more elements than its storage repeats some (stride 0): it may not grow past
 * this, so that a small file cannot make losscalc allocate gigabytes.
 */
export const MAX_REPEATED_BYTES = 16 << 20;

/** Where a file format keeps its storages' bytes. */
export interface Storages {
  /** The bytes the file holds for the storage `key`; an InputError naming it when there are none. */
  byteLength(key: string): number;
  /** `length` bytes of storage `key` from byte `start`. */
  read(key: string, start: number, length: number): Uint8Array;
  /** Where storage `key`'s bytes start in the file, when they are there as they are (checked first); else undefined. */
  start?(key: string): number | undefined;
  /** The byte order of the data (the zip format's `byteorder` record, the legacy sys_info). */
  bigEndian: boolean;
  /** How messages name a storage: "data/0". */
  name(key: string): string;
}

/** The tensor `ref` describes, read from `storages`; errors name `source` (the file and key). */
export function readTensor(ref: TensorRef, storages: Storages, source: string): Tensor {
  const { shape, stride } = ref;
  const { type, count, first, last, fail } = viewSpan(ref, storages, source);
  if (count === 0) return { data: decodeData(new Uint8Array(0), true, type, false, 0), shape, dtype: type.dtype };
  if (count * type.size > constants.MAX_LENGTH) fail(`${count} elements of ${type.dtype} are more than one buffer holds`);
  const widened = type.dtype === 'float16' || type.dtype === 'bfloat16' ? 4 : type.size; // bytes per element read
  if (count > ref.storage.numel && count * widened > MAX_REPEATED_BYTES) {
    fail(`${count} elements repeat the storage's ${ref.storage.numel} (a stride of 0, as expand() makes) beyond ${MAX_REPEATED_BYTES >> 20} MiB: save x.contiguous()`);
  }
  const span = storages.read(ref.storage.key, first, (last - ref.offset + 1) * type.size);
  const bytes = contiguous(shape, stride) ? span : gather(span, shape, stride, type.size, count);
  return { data: decodeData(bytes, true, type, storages.bigEndian, count), shape, dtype: type.dtype };
}

/**
 * Where a view's element (0, ..., 0) is in the file, once its storage is checked as readTensor
 * checks it, and whether the view is C-contiguous: for reading it in blocks at that offset.
 * Undefined when the view is empty, repeats elements (a stride of 0: readTensor caps how far),
 * or the storage is not stored as it is in the file (a deflated record).
 */
export function viewAt(ref: TensorRef, storages: Storages, source: string): { at: number; contiguous: boolean } | undefined {
  const { first, count } = viewSpan(ref, storages, source);
  const start = count === 0 || count > ref.storage.numel ? undefined : storages.start?.(ref.storage.key);
  return start === undefined ? undefined : { at: start + first, contiguous: contiguous(ref.shape, ref.stride) };
}

/** The view's element type and span in its storage, checked against the storage and the file. */
function viewSpan(ref: TensorRef, storages: Storages, source: string) {
  const { storage, shape, stride } = ref;
  const type = ELEMENT[storage.dtype];
  const fail = (what: string): never => {
    throw new InputError(`tensor of shape ${formatShape(shape)} in ${storages.name(storage.key)}: ${what}`, source);
  };
  checkStorage(storage, storages, type.size, fail);
  const count = numel(shape);
  let last = ref.offset; // the last element the view reaches
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (count > 0 && (!Number.isSafeInteger(last) || last >= storage.numel)) {
    fail(`storage offset ${ref.offset} and strides (${stride.join(', ')}) reach element ${last}, past the storage's ${storage.numel}`);
  }
  /** The first byte of the view in the storage's bytes. */
  const first = (storage.offset + ref.offset) * type.size;
  return { type, count, first, last, fail };
}

/** The storage's claimed size against the bytes the file holds for it. */
function checkStorage(storage: StorageRef, storages: Storages, size: number, fail: (what: string) => never): void {
  const have = storages.byteLength(storage.key);
  const need = (storage.offset + storage.numel) * size;
  if (need > have) fail(`its storage claims ${storage.numel} elements of ${storage.dtype} (${need} bytes) from element ${storage.offset}, and the file holds ${have} bytes`);
}

/** C order: each stride is the product of the sizes after it (dims of size 1 may have any stride). */
function contiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** The view's elements, in C order, copied out of `span` (which starts at the view's offset). */
function gather(span: Uint8Array, shape: readonly number[], stride: readonly number[], size: number, count: number): Uint8Array {
  const out = new Uint8Array(count * size);
  const index = new Array<number>(shape.length).fill(0);
  let from = 0; // element offset in span
  for (let i = 0; i < count; i++) {
    for (let b = 0, src = from * size, dst = i * size; b < size; b++) out[dst + b] = span[src + b];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) {
        from += stride[d];
        break;
      }
      from -= (shape[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
  return out;
}
