/**
 * A V8 code cache for a CommonJS bundle: the bytecode of the functions a run compiles, made by
 * the build (scripts/code-cache.mjs) and read at start, so that a short run deserializes its
 * functions instead of parsing and compiling them. It is only ever read at run time, never
 * written: the package's folder may be read-only.
 *
 * V8 checks a cache against its own version, its flags and the source's length only, and it
 * does not check the bytes in between (a flipped byte is a fatal error, not a rejection). So the
 * file carries two CRC-32s, of the source it was made from and of V8's data, and is handed to V8
 * only when both match; anything else (no file, a short or foreign file, a stale or corrupt
 * one, or V8's own rejection) compiles from source as if there were no cache.
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

/** V8's data in a cache file, when the file is whole and was made from exactly this source. */
function cachedData(file: Buffer | undefined, source: Buffer): { data?: Buffer; use: CacheUse } {
  if (file === undefined) return { use: 'missing' };
  if (file.length < HEADER || file.readUInt32LE(0) !== MAGIC || file.readUInt32LE(12) !== file.length - HEADER) return { use: 'corrupt' };
  const data = file.subarray(HEADER);
  if (crc32(data) !== file.readUInt32LE(8)) return { use: 'corrupt' };
  if (crc32(source) !== file.readUInt32LE(4)) return { use: 'stale' };
  return { data, use: 'accepted' };
}

const readOrUndefined = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
};

/** Compiles and runs a CommonJS bundle with its cache when there is a good one; its exports. */
export function loadBundle(bundle: string, cacheFile = cacheFileOf(bundle)): { exports: unknown; cache: CacheUse; script: Script; source: Buffer } {
  const source = readFileSync(bundle);
  let { data, use } = cachedData(readOrUndefined(cacheFile), source);
  const script = new Script(wrapCommonJs(source.toString()), { filename: bundle, cachedData: data });
  if (data && script.cachedDataRejected) use = 'rejected by V8';
  debuglog('losscalc')('code cache %s: %s', use, cacheFile);
  const module = { exports: {} as unknown, filename: bundle, id: bundle };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return { exports: module.exports, cache: use, script, source };
}

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
