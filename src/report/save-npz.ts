/**
 * --save-per-sample of .npz: a zip of NPY arrays (numpy.savez's layout), each float64 in the
 * loss's shape, written as it is made. Entries are stored (method 0, as numpy.savez writes
 * them), and each one's CRC-32 is only known once its data is out, so it follows the data in
 * a data descriptor (general purpose flag bit 3) and the central directory at the end holds it
 * with the sizes (APPNOTE 4.3.9, 4.4.4); readers, numpy's and losscalc's, go by that directory.
 * No zip64: the archive must stay under 4 GiB (about 130 million samples).
 */
import { crc32 } from 'node:zlib';
import { InputError } from '../errors.js';
import { npyHeaderBytes } from '../io/npy.js';
import { numel } from '../tensor.js';

/** One array of the archive: its name (without `.npy`), its shape, and its values in blocks. */
export interface NpzArray {
  name: string;
  shape: readonly number[];
  blocks: () => Iterable<ArrayLike<number>>;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const DESCRIPTOR = 0x08074b50;
const END = 0x06054b50;
/** Version 2.0 (stored entries, data descriptors); flag bit 3: a data descriptor follows; bit 11: UTF-8 names. */
const VERSION = 20;
const FLAGS = 0x0008 | 0x0800;
/** 1980-01-01 00:00, the earliest DOS date: the archive's bytes depend on its contents alone. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const LIMIT = 0xffffffff;

/** The archive's bytes in chunks; `path` names it in an error. */
export function* npzChunks(arrays: readonly NpzArray[], path: string): Generator<Uint8Array> {
  const entries: { name: Uint8Array; crc: number; size: number; offset: number }[] = [];
  refuseZip64(arrays, path);
  let offset = 0;
  for (const a of arrays) {
    const name = Buffer.from(`${a.name}.npy`, 'utf8');
    const header = npyHeaderBytes(a.shape, 'float64');
    const size = header.length + 8 * numel(a.shape);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, LOCAL, true);
    local.setUint16(4, VERSION, true);
    local.setUint16(6, FLAGS, true);
    local.setUint16(8, 0, true); // stored
    local.setUint16(12, DOS_DATE, true);
    // CRC-32 0 (in the descriptor); the sizes are known beforehand and given
    local.setUint32(18, size, true);
    local.setUint32(22, size, true);
    local.setUint16(26, name.length, true);
    yield new Uint8Array(local.buffer);
    yield name;
    yield header;
    let crc = crc32(header);
    // one buffer for every block, each written before the next is made (save.ts's .npy does the same)
    let bytes = new DataView(new ArrayBuffer(0));
    for (const block of a.blocks()) {
      if (bytes.byteLength < block.length * 8) bytes = new DataView(new ArrayBuffer(block.length * 8));
      const chunk = float64Bytes(block, bytes);
      crc = crc32(chunk, crc);
      yield chunk;
    }
    const descriptor = new DataView(new ArrayBuffer(16));
    descriptor.setUint32(0, DESCRIPTOR, true);
    descriptor.setUint32(4, crc, true);
    descriptor.setUint32(8, size, true);
    descriptor.setUint32(12, size, true);
    yield new Uint8Array(descriptor.buffer);
    entries.push({ name, crc, size, offset });
    offset += 30 + name.length + size + 16;
  }
  let directory = 0;
  for (const e of entries) {
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, CENTRAL, true);
    central.setUint16(4, VERSION, true);
    central.setUint16(6, VERSION, true);
    central.setUint16(8, FLAGS, true);
    central.setUint16(14, DOS_DATE, true);
    central.setUint32(16, e.crc, true);
    central.setUint32(20, e.size, true);
    central.setUint32(24, e.size, true);
    central.setUint16(28, e.name.length, true);
    central.setUint32(42, e.offset, true);
    yield new Uint8Array(central.buffer);
    yield e.name;
    directory += 46 + e.name.length;
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, END, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, directory, true);
  end.setUint32(16, offset, true);
  yield new Uint8Array(end.buffer);
}

/**
 * The whole archive's size, known from the shapes: beyond 4 GiB it is refused before a byte is
 * written (its first arrays would fit, its last would not).
 */
function refuseZip64(arrays: readonly NpzArray[], path: string): void {
  let total = 22; // the end of the central directory
  for (const a of arrays) {
    const name = Buffer.byteLength(`${a.name}.npy`, 'utf8');
    const size = npyHeaderBytes(a.shape, 'float64').length + 8 * numel(a.shape);
    total += 30 + name + size + 16 + 46 + name; // local header, data, descriptor, central header
  }
  if (total > LIMIT) {
    const samples = arrays.length === 0 ? 0 : numel(arrays[0].shape);
    throw new InputError(`${samples} samples make an .npz of more than 4 GiB, which needs zip64: save .npy (the losses) or .csv instead`, path);
  }
}

/**
 * `block` as little-endian float64 at the start of `bytes`, every NaN as one bit pattern: the
 * sign a NaN loss comes with depends on the code V8 ran it in (interpreted or optimized), so
 * on how many rows its thread had computed before.
 */
export function float64Bytes(block: ArrayLike<number>, bytes: DataView): Uint8Array {
  for (let i = 0; i < block.length; i++) bytes.setFloat64(i * 8, block[i] === block[i] ? block[i] : NaN, true);
  return new Uint8Array(bytes.buffer, 0, block.length * 8);
}
