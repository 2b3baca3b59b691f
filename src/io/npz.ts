/**
 * NPZ archives (np.savez: stored, np.savez_compressed: deflated): a zip of NPY files named
 * `<key>.npy`. The directory is read first and each entry's sizes are checked against the
 * archive (zip.ts); only the entry asked for is read, and its CRC-32 is verified. From a file,
 * the archive is read at offsets, never whole, so archives and entries over 2 GiB can be read.
 */
import type { ByteSource } from './byte-source.js';
import { bufferSource, withFile } from './byte-source.js';
import type { Container } from './container.js';
import { openNpyAt } from './npy-file.js';
import { parseNpy } from './npy.js';
import { InputError } from '../errors.js';
import { isTorchPickle } from './torch/zip-format.js';
import { readZipDirectory, readZipEntry, storedEntryStart, type ZipEntry } from './zip.js';

/** "PK\x03\x04" (a local file header) or "PK\x05\x06" (the end record of an empty archive). */
export function isZip(buf: Uint8Array): boolean {
  return buf[0] === 0x50 && buf[1] === 0x4b && ((buf[2] === 3 && buf[3] === 4) || (buf[2] === 5 && buf[3] === 6));
}

/** An archive in memory. */
export function parseNpz(buf: Uint8Array, source: string): Container {
  const src = bufferSource(buf, source);
  return npzContainer(src, source, (read) => read(src));
}

/**
 * The archive at `path`, read at offsets: the directory now, an entry when it is asked for
 * (the file is opened again then). A stored entry can also be opened as Values, read in
 * blocks in place (npy-file.ts) once its CRC-32 has been checked in a first pass. Undefined
 * when the file does not start as a zip archive: the ordinary reader then says what it is.
 */
export function openNpzFile(path: string): Container | undefined {
  return withFile(path, (src) => {
    const head = new Uint8Array(Math.min(4, src.size));
    src.read(head, 0);
    if (!isZip(head)) return undefined;
    const archive = npzContainer(src, path, (read) => withFile(path, read));
    return {
      ...archive,
      open(key, keySource) {
        const entry = archive.entry(key);
        if (entry.method !== 0) return undefined; // deflated: inflated whole
        const start = withFile(path, (file) => storedEntryStart(file, entry, keySource));
        return openNpyAt(path, start, entry.size, keySource);
      },
    };
  });
}

function npzContainer(src: ByteSource, source: string, reopen: <T>(read: (src: ByteSource) => T) => T): Container & { entry(key: string): ZipEntry } {
  const entries = new Map<string, ZipEntry>(); // key -> entry
  for (const entry of readZipDirectory(src, source)) {
    if (entry.name.endsWith('/')) continue; // a directory
    if (isTorchPickle(entry.name)) throw new InputError(`this is a torch.save file (it holds ${entry.name}), not an npz archive: rename it to .pt`, source);
    entries.set(entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name, entry);
  }
  return {
    kind: 'npz archive',
    keys: [...entries.keys()],
    entry: (key) => entries.get(key)!,
    read(key, keySource) {
      const bytes = reopen((file) => readZipEntry(file, entries.get(key)!, keySource));
      return parseNpy(bytes, keySource);
    },
  };
}
