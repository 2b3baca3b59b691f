/** Shared by the reader tests and the fuzzer (which must not import vitest). */

/** The typed array each dtype is read into; float16 and bfloat16 widen to float32 exactly. */
export const STORAGE: Record<string, string> = {
  float16: 'Float32Array',
  bfloat16: 'Float32Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
  int8: 'Int8Array',
  int16: 'Int16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint8: 'Uint8Array',
  uint16: 'Uint16Array',
  uint32: 'Uint32Array',
  uint64: 'BigUint64Array',
  bool: 'Uint8Array',
};
