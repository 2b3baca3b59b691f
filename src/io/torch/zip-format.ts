/**
 * torch.save's zip format (PyTorch 1.6 and later): every record sits under one top-level
 * folder of any name: `<folder>/data.pkl` is the pickled object, `<folder>/data/<key>` the
 * bytes of each storage its persistent ids name, `<folder>/byteorder` "little" or "big"
 * (absent: little). Newer versions add `.format_version`, `.storage_alignment`,
 * `.data/serialization_id` and `version`, which say nothing a reader of tensors needs. The
 * archive is read through zip.ts: at offsets, every record checked against its CRC-32.
 */
import { InputError } from '../../errors.js';
import type { ByteSource } from '../byte-source.js';
import { bufferSource } from '../byte-source.js';
import { readZipDirectory, readZipEntry, storedEntryStart, type ZipEntry } from '../zip.js';
import { storageOf } from './globals.js';
import { unpickle } from './pickle.js';
import type { Storages } from './tensors.js';
import type { PyValue } from './values.js';

/** A `<folder>/data.pkl` record: what makes a zip archive a torch.save file. */
const PICKLE = /^[^/]*\/data\.pkl$/;

/** Whether a zip entry's name is the pickle of a torch.save file. */
export function isTorchPickle(name: string): boolean {
  return PICKLE.test(name);
}

/**
 * Whether the zip archive `src` is a torch.save file: its central directory holds a
 * `<folder>/data.pkl` record, wherever the record is (torch.load finds it anywhere). Undefined
 * when the directory cannot be read, as from the first bytes of a stream, unless the first
 * record already is the pickle, as torch.save writes it.
 */
export function isTorchZip(src: ByteSource): boolean | undefined {
  const head = new Uint8Array(Math.min(src.size, 512));
  src.read(head, 0);
  if (startsAsTorchZip(head)) return true;
  try {
    return readZipDirectory(src, '').some((entry) => isTorchPickle(entry.name));
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
}

/** The first local header of a zip names `<folder>/data.pkl`, as torch.save writes it first. */
function startsAsTorchZip(buf: Uint8Array): boolean {
  if (buf.length < 30) return false;
  const nameLength = buf[26] | (buf[27] << 8);
  if (30 + nameLength > buf.length) return false;
  let name = '';
  for (const b of buf.subarray(30, 30 + nameLength)) name += String.fromCharCode(b);
  return isTorchPickle(name);
}

export interface TorchArchive {
  root: PyValue;
  /** The storages of the archive read through `src` (the file opened again, or the bytes). */
  storages(src: ByteSource): Storages;
}

/** The archive's object, unpickled, and where its storages are; `source` names the file. */
export function readTorchZip(src: ByteSource, source: string): TorchArchive {
  const entries = new Map<string, ZipEntry>();
  for (const entry of readZipDirectory(src, source)) {
    // which of two records of one name torch.load reads is the zip library's choice: neither is safe
    if (entries.has(entry.name)) throw new InputError(`the archive holds entry ${JSON.stringify(entry.name)} twice`, source);
    entries.set(entry.name, entry);
  }
  const pickles = [...entries.keys()].filter(isTorchPickle);
  if (pickles.length !== 1) {
    throw new InputError(pickles.length === 0 ? 'a zip archive without a data.pkl record: not a torch.save file' : `a zip archive with ${pickles.length} data.pkl records (${pickles.join(', ')}): not one torch.save file`, source);
  }
  const folder = pickles[0].slice(0, -'data.pkl'.length);
  const bigEndian = byteOrder(src, entries.get(`${folder}byteorder`), source);
  const pickle = readZipEntry(src, entries.get(pickles[0])!, source);
  const { value } = unpickle(bufferSource(pickle, source), 0, pickle.length, source, { name: 'data.pkl', persistentLoad: storageOf });
  return {
    root: value,
    storages(file) {
      const checked = new Map<string, number>(); // key -> where its data starts, once its CRC-32 is checked
      const entryOf = (key: string): ZipEntry => {
        const entry = entries.get(`${folder}data/${key}`);
        if (entry === undefined) throw new InputError(`the pickle names storage ${JSON.stringify(key)}, and there is no data/${key} record`, source);
        return entry;
      };
      /** Where a stored record's data starts, once all of it is checked against its CRC-32 (a chunk at a time). */
      const storedStart = (entry: ZipEntry, key: string): number => {
        let at = checked.get(key);
        if (at === undefined) checked.set(key, (at = storedEntryStart(file, entry, source)));
        return at;
      };
      return {
        bigEndian,
        name: (key) => `data/${key}`,
        byteLength: (key) => entryOf(key).size,
        read(key, start, length) {
          const entry = entryOf(key);
          if (entry.method !== 0) return readZipEntry(file, entry, source).slice(start, start + length);
          const out = new Uint8Array(length);
          file.read(out, storedStart(entry, key) + start);
          return out;
        },
        start(key) {
          const entry = entryOf(key);
          return entry.method === 0 ? storedStart(entry, key) : undefined;
        },
      };
    },
  };
}

function byteOrder(src: ByteSource, entry: ZipEntry | undefined, source: string): boolean {
  if (entry === undefined) return false;
  if (entry.size > 16) throw new InputError(`the byteorder record holds ${entry.size} bytes, not "little" or "big"`, source);
  const text = new TextDecoder().decode(readZipEntry(src, entry, source));
  if (text !== 'little' && text !== 'big') throw new InputError(`the byteorder record says ${JSON.stringify(text)}, not "little" or "big"`, source);
  return text === 'big';
}
