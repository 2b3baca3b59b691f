/** Catching the InputErrors the readers throw, with the source they must name; storage per dtype. */
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';

/** The InputError `run` throws (or rejects with); its source must be `source`. */
export async function inputError(run: () => unknown, source: string): Promise<InputError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).source).toBe(source);
    return e as InputError;
  }
  throw new Error(`expected an InputError from ${source}`);
}

/** The same, for code that throws synchronously. */
export function inputErrorSync(run: () => unknown, source: string): InputError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).source).toBe(source);
    return e as InputError;
  }
  throw new Error(`expected an InputError from ${source}`);
}

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
