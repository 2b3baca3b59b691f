/**
 * An npz archive in a file, read at offsets (npz.ts reads the directory and entries). A module
 * of its own, imported by read.ts only when it opens an archive: the inflater (zip-inflate.ts,
 * fflate) takes milliseconds to load, more than a small run spends on its data.
 */
import { withFile } from './byte-source.js';
import type { Container } from './container.js';
import { npyIn, openNpyAt } from './npy-file.js';
import { isZip, npzContainer } from './npz.js';
import { dataStart, storedEntryStart, type ZipEntry } from './zip.js';
import { InflatedEntry } from './zip-inflate.js';

/**
 * The archive at `path`, read at offsets: the directory now, an entry when it is asked for
 * (the file is opened again then). An entry can also be opened as Values, read in blocks
 * (npy-file.ts): a stored one in place once its CRC-32 has been checked in a first pass, a
 * deflated one as it is inflated, its CRC-32 checked before its last bytes are read. Undefined
 * when the file does not start as a zip archive: the ordinary reader then says what it is.
 */
export function openNpzFile(path: string): Container | undefined {
  return withFile(path, (src) => {
    const head = new Uint8Array(Math.min(4, src.size));
    src.read(head, 0);
    if (!isZip(head)) return undefined;
    // every later pass (the CRC-32, the data, an entry inflated) reads the file as it is now
    const since = src.state;
    const archive = npzContainer(src, path, (read) => withFile(path, read, since));
    return {
      ...archive,
      open(key, keySource) {
        const entry = archive.entry(key);
        if (entry.method === 0) {
          const start = withFile(path, (file) => storedEntryStart(file, entry, keySource), since);
          return openNpyAt(path, start, entry.size, keySource, since);
        }
        // deflated: inflated as it is read, each pass through the file as it was opened
        const inflated = new InflatedEntry(entry, withFile(path, (file) => dataStart(file, entry, keySource), since), keySource);
        return npyIn((use) => withFile(path, (file) => use((into, at) => inflated.read(file, into, at)), since), entry.size, keySource);
      },
    };
  });
}

/**
 * Whether `key` names a deflated entry of the archive at `path`: inflated from its start on
 * every pass, it cannot be split among threads (each would inflate all that comes before its
 * part). False when the file is no archive or has no such key: the reader says why.
 */
export function isDeflatedEntry(path: string, key: string): boolean {
  try {
    const archive = openNpzFile(path) as (Container & { entry(key: string): ZipEntry }) | undefined;
    return archive !== undefined && archive.has!(key) && archive.entry(key).method !== 0;
  } catch {
    return false;
  }
}
