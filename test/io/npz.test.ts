/**
 * NPZ archives: np.savez (stored) and np.savez_compressed (deflated) fixtures read by key,
 * the key rules, zip64 headers, and broken archives: truncated, corrupt deflate data, lying
 * sizes, data that does not match its CRC-32. In memory (parseNpz) and from a file at offsets
 * (readInput), which must agree.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { pickArray } from '../../src/io/container.js';
import { encodeNpy } from '../../src/io/npy.js';
import { parseNpz } from '../../src/io/npz.js';
import { streaming } from '../../src/io/npy-file.js';
import { openInput, readInput } from '../../src/io/read.js';
import type { Storage, Tensor } from '../../src/tensor.js';
import { isValues, type Values } from '../../src/values.js';
import { inputError, inputErrorSync } from './helpers.js';
import { expectTensor, fact, FIXTURES, fixtureBytes, manifest } from './manifest.js';
import { handMadeZip } from './zip-maker.js';

/** numpy-written: stored, deflated, one unnamed array, and zip64 headers throughout (zipfile's limit lowered). */
const archives = ['dump.npz', 'dump_compressed.npz', 'single.npz', 'zip64.npz', 'zip64_compressed.npz'];
const read = (bytes: Uint8Array, source: string, key?: string): Tensor => pickArray(parseNpz(bytes, source), key, source);

/** Offsets of the central directory entries ("PK\1\2") in an archive. */
function centralEntries(zip: Uint8Array): number[] {
  const at: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2) at.push(i);
  }
  return at;
}

const npy = encodeNpy({ data: new Float64Array([1, 2, 3]), shape: [3], dtype: 'float64' });

describe('parseNpz on numpy-written archives', () => {
  it.each(archives)('%s lists its keys in file order', (name) => {
    expect(parseNpz(fixtureBytes(name), name).keys).toEqual(manifest.containers[name].keys);
  });

  it.each(archives.flatMap((name) => manifest.containers[name].keys.map((key) => [name, key])))('%s:%s', async (name, key) => {
    expectTensor(read(fixtureBytes(name), name, key), manifest.files[`${name}:${key}`]);
    expectTensor(await readInput(`${FIXTURES}${name}:${key}`), manifest.files[`${name}:${key}`]);
  });

  it('needs no key for a single array (np.savez with a positional array: arr_0)', () => {
    expectTensor(read(fixtureBytes('single.npz'), 'single.npz'), manifest.files['single.npz']);
  });

  it("takes the key without the entry's .npy suffix, or with it, as np.load does", () => {
    expectTensor(read(fixtureBytes('dump.npz'), 'dump.npz', 'logits.npy'), manifest.files['dump.npz:logits']);
  });

  describe('entries "logits" and "logits.npy" in one archive: the exact name first, as numpy', () => {
    const name = 'shadow.npz';
    it('lists the entry of the full name by its full name', () => {
      expect(parseNpz(fixtureBytes(name), name).keys).toEqual(manifest.containers[name].keys);
      const listed = manifest.containers[name].keys.map((k) => JSON.stringify(k)).join(', ');
      expect(inputErrorSync(() => read(fixtureBytes(name), name, 'x'), name).message).toBe(`no array "x" in the npz archive; the keys are ${listed}`);
    });
    it.each(['logits', 'logits.npy', 'labels', 'labels.npy'])('%s: in memory, from the file, and in blocks', async (key) => {
      const exp = manifest.files[`${name}:${key}`];
      expectTensor(read(fixtureBytes(name), name, key), exp);
      expectTensor(await readInput(`${FIXTURES}${name}:${key}`), exp);
      const opened = await openInput(`${FIXTURES}${name}:${key}`);
      expect(isValues(opened)).toBe(true);
      const values = opened as Values;
      const out: Storage[] = [];
      values.read(1, 0, exp.values.length, (block) => out.push(block.slice()));
      const data = exp.dtype === 'int64' ? BigInt64Array.from(out.flatMap((b) => Array.from(b as BigInt64Array))) : Float64Array.from(out.flatMap((b) => Array.from(b as Float64Array)));
      expectTensor({ data, shape: values.shape, dtype: values.dtype }, exp);
    });
  });

  it('lists the keys when the key is missing or unknown', () => {
    const listed = manifest.containers['dump_compressed.npz'].keys.map((k) => JSON.stringify(k)).join(', ');
    const bytes = fixtureBytes('dump_compressed.npz');
    expect(inputErrorSync(() => read(bytes, 'd.npz'), 'd.npz').message).toBe(
      `the npz archive holds ${manifest.containers['dump_compressed.npz'].keys.length} arrays: pick one as d.npz:<key>; the keys are ${listed}`,
    );
    expect(inputErrorSync(() => read(bytes, 'd.npz', 'logit'), 'd.npz').message).toBe(`no array "logit" in the npz archive; the keys are ${listed}`);
  });

  it('an archive with no arrays (np.savez with none)', () => {
    expect(parseNpz(fixtureBytes('empty.npz'), 'e.npz').keys).toEqual(manifest.containers['empty.npz'].keys);
    expect(inputErrorSync(() => read(fixtureBytes('empty.npz'), 'e.npz'), 'e.npz').message).toBe('the npz archive holds no arrays');
    expect(inputErrorSync(() => read(fixtureBytes('empty.npz'), 'e.npz', 'x'), 'e.npz').message).toBe(
      'no array "x" in the npz archive; the npz archive holds no arrays',
    );
  });

  it('lists many keys shortly', () => {
    const files = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}.npy`, npy]));
    const e = inputErrorSync(() => read(zipSync(files), 'm.npz'), 'm.npz');
    expect(e.message).toMatch(/the keys are "k0", "k1", .*"k19" and 5 more$/);
  });
});

describe('parseNpz on archives made here', () => {
  it('reads stored and deflated entries, skips directories, keeps other names as keys', () => {
    const zip = zipSync({ 'a.npy': [npy, { level: 0 }], 'b.npy': [npy, { level: 9 }], 'dir/': new Uint8Array(0), 'notes.txt': new Uint8Array([104, 105]) });
    const archive = parseNpz(zip, 'z.npz');
    expect(archive.keys).toEqual(['a', 'b', 'notes.txt']);
    for (const key of ['a', 'b']) expect(Array.from(pickArray(archive, key, 'z.npz').data)).toEqual([1, 2, 3]);
    const e = inputErrorSync(() => pickArray(archive, 'notes.txt', 'z.npz'), 'z.npz:notes.txt');
    expect(e.message).toMatch(/^not an NPY file: bad magic at byte 0/);
  });

  it('names file:key for an error inside an entry', () => {
    const zip = zipSync({ 'x.npy': npy.subarray(0, npy.length - 4) });
    expect(inputErrorSync(() => read(zip, 'z.npz', 'x'), 'z.npz:x').message).toBe(
      'truncated data: shape (3,) of float64 needs 24 bytes from byte 128, file has 20',
    );
  });
});

describe('parseNpz errors', () => {
  it('a truncated archive', () => {
    const bytes = fixtureBytes('truncated.npz');
    expect(bytes.length).toBe(fact('truncated.npz', 'size'));
    expect(inputErrorSync(() => parseNpz(bytes, 't.npz'), 't.npz').message).toBe(
      'not a zip archive, or a truncated one: no end-of-central-directory record',
    );
  });

  it('corrupt deflate data', () => {
    const bytes = fixtureBytes('dump_compressed.npz').slice();
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const data = 30 + view.getUint16(26, true) + view.getUint16(28, true); // the first entry's data
    bytes[data] = 0xff; // BTYPE 11: a reserved block type
    const key = manifest.containers['dump_compressed.npz'].keys[0];
    // the entry is named whether the archive is read in memory (zlib) or inflated as it is read
    expect(inputErrorSync(() => read(bytes, 'c.npz', key), `c.npz:${key}`).message).toBe(
      `corrupt zip archive: invalid block type in the deflate data of entry ${JSON.stringify(`${key}.npy`)}`,
    );
  });

  it('an entry claiming more bytes than deflate can make of its data, before inflating', () => {
    const zip = zipSync({ 'x.npy': npy });
    const [entry] = centralEntries(zip);
    new DataView(zip.buffer).setUint32(entry + 24, 0xfffffff0, true); // uncompressed size
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toMatch(/^entry "x.npy" claims 4294967280 bytes from \d+ compressed ones$/);
  });

  it('a stored entry whose sizes disagree, or that runs past the end', () => {
    const zip = zipSync({ 'x.npy': [npy, { level: 0 }] });
    const [entry] = centralEntries(zip);
    const sizes = new DataView(zip.buffer);
    sizes.setUint32(entry + 24, npy.length + 1, true);
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toBe(`entry "x.npy" claims ${npy.length + 1} bytes from ${npy.length} stored ones`);
    sizes.setUint32(entry + 20, zip.length + 1, true);
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toBe(
      `entry "x.npy" claims ${zip.length + 1} compressed bytes, more than the archive's ${zip.length}`,
    );
  });

  it('an encrypted entry', () => {
    const zip = zipSync({ 'x.npy': npy });
    const [entry] = centralEntries(zip);
    new DataView(zip.buffer).setUint16(entry + 8, 1, true); // general purpose flag bit 0
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toBe('entry "x.npy" is encrypted');
  });

  it('a size of 0xFFFFFFFF with no zip64 extra field to hold it', () => {
    const zip = zipSync({ 'x.npy': [npy, { level: 0 }] });
    const [entry] = centralEntries(zip);
    new DataView(zip.buffer).setUint32(entry + 20, 0xffffffff, true);
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toBe(
      'corrupt zip archive: entry "x.npy" has a compressedSize of 0xFFFFFFFF and no zip64 extra field holding it',
    );
  });

  it('deflate data that inflates to other than the size claimed', () => {
    const zip = zipSync({ 'x.npy': [npy, { level: 9 }] });
    const [entry] = centralEntries(zip);
    const view = new DataView(zip.buffer);
    view.setUint32(entry + 24, npy.length - 2, true);
    expect(inputErrorSync(() => read(zip, 'z.npz', 'x'), 'z.npz:x').message).toBe(`entry "x.npy" inflates to more than the ${npy.length - 2} bytes it claims`);
    view.setUint32(entry + 24, npy.length + 1, true);
    expect(inputErrorSync(() => read(zip, 'z.npz', 'x'), 'z.npz:x').message).toBe(`entry "x.npy" inflates to ${npy.length} bytes, not the ${npy.length + 1} it claims`);
  });

  it('a deflated entry too large for one buffer is refused before inflating', () => {
    const data = new Uint8Array(4_200_000).map((_, i) => (i * 2654435761) >>> 24);
    const zip = handMadeZip([{ name: 'x.npy', data }], { local64: false, central64: true, end64: false });
    const view = new DataView(zip.buffer);
    const [entry] = centralEntries(zip);
    view.setUint16(8, 8, true); // deflate, in both headers
    view.setUint16(entry + 10, 8, true);
    view.setBigUint64(entry + 46 + 5 + 4, 2n ** 32n + 10n, true); // the uncompressed size in the zip64 field
    expect(inputErrorSync(() => read(zip, 'z.npz', 'x'), 'z.npz:x').message).toBe(
      `entry "x.npy" holds ${2 ** 32 + 10} bytes, more than one buffer can (${2 ** 32}): stored uncompressed (np.savez), it could be read in place`,
    );
  });

  it('a central directory that runs past its end record', () => {
    const zip = zipSync({ 'x.npy': npy });
    const end = zip.length - 22;
    new DataView(zip.buffer).setUint32(end + 12, 1000, true); // its size
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toMatch(/^corrupt zip archive: the central directory \(1000 bytes from byte \d+\) runs past its end record at byte \d+$/);
  });

  it('an end record that claims fewer entries than its directory holds (it would hide one)', () => {
    const zip = zipSync({ 'logits.npy': npy, 'labels.npy': npy }, { level: 0 });
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    const end = zip.length - 22; // no comment: the end record is last
    view.setUint16(end + 8, 1, true);
    view.setUint16(end + 10, 1, true);
    expect(inputErrorSync(() => parseNpz(zip, 'c.npz'), 'c.npz').message).toBe(
      'corrupt zip archive: the central directory holds more than the 1 entries its end record claims',
    );
  });

  it("a directory entry that points at another entry's local header (zipfile: names differ)", () => {
    const other = encodeNpy({ data: new Float64Array([7, 8, 9]), shape: [3], dtype: 'float64' });
    const zip = zipSync({ 'logits.npy': npy, 'other.npy': other }, { level: 0 });
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    const [logits, second] = centralEntries(zip);
    // logits.npy's directory entry now names other.npy's local header, with its CRC
    view.setUint32(logits + 42, view.getUint32(second + 42, true), true);
    view.setUint32(logits + 16, view.getUint32(second + 16, true), true);
    expect(inputErrorSync(() => read(zip, 'c.npz', 'logits'), 'c.npz:logits').message).toBe(
      'corrupt zip archive: entry "logits.npy" points at a local header named "other.npy"',
    );
  });

  it('a compression method other than stored and deflate', () => {
    const zip = zipSync({ 'x.npy': npy });
    const [entry] = centralEntries(zip);
    new DataView(zip.buffer).setUint16(entry + 10, 12, true); // bzip2
    expect(inputErrorSync(() => parseNpz(zip, 'z.npz'), 'z.npz').message).toBe(
      'entry "x.npy" uses compression method 12; only stored (0) and deflate (8) are read',
    );
  });
});

describe('CRC-32', () => {
  const mismatch = (file: string) =>
    `entry "${fact<string>(file, 'entry')}": CRC-32 mismatch (stored 0x${fact(file, 'stored').toString(16).padStart(8, '0')}, ` +
    `computed 0x${fact(file, 'computed').toString(16).padStart(8, '0')}): the archive is corrupt`;

  // numpy refuses both ("Bad CRC-32 for file ..."): a byte flipped in stored data, and a
  // deflated entry whose CRC field was changed (the deflate data is intact)
  it.each([
    ['crc_stored.npz', 'logits', 'labels'],
    ['crc_deflated.npz', 'labels', 'logits'],
  ])('%s:%s is refused, naming the entry; %s, intact, is read', async (file, bad, good) => {
    expect(fact<string>(file, 'numpy')).toMatch(/^Bad CRC-32/);
    expect(inputErrorSync(() => read(fixtureBytes(file), file, bad), `${file}:${bad}`).message).toBe(mismatch(file));
    const path = FIXTURES + file;
    expect((await inputError(() => readInput(`${path}:${bad}`), `${path}:${bad}`)).message).toBe(mismatch(file));
    expectTensor(read(fixtureBytes(file), file, good), manifest.files[`${file}:${good}`]);
    expectTensor(await readInput(`${path}:${good}`), manifest.files[`${file}:${good}`]);
  });

  it('a byte flipped anywhere in a stored entry is caught', () => {
    const zip = zipSync({ 'x.npy': [npy, { level: 0 }] });
    const start = 30 + 'x.npy'.length;
    for (let i = 0; i < npy.length; i++) {
      const bad = zip.slice();
      bad[start + i] ^= 0x01;
      expect(inputErrorSync(() => read(bad, 'z.npz', 'x'), 'z.npz:x').message).toMatch(/^entry "x.npy": CRC-32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the archive is corrupt$/);
    }
  });
});

describe('zip64, as numpy writes it for large arrays', () => {
  const values = new Float64Array([0.5, -1.5, 2.25]);
  const entry = encodeNpy({ data: values, shape: [3], dtype: 'float64' });

  // sizes 0xFFFFFFFF in the local header and the real ones in its zip64 extra field (numpy
  // under Python >= 3.11.4 with force_zip64); the central directory either plain, or also
  // zip64 (as for entries over 4 GiB) with or without a zip64 end record
  it.each([
    { central64: false, end64: false },
    { central64: true, end64: true },
    { central64: true, end64: false },
  ])('central zip64 %o', async (layout) => {
    const zip = handMadeZip([{ name: 'x.npy', data: entry }, { name: 'y.npy', data: entry }], { local64: true, ...layout });
    expect(new DataView(zip.buffer).getUint32(18, true)).toBe(0xffffffff);
    for (const key of ['x', 'y']) expect(read(zip, 'z.npz', key).data).toEqual(values);
  });
});

describe('stored entries read in place, in blocks (openInput)', () => {
  /** Every value, read a batch row at a time through blocks of `blockBytes`. */
  function streamed(v: Values, blockBytes: number): Tensor {
    const saved = streaming.blockBytes;
    streaming.blockBytes = blockBytes;
    try {
      const unit = v.shape.slice(1).reduce((a, d) => a * d, 1) || 1;
      const parts: Storage[] = [];
      v.read(unit, 0, v.shape.length === 0 ? 1 : v.shape[0], (data) => parts.push(data.slice() as Storage));
      const data = parts.length === 1 ? parts[0] : (parts[0].constructor as { from(a: unknown[]): Storage }).from(parts.flatMap((p) => Array.from(p as ArrayLike<unknown>)));
      return { data, shape: v.shape, dtype: v.dtype };
    } finally {
      streaming.blockBytes = saved;
    }
  }

  it.each(['dump.npz', 'zip64.npz'].flatMap((name) => ['logits', 'labels'].map((key) => [name, key])))('%s:%s in blocks of 1 to 4096 bytes', async (name, key) => {
    const v = await openInput(`${FIXTURES}${name}:${key}`);
    expect(isValues(v)).toBe(true);
    for (const blockBytes of [1, 24, 4096]) expectTensor(streamed(v as Values, blockBytes), manifest.files[`${name}:${key}`]);
  });

  it('checks the CRC-32 before the first block', async () => {
    const path = `${FIXTURES}crc_stored.npz:logits`;
    expect((await inputError(() => openInput(path), path)).message).toMatch(/^entry "logits.npy": CRC-32 mismatch/);
  });

  it('the key rules are those of readInput', async () => {
    const path = `${FIXTURES}dump.npz`;
    expect((await inputError(() => openInput(path), path)).message).toBe('the npz archive holds 2 arrays: pick one as ' + path + ':<key>; the keys are "logits", "labels"');
    expect((await inputError(() => openInput(`${path}:nope`), path)).message).toBe('no array "nope" in the npz archive; the keys are "logits", "labels"');
  });
});
