/**
 * Zip archives of stored entries written field by field (PKWARE's APPNOTE.TXT 4.3, 4.5.3),
 * for the zip64 layouts no library here writes: sizes 0xFFFFFFFF in the local header with the
 * real ones in its zip64 extra field, zip64 central entries, a zip64 end record or none. In
 * memory, or streamed to a file for archives too large for memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

export interface Layout {
  /** Local headers hold 0xFFFFFFFF sizes and a zip64 extra field with the real ones. */
  local64: boolean;
  /** Central entries hold 0xFFFFFFFF sizes and offset, and a zip64 extra field. */
  central64: boolean;
  /** A zip64 end record and locator before the end record. */
  end64: boolean;
}

/** An entry whose data comes in chunks, `size` bytes in all. */
export interface StreamedEntry {
  name: string;
  size: number;
  chunks(): Iterable<Uint8Array>;
}

const FF = 0xffffffff;

class Writer {
  readonly bytes: number[] = [];
  u16(v: number): this {
    this.bytes.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  raw(b: Uint8Array | number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function localHeader(name: Uint8Array, crc: number, size: number, layout: Layout): Uint8Array {
  const extra = layout.local64 ? new Writer().u16(1).u16(16).u64(size).u64(size) : new Writer();
  const field = layout.local64 ? FF : size;
  const w = new Writer().u32(0x04034b50).u16(45).u16(0).u16(0).u16(0).u16(0x21).u32(crc).u32(field).u32(field);
  return w.u16(name.length).u16(extra.length).raw(name).raw(extra.bytes).done();
}

function centralHeader(name: Uint8Array, crc: number, size: number, offset: number, layout: Layout): Uint8Array {
  const extra = layout.central64 ? new Writer().u16(1).u16(24).u64(size).u64(size).u64(offset) : new Writer();
  const [field, at] = layout.central64 ? [FF, FF] : [size, offset];
  const w = new Writer().u32(0x02014b50).u16(45).u16(45).u16(0).u16(0).u16(0).u16(0x21).u32(crc).u32(field).u32(field);
  return w.u16(name.length).u16(extra.length).u16(0).u16(0).u16(0).u32(0).u32(at).raw(name).raw(extra.bytes).done();
}

/** The zip64 end record and locator (when asked for) and the end record, for a directory at `cdOffset`. */
function endRecords(count: number, cdOffset: number, cdSize: number, layout: Layout): Uint8Array {
  const w = new Writer();
  if (layout.end64) {
    const record = cdOffset + cdSize;
    w.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count).u64(cdSize).u64(cdOffset);
    w.u32(0x07064b50).u32(0).u64(record).u32(1);
  }
  const n = layout.end64 ? 0xffff : count;
  return w.u32(0x06054b50).u16(0).u16(0).u16(n).u16(n).u32(cdSize).u32(layout.end64 ? FF : cdOffset).u16(0).done();
}

export function handMadeZip(files: { name: string; data: Uint8Array }[], layout: Layout): Uint8Array {
  const w = new Writer();
  const central = new Writer();
  for (const f of files) {
    const name = new TextEncoder().encode(f.name);
    const crc = crc32(f.data);
    central.raw(centralHeader(name, crc, f.data.length, w.length, layout));
    w.raw(localHeader(name, crc, f.data.length, layout)).raw(f.data);
  }
  const cdOffset = w.length;
  return w.raw(central.bytes).raw(endRecords(files.length, cdOffset, central.length, layout)).done();
}

/** The same, streamed to `path`: each local header is written again once its CRC is known. */
export function writeZipFile(path: string, entries: StreamedEntry[], layout: Layout): void {
  const fd = openSync(path, 'w');
  try {
    let at = 0;
    const write = (b: Uint8Array, position = at) => {
      for (let done = 0; done < b.length; ) done += writeSync(fd, b, done, b.length - done, position + done);
      if (position === at) at += b.length;
    };
    const central = new Writer();
    for (const e of entries) {
      const name = new TextEncoder().encode(e.name);
      const offset = at;
      write(localHeader(name, 0, e.size, layout));
      let crc = 0;
      let size = 0;
      for (const chunk of e.chunks()) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        write(chunk);
      }
      if (size !== e.size) throw new Error(`zip-maker: ${e.name} has ${size} bytes, not ${e.size}`);
      write(localHeader(name, crc, e.size, layout), offset);
      central.raw(centralHeader(name, crc, e.size, offset, layout));
    }
    const cdOffset = at;
    write(central.done());
    write(endRecords(entries.length, cdOffset, central.length, layout));
  } finally {
    closeSync(fd);
  }
}
