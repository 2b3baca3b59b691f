/**
 * NPZ archives (np.savez: stored, np.savez_compressed: deflated): a zip of NPY files named
 * `<key>.npy`. fflate reads the zip; each entry's sizes are checked against the archive before
 * anything is inflated, and only the entry asked for is.
 */
import { createRequire } from 'node:module';
import type { UnzipFileInfo } from 'fflate';
import { InputError } from '../errors.js';
import type { Container } from './container.js';
import { parseNpy } from './npy.js';

/** Deflate cannot expand more than 1032:1; more claimed is a corrupt (or hostile) entry. */
const MAX_DEFLATE_RATIO = 1032;

/** "PK\x03\x04" (a local file header) or "PK\x05\x06" (the end record of an empty archive). */
export function isZip(buf: Uint8Array): boolean {
  return buf[0] === 0x50 && buf[1] === 0x4b && ((buf[2] === 3 && buf[3] === 4) || (buf[2] === 5 && buf[3] === 6));
}

export function parseNpz(buf: Uint8Array, source: string): Container {
  const entries = new Map<string, UnzipFileInfo>(); // key -> entry
  unzip(buf, source, (info) => {
    if (info.name.endsWith('/')) return false; // a directory
    checkEntry(info, buf.length, source);
    entries.set(info.name.endsWith('.npy') ? info.name.slice(0, -4) : info.name, info);
    return false;
  });
  return {
    kind: 'npz archive',
    keys: [...entries.keys()],
    read(key, keySource) {
      const name = entries.get(key)!.name;
      const files = unzip(buf, keySource, (info) => info.name === name);
      const bytes = files[name];
      if (bytes === undefined || bytes.length !== entries.get(key)!.originalSize) {
        throw new InputError(`entry ${JSON.stringify(name)} is truncated: the archive ends inside its data`, keySource);
      }
      return parseNpy(bytes, keySource);
    },
  };
}

let loaded: typeof import('fflate') | undefined;

/** fflate, loaded with the first archive: a run that reads no zip starts without it (~15 ms). */
function fflate(): typeof import('fflate') {
  return (loaded ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));
}

/** fflate's unzipSync with its errors (and anything it trips over) as InputErrors. */
function unzip(buf: Uint8Array, source: string, filter: (info: UnzipFileInfo) => boolean): Record<string, Uint8Array> {
  checkEntryCount(buf, source);
  try {
    return fflate().unzipSync(buf, { filter });
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as { code?: number }).code;
    if (code === 13) throw new InputError('not a zip archive, or a truncated one: no end-of-central-directory record', source);
    const why = e instanceof Error ? e.message : String(e);
    throw new InputError(`corrupt zip archive: ${why}${code !== undefined && code <= 3 ? ' in the deflate data' : ''}`, source);
  }
}

/**
 * The entry count of the end-of-central-directory record (or its zip64 twin) against the file:
 * each entry takes at least 46 bytes of directory, so a count beyond that is a corrupt archive,
 * which fflate would otherwise walk entry by entry (2^32 of them take half an hour).
 */
function checkEntryCount(buf: Uint8Array, source: string): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let e = buf.length - 22; e >= Math.max(0, buf.length - 22 - 0xffff); e--) {
    if (view.getUint32(e, true) !== 0x06054b50) continue;
    let entries = view.getUint16(e + 10, true);
    const locator = e - 20;
    if (locator >= 0 && view.getUint32(locator, true) === 0x07064b50) {
      const record = Number(view.getBigUint64(locator + 8, true));
      if (record + 40 <= buf.length && view.getUint32(record, true) === 0x06064b50) {
        entries = Number(view.getBigUint64(record + 32, true));
      }
    }
    if (entries * 46 > buf.length) {
      throw new InputError(`corrupt zip archive: the directory at byte ${e} claims ${entries} entries, more than ${buf.length} bytes can hold`, source);
    }
    return;
  }
}

/** The sizes the central directory claims for an entry, before any of it is read. */
function checkEntry(info: UnzipFileInfo, archiveSize: number, source: string): void {
  const name = JSON.stringify(info.name);
  if (info.compression !== 0 && info.compression !== 8) {
    throw new InputError(`entry ${name} uses compression method ${info.compression}; only stored (0) and deflate (8) are read`, source);
  }
  if (info.size > archiveSize) {
    throw new InputError(`entry ${name} claims ${info.size} compressed bytes, more than the archive's ${archiveSize}`, source);
  }
  const most = info.compression === 0 ? info.size : info.size * MAX_DEFLATE_RATIO + 64;
  if (info.originalSize > most || (info.compression === 0 && info.originalSize !== info.size)) {
    throw new InputError(`entry ${name} claims ${info.originalSize} bytes from ${info.size} ${info.compression === 0 ? 'stored' : 'compressed'} ones`, source);
  }
}
