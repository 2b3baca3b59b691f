/** Catching the InputErrors the readers throw, with the source they must name; storage per dtype. */
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';
export { STORAGE } from '../storage.js';

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

