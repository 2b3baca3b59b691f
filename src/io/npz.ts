/**
 * NPZ archives (np.savez: stored, np.savez_compressed: deflated): a zip of NPY files named
 * `<key>.npy`; a key names the entry of exactly that name, else `<key>.npy`, as numpy's
 * NpzFile does. The directory is read first and each entry's sizes are checked against the
 * archive (zip.ts); only the entry asked for is read, and its CRC-32 is verified. From a file,
 * the archive is read at offsets, never whole, so archives and entries over 2 GiB can be read:
 * a stored entry in place, a deflated one as it is inflated (npz-file.ts).
 */
import type { ByteSource } from './byte-source.js';
import { bufferSource } from './byte-source.js';
import { InputError } from '../errors.js';
import { listKeys, type Container } from './container.js';
import { parseNpy } from './npy.js';
import { isTorchPickle } from './torch/zip-format.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip.js';

/** "PK\x03\x04" (a local file header) or "PK\x05\x06" (the end record of an empty archive). */
export function isZip(buf: Uint8Array): boolean {
  return buf[0] === 0x50 && buf[1] === 0x4b && ((buf[2] === 3 && buf[3] === 4) || (buf[2] === 5 && buf[3] === 6));
}

/** An archive in memory. */
export function parseNpz(buf: Uint8Array, source: string): Container {
  const src = bufferSource(buf, source);
  return npzContainer(src, source, (read) => read(src));
}

function refuseOtherZip(names: string[], source: string): void {
  const pickle = names.find(isTorchPickle);
  if (pickle !== undefined) throw new InputError(`this is a torch.save file (it holds ${pickle}), not an npz archive: rename it to .pt`, source);
  if (names.length === 0 || names.some((n) => n.endsWith('.npy'))) return;
  if (names.includes('[Content_Types].xml') && names.some((n) => n.startsWith('xl/'))) {
    throw new InputError('an Excel workbook (xlsx), not an npz: save the sheet as CSV', source);
  }
  throw new InputError(`a zip archive with no .npy entries, so not an npz: unzip it and give the files inside (${listKeys(names)})`, source);
}

/** The archive's entries by key (the directory read now), each read through `reopen`: the file again, or the bytes in memory. */
export function npzContainer(src: ByteSource, source: string, reopen: <T>(read: (src: ByteSource) => T) => T): Container & { entry(key: string): ZipEntry } {
  const byName = new Map<string, ZipEntry>();
  for (const entry of readZipDirectory(src, source)) {
    if (!entry.name.endsWith('/')) byName.set(entry.name, entry); // not a directory
  }
  // as numpy's NpzFile.__getitem__: the entry of exactly that name, else the name + '.npy'
  const find = (key: string) => byName.get(key) ?? byName.get(`${key}.npy`);
  // listed without .npy, unless another entry has that name and so owns the short key
  const names = [...byName.keys()];
  const keys = names.map((name) => (name.endsWith('.npy') && !byName.has(name.slice(0, -4)) ? name.slice(0, -4) : name));
  refuseOtherZip(names, source);
  return {
    kind: 'npz archive',
    keys,
    has: (key) => find(key) !== undefined,
    entry: (key) => find(key)!,
    read(key, keySource) {
      const bytes = reopen((file) => readZipEntry(file, find(key)!, keySource));
      return parseNpy(bytes, keySource);
    },
  };
}
