/**
 * The zip container under NPZ, read at offsets (byte-source.ts) so that an archive is never
 * loaded whole: the end record (or its zip64 twin) from the end of the file, the central
 * directory it points to, then an entry's local header and data. Sizes come from the central
 * directory, with the zip64 extra field (0x0001) where a size or offset is 0xFFFFFFFF, as
 * numpy writes every entry (`force_zip64`). Every entry read is checked against its CRC-32.
 * Format: PKWARE's APPNOTE.TXT, sections 4.3 and 4.5.3.
 */
import { constants } from 'node:buffer';
import { crc32, inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';
import type { ByteSource } from './byte-source.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Where the entry's local header starts. */
  headerOffset: number;
}

/** Deflate cannot expand more than 1032:1; more claimed is a corrupt (or hostile) entry. */
const MAX_DEFLATE_RATIO = 1032;
/** Every central directory entry takes at least this many bytes. */
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** The most bytes one buffer holds (4 GiB in Node 20): an entry read whole must fit. */
const MAX_LENGTH = constants.MAX_LENGTH;
/** Stored data is read (and its CRC computed) this much at a time. */
const CHUNK = 1 << 20;

const SIGNATURE = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, end64: 0x06064b50, locator64: 0x07064b50 };

/** The archive's entries, in central directory order, each checked against the archive's size. */
export function readZipDirectory(src: ByteSource, source: string): ZipEntry[] {
  const { count, start, end } = findDirectory(src, source);
  const dir = bytesAt(src, start, end - start);
  const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > dir.length || view.getUint32(p, true) !== SIGNATURE.central) {
      throw corrupt(`no central directory entry ${i} at byte ${start + p}`, source);
    }
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + view.getUint16(p + 32, true);
    if (next > dir.length) throw corrupt(`central directory entry ${i} at byte ${start + p} runs past the directory`, source);
    const utf8 = (view.getUint16(p + 8, true) & 0x800) !== 0;
    const name = decodeName(dir.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength), utf8);
    const extra = dir.subarray(p + CENTRAL_SIZE + nameLength, p + CENTRAL_SIZE + nameLength + extraLength);
    const sizes = zip64Sizes(extra, view.getUint32(p + 24, true), view.getUint32(p + 20, true), view.getUint32(p + 42, true), name, source);
    const entry = { name, method: view.getUint16(p + 10, true), crc: view.getUint32(p + 16, true), ...sizes };
    if ((view.getUint16(p + 8, true) & 1) !== 0) throw new InputError(`entry ${JSON.stringify(name)} is encrypted`, source);
    checkEntry(entry, src.size, source);
    entries.push(entry);
    p = next;
  }
  // an end record that claims fewer entries than its directory holds would hide some
  if (p !== dir.length) throw corrupt(`the central directory holds more than the ${count} entries its end record claims`, source);
  return entries;
}

/**
 * The entry's uncompressed bytes, checked against its CRC-32 as they are read (stored) or
 * inflated (deflate). `source` names the archive, or the array read from it.
 */
export function readZipEntry(src: ByteSource, entry: ZipEntry, source: string): Uint8Array {
  const start = dataStart(src, entry, source);
  if (entry.size > MAX_LENGTH) {
    const hint = entry.method === 0 ? '' : ': stored uncompressed (np.savez), it could be read in place';
    throw new InputError(`entry ${JSON.stringify(entry.name)} holds ${entry.size} bytes, more than one buffer can (${MAX_LENGTH})${hint}`, source);
  }
  if (entry.method === 0) {
    const out = new Uint8Array(entry.size);
    checkCrc(entry, readStored(src, start, entry.size, (at) => out.subarray(at, at + CHUNK)), source);
    return out;
  }
  const out = inflate(bytesAt(src, start, entry.compressedSize), entry, source);
  checkCrc(entry, crc32(out), source);
  return out;
}

/**
 * Where a stored entry's data starts in the archive, once all of it has been checked against
 * its CRC-32 a chunk at a time: for reading it in place, in constant memory.
 */
export function storedEntryStart(src: ByteSource, entry: ZipEntry, source: string): number {
  const start = dataStart(src, entry, source);
  const chunk = new Uint8Array(Math.min(CHUNK, entry.size));
  checkCrc(entry, readStored(src, start, entry.size, () => chunk), source);
  return start;
}

/** The CRC-32 of `size` bytes from `start`, read CHUNK at a time into the buffer `into(at)` gives. */
function readStored(src: ByteSource, start: number, size: number, into: (at: number) => Uint8Array): number {
  let crc = 0;
  for (let at = 0; at < size; at += CHUNK) {
    const chunk = into(at).subarray(0, Math.min(CHUNK, size - at));
    src.read(chunk, start + at);
    crc = crc32(chunk, crc);
  }
  return crc;
}

/** Where the entry's data starts: after its local header, whose name and extra field may differ from the central ones. */
export function dataStart(src: ByteSource, entry: ZipEntry, source: string): number {
  const name = JSON.stringify(entry.name);
  const at = entry.headerOffset;
  if (at + LOCAL_SIZE > src.size) throw new InputError(`entry ${name} is truncated: its local header at byte ${at} is past the end of the archive`, source);
  const head = bytesAt(src, at, LOCAL_SIZE);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0, true) !== SIGNATURE.local) throw corrupt(`no local header for entry ${name} at byte ${at}`, source);
  const nameLength = view.getUint16(26, true);
  const start = at + LOCAL_SIZE + nameLength + view.getUint16(28, true);
  // as Python's zipfile: a directory entry that points at another entry's header is corrupt
  const local = decodeName(bytesAt(src, at + LOCAL_SIZE, Math.min(nameLength, src.size - at - LOCAL_SIZE)), (view.getUint16(6, true) & 0x800) !== 0);
  if (local !== entry.name) throw corrupt(`entry ${name} points at a local header named ${JSON.stringify(local)}`, source);
  if (start + entry.compressedSize > src.size) throw new InputError(`entry ${name} is truncated: the archive ends inside its data`, source);
  return start;
}

function inflate(compressed: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const name = JSON.stringify(entry.name);
  let out: Uint8Array;
  try {
    out = inflateRawSync(compressed, { maxOutputLength: entry.size + 1 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InputError(`entry ${name} inflates to more than the ${entry.size} bytes it claims`, source);
    }
    throw corrupt(`${e instanceof Error ? e.message : String(e)} in the deflate data of entry ${name}`, source);
  }
  if (out.length !== entry.size) throw new InputError(`entry ${name} inflates to ${out.length} bytes, not the ${entry.size} it claims`, source);
  return out;
}

export function checkCrc(entry: ZipEntry, computed: number, source: string): void {
  if (computed === entry.crc) return;
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  throw new InputError(`entry ${JSON.stringify(entry.name)}: CRC-32 mismatch (stored ${hex(entry.crc)}, computed ${hex(computed)}): the archive is corrupt`, source);
}

/**
 * The end-of-central-directory record, found from the end (it is followed by a comment of up
 * to 64 KiB), and the zip64 end record its locator points to, when there is one: how many
 * entries there are and the bytes of the central directory.
 */
function findDirectory(src: ByteSource, source: string): { count: number; start: number; end: number } {
  const tailStart = Math.max(0, src.size - END_SIZE - MAX_COMMENT);
  const tail = bytesAt(src, tailStart, src.size - tailStart);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let e = tail.length - END_SIZE; e >= 0; e--) {
    if (view.getUint32(e, true) !== SIGNATURE.end) continue;
    let count = view.getUint16(e + 10, true);
    let size = view.getUint32(e + 12, true);
    let start = view.getUint32(e + 16, true);
    let end = tailStart + e; // the directory ends where the end records start
    const record = zip64End(src, tailStart + e);
    if (record) ({ count, size, start, end } = record);
    if (count * CENTRAL_SIZE > src.size) {
      throw corrupt(`the directory at byte ${tailStart + e} claims ${count} entries, more than ${src.size} bytes can hold`, source);
    }
    if (start + size > end) throw corrupt(`the central directory (${size} bytes from byte ${start}) runs past its end record at byte ${end}`, source);
    return { count, start, end: start + size };
  }
  throw new InputError('not a zip archive, or a truncated one: no end-of-central-directory record', source);
}

/** The zip64 end record before the end record at `endAt`, when its locator is there. */
function zip64End(src: ByteSource, endAt: number): { count: number; size: number; start: number; end: number } | undefined {
  if (endAt < 20) return undefined;
  const locator = new DataView(bytesAt(src, endAt - 20, 20).buffer);
  if (locator.getUint32(0, true) !== SIGNATURE.locator64) return undefined;
  const at = u64(locator, 8);
  if (at + 56 > endAt - 20) return undefined;
  const record = new DataView(bytesAt(src, at, 56).buffer);
  if (record.getUint32(0, true) !== SIGNATURE.end64) return undefined;
  return { count: u64(record, 32), size: u64(record, 40), start: u64(record, 48), end: at };
}

/**
 * The sizes and offset of an entry: the 32-bit fields, except those that are 0xFFFFFFFF,
 * which the zip64 extra field (tag 0x0001) holds as 64-bit values, in this order.
 */
function zip64Sizes(extra: Uint8Array, size: number, compressedSize: number, headerOffset: number, name: string, source: string) {
  const out = { size, compressedSize, headerOffset };
  const wide = (['size', 'compressedSize', 'headerOffset'] as const).filter((k) => out[k] === 0xffffffff);
  if (wide.length === 0) return out;
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let p = 0; p + 4 <= extra.length; p += 4 + view.getUint16(p + 2, true)) {
    if (view.getUint16(p, true) !== 1) continue;
    const length = view.getUint16(p + 2, true);
    if (length < 8 * wide.length || p + 4 + length > extra.length) break;
    wide.forEach((k, i) => (out[k] = u64(view, p + 4 + 8 * i)));
    return out;
  }
  throw corrupt(`entry ${JSON.stringify(name)} has a ${wide.join(' and ')} of 0xFFFFFFFF and no zip64 extra field holding it`, source);
}

/** The sizes the central directory claims for an entry, before any of it is read. */
function checkEntry(entry: ZipEntry, archiveSize: number, source: string): void {
  const name = JSON.stringify(entry.name);
  const { method, compressedSize, size } = entry;
  if (method !== 0 && method !== 8) {
    throw new InputError(`entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`, source);
  }
  if (compressedSize > archiveSize) {
    throw new InputError(`entry ${name} claims ${compressedSize} compressed bytes, more than the archive's ${archiveSize}`, source);
  }
  const most = method === 0 ? compressedSize : compressedSize * MAX_DEFLATE_RATIO + 64;
  if (size > most || (method === 0 && size !== compressedSize)) {
    throw new InputError(`entry ${name} claims ${size} bytes from ${compressedSize} ${method === 0 ? 'stored' : 'compressed'} ones`, source);
  }
}

/** `length` bytes from `position`, in a fresh buffer. */
function bytesAt(src: ByteSource, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  src.read(out, position);
  return out;
}

/** A 64-bit little-endian count; beyond 2^53 it is only ever compared with file sizes. */
function u64(view: DataView, at: number): number {
  return Number(view.getBigUint64(at, true));
}

/** Names are UTF-8 when the entry says so (flag bit 11), else bytes as code points, as fflate read them. */
function decodeName(bytes: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder('utf-8').decode(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

export function corrupt(what: string, source: string): InputError {
  return new InputError(`corrupt zip archive: ${what}`, source);
}
