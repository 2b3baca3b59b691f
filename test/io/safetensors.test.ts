/**
 * safetensors: a file with every dtype (bfloat16 from torch) written in the reference
 * layout, the key rules, and a validated header: each broken fixture and hand-built header
 * gives an error naming the byte offset or header field.
 */
import { describe, expect, it } from 'vitest';
import { pickArray } from '../../src/io/container.js';
import { decodeHalves } from '../../src/io/float16.js';
import { looksLikeSafetensors, parseSafetensors } from '../../src/io/safetensors.js';
import type { Tensor } from '../../src/tensor.js';
import { inputErrorSync, STORAGE } from './helpers.js';
import { expectTensor, fact, fixtureBytes, manifest } from './manifest.js';

const read = (bytes: Uint8Array, source: string, key?: string): Tensor => pickArray(parseSafetensors(bytes, source), key, source);

/** A safetensors file from a header (object or raw text) and data, padded as the reference writer pads. */
function st(header: object | string, data: ArrayLike<number> = []): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + body.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  out.set(Array.from(data), 8 + body.length);
  return out;
}

const f32 = (...values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const error = (bytes: Uint8Array, key?: string): string => inputErrorSync(() => read(bytes, 'x.safetensors', key), key ? `x.safetensors:${key}` : 'x.safetensors').message;
const headerError = (bytes: Uint8Array): string => inputErrorSync(() => parseSafetensors(bytes, 'x.safetensors'), 'x.safetensors').message;

describe('parseSafetensors on files in the reference layout', () => {
  const { keys } = manifest.containers['all_dtypes.safetensors'];

  it('lists the tensors in file order, without __metadata__', () => {
    expect(parseSafetensors(fixtureBytes('all_dtypes.safetensors'), 'a.safetensors').keys).toEqual(keys);
  });

  it.each(keys)('reads %s', (key) => {
    const exp = manifest.files[`all_dtypes.safetensors:${key}`];
    const t = read(fixtureBytes('all_dtypes.safetensors'), 'a.safetensors', key);
    expectTensor(t, exp);
    expect(t.data.constructor.name).toBe(STORAGE[exp.dtype]);
  });

  it('covers F16, BF16, F32, F64, I8, I16, I32, I64, U8 and BOOL', () => {
    const dtypes = new Set(keys.map((k) => manifest.files[`all_dtypes.safetensors:${k}`].dtype));
    expect([...dtypes].sort()).toEqual(Object.keys(STORAGE).filter((d) => !/^uint(16|32|64)$/.test(d)).sort());
  });

  it.each(keys)('reads %s the same from a misaligned buffer', (key) => {
    const bytes = fixtureBytes('all_dtypes.safetensors');
    for (const offset of [1, 3]) {
      const backing = new Uint8Array(bytes.length + 8);
      backing.set(bytes, offset);
      expectTensor(read(backing.subarray(offset, offset + bytes.length), 'a.safetensors', key), manifest.files[`all_dtypes.safetensors:${key}`]);
    }
  });

  it('needs no key for a single tensor', () => {
    expectTensor(read(fixtureBytes('single.safetensors'), 's.safetensors'), manifest.files['single.safetensors']);
  });

  it('lists the keys when the key is missing or unknown', () => {
    const listed = keys.map((k) => JSON.stringify(k)).join(', ');
    expect(error(fixtureBytes('all_dtypes.safetensors'))).toBe(
      `the safetensors file holds ${keys.length} arrays: pick one as x.safetensors:<key>; the keys are ${listed}`,
    );
    expect(inputErrorSync(() => read(fixtureBytes('all_dtypes.safetensors'), 'x.safetensors', '__metadata__'), 'x.safetensors').message).toBe(
      `no array "__metadata__" in the safetensors file; the keys are ${listed}`,
    );
  });

  it('is recognised by its first bytes', () => {
    expect(looksLikeSafetensors(fixtureBytes('all_dtypes.safetensors'))).toBe(true);
    expect(looksLikeSafetensors(new TextEncoder().encode('{"a": [1, 2, 3, 4]}'))).toBe(false);
    expect(looksLikeSafetensors(new TextEncoder().encode('12345678{}'))).toBe(false);
  });
});

describe('bfloat16', () => {
  it('widens every bit pattern exactly: the bits shifted left 16 are the float32', () => {
    const bits = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) {
      bits[2 * h] = h & 0xff;
      bits[2 * h + 1] = h >> 8;
    }
    const out = decodeHalves(bits, 65536, false, true);
    const view = new DataView(new ArrayBuffer(4));
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      view.setUint32(0, h << 16, false);
      if (!Object.is(out[h], view.getFloat32(0, false)) && !(Number.isNaN(out[h]) && Number.isNaN(view.getFloat32(0, false)))) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });
});

describe('parseSafetensors errors from the broken fixtures', () => {
  it('a header length past the end of the file', () => {
    const name = 'st_length_past_eof.safetensors';
    expect(headerError(fixtureBytes(name))).toBe(
      `header length ${fact(name, 'header_length')} at byte 0 runs past the end of the file: ${fact(name, 'file_size') - 8} bytes follow it`,
    );
  });

  it('a file shorter than the header length', () => {
    expect(headerError(fixtureBytes('st_short.safetensors'))).toBe(
      `truncated safetensors file: the header length at byte 0 needs 8 bytes, file has ${fact('st_short.safetensors', 'file_size')}`,
    );
  });

  it('a header that is not JSON, with the byte where it breaks', () => {
    const message = headerError(fixtureBytes('st_bad_json.safetensors'));
    const m = /^header at byte 8 is not valid JSON: .+ at byte (\d+)$/.exec(message);
    expect(m, message).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(8);
    expect(Number(m![1])).toBeLessThanOrEqual(8 + fact('st_bad_json.safetensors', 'header_length'));
  });

  it('data offsets outside the data area', () => {
    const name = 'st_offsets_outside.safetensors';
    const [begin, end] = fact<number[]>(name, 'data_offsets');
    expect(headerError(fixtureBytes(name))).toBe(
      `tensor "${fact<string>(name, 'tensor')}": data_offsets [${begin}, ${end}] end past the data area, which has ${fact(name, 'data_size')} bytes (from byte ${fact(name, 'data_start')})`,
    );
  });

  it('overlapping tensors', () => {
    const name = 'st_overlap.safetensors';
    const [b0, b1] = fact<number[]>(name, 'data_offsets');
    const [o0, o1] = fact<number[]>(name, 'other_offsets');
    expect(headerError(fixtureBytes(name))).toBe(
      `tensor "${fact<string>(name, 'tensor')}": data_offsets [${b0}, ${b1}] overlap tensor "${fact<string>(name, 'other')}" at [${o0}, ${o1}]`,
    );
  });

  it('a byte count that is not shape x dtype size', () => {
    const name = 'st_wrong_count.safetensors';
    expect(headerError(fixtureBytes(name))).toBe(
      `tensor "a": data_offsets [0, ${fact(name, 'bytes')}] hold ${fact(name, 'bytes')} bytes, but shape (3,) of F32 needs ${fact(name, 'needed')}`,
    );
  });

  it('an unsupported dtype', () => {
    const name = 'st_bad_dtype.safetensors';
    expect(headerError(fixtureBytes(name))).toBe(
      `tensor "${fact<string>(name, 'tensor')}": header field 'dtype' is "${fact<string>(name, 'dtype')}", expected one of F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, BOOL`,
    );
  });
});

describe('parseSafetensors header validation', () => {
  const a = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('accepts __metadata__ anywhere, zero-size tensors, and reads only the tensor asked for', () => {
    const file = st({ b: { dtype: 'F32', shape: [0], data_offsets: [8, 8] }, a, __metadata__: { format: 'pt' } }, f32(1.5, -2));
    expect(parseSafetensors(file, 'x').keys).toEqual(['b', 'a']);
    expect(Array.from(read(file, 'x', 'a').data)).toEqual([1.5, -2]);
    expect(read(file, 'x', 'b').shape).toEqual([0]);
  });

  it.each([
    [{ a: { ...a, dtype: undefined } }, `tensor "a": header field 'dtype' is missing, expected one of F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, BOOL`],
    [{ a: { ...a, shape: [-2] } }, `tensor "a": header field 'shape' is [-2], expected a list of non-negative integers`],
    [{ a: { ...a, shape: '2' } }, `tensor "a": header field 'shape' is "2", expected a list of non-negative integers`],
    [{ a: { ...a, data_offsets: [8, 0] } }, `tensor "a": header field 'data_offsets' is [8,0], expected [begin, end] with 0 <= begin <= end`],
    [{ a: { ...a, data_offsets: [0, 8, 16] } }, `tensor "a": header field 'data_offsets' is [0,8,16], expected [begin, end] with 0 <= begin <= end`],
    [{ a: { ...a, shape: [2, ...Array(64).fill(1)] } }, `tensor "a": header field 'shape' is [2,1,1,1,1,1,1,1,...], expected at most 64 dims`],
    [{ a: [1, 2] }, 'tensor "a": header entry is [1,2], expected {dtype, shape, data_offsets}'],
    [{ a, __metadata__: 'pt' }, `header field '__metadata__' is "pt", expected an object of strings`],
    [{ a: { ...a, shape: [2 ** 40, 2 ** 40] } }, 'tensor "a": data_offsets [0, 8] hold 8 bytes, but shape (1099511627776, 1099511627776) of F32 is too large'],
    [{ a: { ...a, shape: [1e6, 1e6], data_offsets: [0, 8] } }, 'tensor "a": data_offsets [0, 8] hold 8 bytes, but shape (1000000, 1000000) of F32 needs 4000000000000'],
    [{ a: { ...a, data_offsets: [4, 12] } }, 'tensor "a": data_offsets [4, 12] end past the data area, which has 8 bytes (from byte 64)'],
    [{ a: { ...a, shape: [1], data_offsets: [4, 8] } }, 'tensor "a": data_offsets [4, 8] leave bytes 0 to 4 of the data area unused'],
    [{ a: { ...a, shape: [1], data_offsets: [0, 4] } }, "4 bytes after the last tensor's data, which ends at byte 68 (file is 72 bytes)"],
    [[1, 2], 'header at byte 8 is not a JSON object'],
  ])('%j', (header, message) => {
    expect(headerError(st(header, f32(1, 2)))).toBe(message);
  });

  it('a header that is not UTF-8', () => {
    const file = st('{"a":1}');
    file[10] = 0xff;
    expect(headerError(file)).toBe('header at byte 8 is not valid UTF-8');
  });

  it('an enormous header length, checked before reading', () => {
    const file = new Uint8Array(16);
    new DataView(file.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expect(headerError(file)).toBe('header length 18446744073709551615 at byte 0 runs past the end of the file: 8 bytes follow it');
  });
});

describe('a header nested absurdly deep', () => {
  it('is refused before JSON.parse spends seconds on it', () => {
    const h = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    const buf = new Uint8Array(8 + h.length);
    new DataView(buf.buffer).setBigUint64(0, BigInt(h.length), true);
    buf.set(new TextEncoder().encode(h), 8);
    expect(() => parseSafetensors(buf, 'deep.safetensors')).toThrow('header nested more than 64 deep at byte 76');
  });
});
