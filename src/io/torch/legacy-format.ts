/**
 * torch.save's legacy format (PyTorch 1.0 to 1.5, and `_use_new_zipfile_serialization=False`
 * since): five things one after the other, the first four pickles: the magic number
 * 0x1950a86a20f9469cfc6c, the protocol version 1001, sys_info ({protocol_version,
 * little_endian, type_sizes}), the object, whose persistent ids name storages by key, and the
 * sorted list of those keys; then each storage in that order as an 8-byte element count and
 * the raw bytes, in the byte order sys_info gives. The pre-1.0 format, a tar archive, is refused.
 */
import { InputError } from '../../errors.js';
import type { DType } from '../../tensor.js';
import { ELEMENT } from '../binary.js';
import { bufferSource, type ByteSource } from '../byte-source.js';
import { storageOf } from './globals.js';
import { unpickle } from './pickle.js';
import type { TorchArchive } from './zip-format.js';
import { PyDict, PyList, type PyValue } from './values.js';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001n;

/**
 * The magic number pickled takes at most this many bytes: a text LONG (`L1195...L\n.`) in
 * protocols 0 and 1, PROTO and LONG1 in 2 and 3, with a FRAME between them in 4 and 5.
 */
const MAGIC_BYTES = 64;

/**
 * Whether `buf` starts with the legacy format's magic number, however the pickle protocol
 * torch.save was given encodes it: its first pickle, read from the first MAGIC_BYTES bytes, is
 * that number.
 */
export function startsAsTorchLegacy(buf: Uint8Array): boolean {
  if (buf[0] !== 0x80 && buf[0] !== 0x4c) return false; // PROTO, or LONG (protocols 0 and 1)
  const head = buf.subarray(0, MAGIC_BYTES);
  try {
    return unpickle(bufferSource(head, ''), 0, head.length, '', { name: 'the magic number', persistentLoad: noStorage('') }).value === MAGIC;
  } catch (e) {
    if (e instanceof InputError) return false;
    throw e;
  }
}

/** A persistent id where no storage can be: before the object. */
function noStorage(source: string) {
  return (): never => {
    throw new InputError('a persistent id before the object', source);
  };
}

export function readTorchLegacy(src: ByteSource, source: string): TorchArchive {
  let at = 0;
  const next = (name: string, persistentLoad: (pid: PyValue, where: string) => PyValue = noStorage(source)): PyValue => {
    const read = unpickle(src, at, src.size, source, { name, persistentLoad });
    at = read.end;
    return read.value;
  };
  if (next('the magic number') !== MAGIC) throw new InputError('not a torch.save file: the legacy format starts with its magic number', source);
  const version = next('the protocol version');
  if (version !== PROTOCOL_VERSION) throw new InputError(`torch.save legacy protocol version ${String(version)}, not ${PROTOCOL_VERSION}`, source);
  const bigEndian = sysInfo(next('sys_info'), source);
  const dtypes = new Map<string, DType>(); // storage key -> element type, from the persistent ids
  const root = next('the pickle', (pid, where) => {
    const storage = storageOf(pid, where);
    dtypes.set(storage.key, storage.dtype);
    return storage;
  });
  const keys = next('the storage keys');
  if (!(keys instanceof PyList) || !keys.items.every((k) => typeof k === 'string')) throw new InputError('the storage keys after the pickle are not a list of strings', source);
  const places = new Map<string, { start: number; length: number }>();
  for (const key of keys.items as string[]) {
    const dtype = dtypes.get(key);
    if (dtype === undefined) throw new InputError(`storage ${JSON.stringify(key)} at byte ${at} is named by no tensor`, source);
    if (at + 8 > src.size) throw new InputError(`truncated: storage ${JSON.stringify(key)} has no element count at byte ${at}`, source);
    const head = new Uint8Array(8);
    src.read(head, at);
    const count = new DataView(head.buffer).getBigUint64(0, !bigEndian);
    const length = count * BigInt(ELEMENT[dtype].size);
    if (length > BigInt(src.size - at - 8)) {
      throw new InputError(`storage ${JSON.stringify(key)} at byte ${at} claims ${count} elements of ${dtype}, past the end of the file`, source);
    }
    places.set(key, { start: at + 8, length: Number(length) });
    at += 8 + Number(length);
  }
  return {
    root,
    storages(file) {
      const place = (key: string) => {
        const p = places.get(key);
        if (p === undefined) throw new InputError(`the pickle names storage ${JSON.stringify(key)}, which the file does not hold`, source);
        return p;
      };
      return {
        bigEndian,
        name: (key) => `storage ${key}`,
        byteLength: (key) => place(key).length,
        read(key, start, length) {
          const out = new Uint8Array(length);
          file.read(out, place(key).start + start);
          return out;
        },
        start: (key) => place(key).start,
      };
    },
  };
}

/** sys_info's byte order: big-endian when little_endian is False. */
function sysInfo(info: PyValue, source: string): boolean {
  const entry = info instanceof PyDict ? info.items.get('little_endian') : undefined;
  if (entry === undefined || typeof entry[1] !== 'boolean') throw new InputError('sys_info after the protocol version has no little_endian flag', source);
  return !entry[1];
}
