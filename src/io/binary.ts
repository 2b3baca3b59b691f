/**
 * Raw array bytes to typed arrays, shared by the binary formats (NPY, safetensors): the
 * element types, size checks before allocating, byte swapping and alignment.
 */
import { HOST_LITTLE, type DType, type Storage } from '../tensor.js';
import { decodeHalves, decodeHalvesInto } from './float16.js';

export { HOST_LITTLE };

type ViewCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Storage;

export interface ElementType {
  dtype: DType;
  size: number;
  /** The typed array the bytes are viewed as; the 16-bit floats and bool are decoded instead. */
  view?: ViewCtor;
}

export const ELEMENT: Record<DType, ElementType> = {
  float16: { dtype: 'float16', size: 2 },
  bfloat16: { dtype: 'bfloat16', size: 2 },
  float32: { dtype: 'float32', size: 4, view: Float32Array },
  float64: { dtype: 'float64', size: 8, view: Float64Array },
  int8: { dtype: 'int8', size: 1, view: Int8Array },
  int16: { dtype: 'int16', size: 2, view: Int16Array },
  int32: { dtype: 'int32', size: 4, view: Int32Array },
  int64: { dtype: 'int64', size: 8, view: BigInt64Array },
  uint8: { dtype: 'uint8', size: 1, view: Uint8Array },
  uint16: { dtype: 'uint16', size: 2, view: Uint16Array },
  uint32: { dtype: 'uint32', size: 4, view: Uint32Array },
  uint64: { dtype: 'uint64', size: 8, view: BigUint64Array },
  bool: { dtype: 'bool', size: 1 },
};

/** Bytes of `count` elements, or undefined when that is beyond what a file can hold. */
export function byteSize(count: number, size: number): number | undefined {
  return count > Number.MAX_SAFE_INTEGER / size ? undefined : count * size;
}

/**
 * `count` elements of `type` from C-ordered bytes: viewed in place when the byte order is the
 * host's and the offset is aligned (the result shares `raw`'s memory), copied otherwise.
 * `owned` says `raw` is a private copy at offset 0 that may be swapped in place.
 */
export function decodeData(raw: Uint8Array, owned: boolean, type: ElementType, bigEndian: boolean, count: number): Storage {
  if (type.dtype === 'bool') {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = raw[i] === 0 ? 0 : 1;
    return out;
  }
  if (type.dtype === 'float16' || type.dtype === 'bfloat16') return decodeHalves(raw, count, bigEndian, type.dtype === 'bfloat16');
  const View = type.view!;
  const swap = type.size > 1 && bigEndian === HOST_LITTLE; // the file's byte order is not the host's
  if (!swap && (raw.byteOffset % type.size === 0 || owned)) return new View(raw.buffer, raw.byteOffset, count);
  if (!owned) raw = copyBytes(raw);
  if (swap) swapBytes(raw, type.size);
  return new View(raw.buffer, raw.byteOffset, count);
}

/**
 * decodeData for blocks read one after another (a file read in blocks): `raw` is the block's
 * bytes at the start of a buffer of the reader's own, which the decoder may change in place
 * (byte swaps, bool to 0/1); float16 and bfloat16 widen into one float32 buffer (`widen`, or
 * one of its own) that the next block reuses. The result is valid until the next call.
 */
export function blockDecoder(type: ElementType, bigEndian: boolean, widen?: Float32Array): (raw: Uint8Array, count: number) => Storage {
  if (type.dtype === 'bool') {
    return (raw, count) => {
      const out = raw.subarray(0, count);
      for (let i = 0; i < count; i++) out[i] = out[i] === 0 ? 0 : 1;
      return out;
    };
  }
  if (type.dtype === 'float16' || type.dtype === 'bfloat16') {
    const brain = type.dtype === 'bfloat16';
    let widened = widen ?? new Float32Array(0);
    return (raw, count) => {
      if (widened.length < count) widened = new Float32Array(count);
      return decodeHalvesInto(raw, widened.subarray(0, count), bigEndian, brain);
    };
  }
  const View = type.view!;
  const swap = type.size > 1 && bigEndian === HOST_LITTLE; // the file's byte order is not the host's
  return (raw, count) => {
    if (raw.byteOffset % type.size !== 0) throw new Error('internal: a block buffer must be aligned');
    const bytes = raw.subarray(0, count * type.size);
    if (swap) swapBytes(bytes, type.size);
    return new View(bytes.buffer, bytes.byteOffset, count);
  };
}

export function copyBytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length); // fresh buffer, offset 0: aligned for any type
  out.set(src);
  return out;
}

export function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Bytes in little-endian order (swapped in place on a big-endian host). */
export function littleEndian(bytes: Uint8Array, size: number): Uint8Array {
  if (!HOST_LITTLE) swapBytes(bytes, size);
  return bytes;
}
