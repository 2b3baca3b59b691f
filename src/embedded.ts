/**
 * What a single executable (scripts/build-exe.mjs, src/sea.ts) carries inside itself instead of
 * files beside the bundle: the kernel's bytes, the worker's bundle and the version. Empty in any
 * other run. A global, so that every bundle and thread of one run sees the same one: a worker
 * of the executable is handed it when it starts (worker-thread.ts).
 */
export interface Embedded {
  /** dist/kernel.wasm */
  wasm?: Uint8Array;
  /** The worker's bundle, dist/bundle/worker.cjs, as source. */
  worker?: string;
  /** package.json's version. */
  version?: string;
}

const KEY = Symbol.for('losscalc.embedded');
type Global = typeof globalThis & { [KEY]?: Embedded };

export function embedded(): Embedded {
  return ((globalThis as Global)[KEY] ??= {});
}

/** Source that makes a worker's embedded resources its `workerData.embedded`, to run before the worker's bundle. */
export const EMBEDDED_IN_WORKER = `globalThis[Symbol.for('losscalc.embedded')] = require('node:worker_threads').workerData.embedded;\n`;
