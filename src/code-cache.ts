/**
 * A V8 code cache for a CommonJS bundle: the bytecode of the functions a run compiles, made by
 * the build (scripts/code-cache.mjs) and read at start, so that a short run deserializes its
 * functions instead of parsing and compiling them. It is only ever read at run time, never
 * written: the package's folder may be read-only.
 *
 * V8 checks a cache against its own version, its flags and the source's length only, and it
 * does not check the bytes in between (a flipped byte is a fatal error, not a rejection). So the
 * file carries two CRC-32s, of the source it was made from and of V8's data, and is handed to V8
 * only when both match; with no such file (none, a short or foreign one, a stale or corrupt
 * one) the bundle is loaded by `require`, as without a cache, and when V8 rejects the data it
 * compiles the source itself.
 *
 * A bundle run from a vm.Script cannot `import()` (Node 20 wants a flag for that), so the build
 * makes no cache for a bundle that holds one: it is then always loaded by `require`.
 *
 *   file: "LCC1" | CRC-32 of the source | CRC-32 of the data | data length (u32 LE each) | V8's data
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { debuglog } from 'node:util';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

const MAGIC = 0x3143434c; // "LCC1" read as a little-endian u32
const HEADER = 16;

/** How a load used the cache: `NODE_DEBUG=losscalc` prints it. */
export type CacheUse = 'accepted' | 'rejected by V8' | 'stale' | 'corrupt' | 'missing';

/** The file beside a bundle that holds its cache. */
export const cacheFileOf = (bundle: string): string => `${bundle}.cache`;

/** Node's CommonJS wrapper, so that the bundle runs as `require` would run it. */
export const wrapCommonJs = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;

/** Whether a cache file is whole and was made from exactly this source. */
function check(file: Buffer, source: Buffer): CacheUse {
  if (file.length < HEADER || file.readUInt32LE(0) !== MAGIC || file.readUInt32LE(12) !== file.length - HEADER) return 'corrupt';
  if (crc32(file.subarray(HEADER)) !== file.readUInt32LE(8)) return 'corrupt';
  return crc32(source) === file.readUInt32LE(4) ? 'accepted' : 'stale';
}

const readOrUndefined = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

/** Loads a CommonJS bundle, from its cache when there is a good one; its exports. */
export function loadBundle(bundle: string, cacheFile = cacheFileOf(bundle)): { exports: unknown; cache: CacheUse } {
  const report = (cache: CacheUse) => debuglog('losscalc')('code cache %s: %s', cache, cacheFile);
  const file = readOrUndefined(cacheFile);
  const source = file && readFileSync(bundle);
  const use = file && source ? check(file, source) : 'missing';
  if (use !== 'accepted') {
    report(use);
    return { exports: createRequire(bundle)(bundle), cache: use };
  }
  const script = new Script(wrapCommonJs(source!.toString()), { filename: bundle, cachedData: file!.subarray(HEADER) });
  const cache = script.cachedDataRejected ? 'rejected by V8' : use;
  report(cache);
  return { exports: runBundle(script, bundle), cache };
}

/** The bundle compiled from source, for the build to run and then make its cache from. */
export function compileBundle(bundle: string): { script: Script; source: Buffer; exports: unknown } {
  const source = readFileSync(bundle);
  const script = new Script(wrapCommonJs(source.toString()), { filename: bundle });
  return { script, source, exports: runBundle(script, bundle) };
}

/** Runs a compiled bundle as Node runs a CommonJS module; its exports. */
function runBundle(script: Script, bundle: string): unknown {
  const module = { exports: {} as unknown, filename: bundle, id: bundle };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

/** Whether a source holds a dynamic `import(` (or seems to: a string or comment can say so too). */
export const hasDynamicImport = (source: Buffer): boolean => /\bimport\s*\(/.test(source.toString());

/** A cache file's bytes for a script compiled from `source`, with what it compiled so far. */
export function cacheFileBytes(script: Script, source: Buffer): Buffer {
  const data = script.createCachedData();
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(crc32(source), 4);
  header.writeUInt32LE(crc32(data), 8);
  header.writeUInt32LE(data.length, 12);
  return Buffer.concat([header, data]);
}
