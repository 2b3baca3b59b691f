/**
 * Zip archives of stored entries written field by field (PKWARE's APPNOTE.TXT 4.3, 4.5.3),
 * for the zip64 layouts no library here writes: sizes 0xFFFFFFFF in the local header with the
 * real ones in its zip64 extra field, zip64 central entries, a zip64 end record or none.
 */
import { crc32 } from 'node:zlib';

export interface Layout {
  /** Local headers hold 0xFFFFFFFF sizes and a zip64 extra field with the real ones. */
  local64: boolean;
  /** Central entries hold 0xFFFFFFFF sizes and offset, and a zip64 extra field. */
  central64: boolean;
  /** A zip64 end record and locator before the end record. */
  end64: boolean;
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
  raw(b: Uint8Array): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
}

export function handMadeZip(files: { name: string; data: Uint8Array }[], layout: Layout): Uint8Array {
  const w = new Writer();
  const central = new Writer();
  for (const f of files) {
    const name = new TextEncoder().encode(f.name);
    const crc = crc32(f.data);
    const offset = w.length;
    const localExtra = layout.local64 ? new Writer().u16(1).u16(16).u64(f.data.length).u64(f.data.length) : new Writer();
    w.u32(0x04034b50).u16(45).u16(0).u16(0).u16(0).u16(0x21).u32(crc);
    const size = layout.local64 ? FF : f.data.length;
    w.u32(size).u32(size).u16(name.length).u16(localExtra.length).raw(name).raw(Uint8Array.from(localExtra.bytes)).raw(f.data);

    const extra = layout.central64 ? new Writer().u16(1).u16(24).u64(f.data.length).u64(f.data.length).u64(offset) : new Writer();
    const [csize, at] = layout.central64 ? [FF, FF] : [f.data.length, offset];
    central.u32(0x02014b50).u16(45).u16(45).u16(0).u16(0).u16(0).u16(0x21).u32(crc).u32(csize).u32(csize);
    central.u16(name.length).u16(extra.length).u16(0).u16(0).u16(0).u32(0).u32(at).raw(name).raw(Uint8Array.from(extra.bytes));
  }
  const cdOffset = w.length;
  w.raw(Uint8Array.from(central.bytes));
  if (layout.end64) {
    const record = w.length;
    w.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(files.length).u64(files.length).u64(central.length).u64(cdOffset);
    w.u32(0x07064b50).u32(0).u64(record).u32(1);
  }
  const count = layout.end64 ? 0xffff : files.length;
  w.u32(0x06054b50).u16(0).u16(0).u16(count).u16(count).u32(central.length).u32(layout.end64 ? FF : cdOffset).u16(0);
  return Uint8Array.from(w.bytes);
}
