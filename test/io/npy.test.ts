/**
 * NPY reader and writer: numpy-written fixtures for every dtype, byte order, version and
 * layout; hand-built files for each error; the writer against numpy's float16 rounding.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { floatToHalf, halfToFloat } from '../../src/io/float16.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import type { Tensor } from '../../src/tensor.js';
import { STORAGE } from './helpers.js';
import { expectTensor, fixtureBytes, manifest } from './manifest.js';

const npyFiles = Object.keys(manifest.files).filter((name) => name.endsWith('.npy') && !name.includes(':')); // files, not keys such as x.npz:y.npy

/** An NPY file from a header dict literal and data bytes, padded like numpy's: data starts at a multiple of 64. */
function npy(header: string, data: ArrayLike<number> = [], version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const body = new TextEncoder().encode(header);
  const padded = new Uint8Array(Math.ceil((pre + body.length + 1) / 64) * 64 - pre).fill(0x20);
  padded.set(body);
  padded[padded.length - 1] = 0x0a;
  const out = new Uint8Array(pre + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(padded, pre);
  out.set(Array.from(data), pre + padded.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = 'False'): string =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

function f64Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float64Array(values).buffer);
}

function parseError(buf: Uint8Array): InputError {
  try {
    parseNpy(buf, 'x.npy');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).source).toBe('x.npy');
    return e as InputError;
  }
  throw new Error('expected parseNpy to throw');
}

describe('parseNpy on numpy-written files', () => {
  it.each(npyFiles)('%s', (name) => {
    const exp = manifest.files[name];
    const t = parseNpy(fixtureBytes(name), name);
    expectTensor(t, exp);
    expect(t.data.constructor.name).toBe(STORAGE[exp.dtype]);
  });

  it('covers every dtype, both byte orders, versions 1-3, Fortran order, 0-d and 0-size', () => {
    const dtypes = new Set(npyFiles.map((n) => manifest.files[n].dtype));
    expect([...dtypes].sort()).toEqual(Object.keys(STORAGE).filter((d) => d !== 'bfloat16').sort()); // numpy has no bfloat16
    for (const prefix of ['be_', 'v2_', 'v3_', 'fortran_', 'scalar_', 'empty_']) {
      expect(npyFiles.some((n) => n.startsWith(prefix))).toBe(true);
    }
    expect(manifest.files['scalar_f8.npy'].shape).toEqual([]);
    expect(manifest.files['empty_i8_2x0.npy'].shape).toEqual([2, 0]);
  });

  it.each(['dtype_f8.npy', 'be_f8.npy', 'dtype_i8.npy', 'be_u4.npy', 'fortran_f8.npy', 'dtype_f2.npy', 'dtype_b1.npy'])(
    '%s reads the same from every misaligned offset',
    (name) => {
      const bytes = fixtureBytes(name);
      for (let offset = 0; offset < 8; offset++) {
        const backing = new Uint8Array(bytes.length + 16);
        backing.set(bytes, offset);
        expectTensor(parseNpy(backing.subarray(offset, offset + bytes.length), name), manifest.files[name]);
      }
    },
  );

  it.each(Object.entries(manifest.unsupported))('refuses %s', (name, { descr }) => {
    const e = parseError(fixtureBytes(name));
    expect(e.message).toMatch(/^unsupported dtype/);
    expect(e.message).toContain("header field 'descr'");
    if (descr.startsWith('[')) expect(e.message).toContain('structured');
    else expect(e.message).toContain(`'${descr}'`);
  });

  it('names the kind of an unsupported dtype', () => {
    expect(parseError(fixtureBytes('complex_c16.npy')).message).toContain('(complex)');
    expect(parseError(fixtureBytes('object_O.npy')).message).toContain('(Python objects)');
    expect(parseError(fixtureBytes('unicode_U3.npy')).message).toContain('(unicode strings)');
    expect(parseError(npy(dict('<f3', '(1,)'), [0, 0, 0])).message).toBe(
      "unsupported dtype '<f3' in header field 'descr': expected f2/f4/f8, i1-i8, u1-u8 or b1",
    );
  });
});

describe('parseNpy header parsing', () => {
  it('accepts the spellings a Python dict literal allows', () => {
    const data = f64Bytes([1, 2, 3, 4, 5, 6]);
    for (const header of [
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}",
      '{"descr": "<f8", "fortran_order": False, "shape": (2,3)}',
      "{ 'descr' : '<f8' ,\n 'fortran_order' : False ,\t'shape' : ( 2 , 3 , ) , }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }", // Python 2's numpy
    ]) {
      const t = parseNpy(npy(header, data), 'h.npy');
      expect(t.shape).toEqual([2, 3]);
      expect(Array.from(t.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('reads a bare ? descr and normalises bool bytes to 0/1', () => {
    const t = parseNpy(npy(dict('|b1', '(3,)'), [0, 1, 7]), 'b.npy');
    expect(Array.from(t.data as Uint8Array)).toEqual([0, 1, 1]);
    expect(parseNpy(npy(dict('?', '(1,)'), [1]), 'b.npy').dtype).toBe('bool');
  });

  it('transposes Fortran order into C order', () => {
    // column-major bytes of [[1, 2, 3], [4, 5, 6]]
    const t = parseNpy(npy(dict('<f8', '(2, 3)', 'True'), f64Bytes([1, 4, 2, 5, 3, 6])), 'f.npy');
    expect(Array.from(t.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('decodes a version 3.0 header as UTF-8', () => {
    const e = parseError(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'ü': 1}", f64Bytes([1]), 3));
    expect(e.message).toBe("malformed NPY header: unexpected key 'ü'");
  });
});

describe('parseNpy errors', () => {
  it('bad magic', () => {
    expect(parseError(new TextEncoder().encode('NUMPY\x01\x00')).message).toBe(
      'not an NPY file: bad magic at byte 0 (expected "\\x93NUMPY")',
    );
    expect(parseError(new Uint8Array(0)).message).toMatch(/bad magic at byte 0/);
  });

  it('unsupported versions', () => {
    const file = npy(dict('<f8', '(1,)'), f64Bytes([1]));
    for (const [major, minor] of [[4, 0], [1, 1], [0, 0]]) {
      const bad = file.slice();
      bad[6] = major;
      bad[7] = minor;
      expect(parseError(bad).message).toBe(`unsupported NPY version ${major}.${minor} at byte 6 (expected 1.0, 2.0 or 3.0)`);
    }
  });

  it('truncated before or inside the header', () => {
    const file = npy(dict('<f8', '(1,)'), f64Bytes([1]), 2);
    expect(parseError(file.subarray(0, 7)).message).toMatch(/^truncated NPY file: 7 bytes/);
    expect(parseError(file.subarray(0, 10)).message).toBe(
      'truncated NPY file: the header length at byte 8 needs 4 bytes, file has 2',
    );
    expect(parseError(file.subarray(0, 40)).message).toBe('truncated NPY header: 116 bytes claimed at byte 12, file has 28');
  });

  it.each([
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,)", /^malformed NPY header at byte 128: expected ',' or '}', got the end of the header$/],
    ["{'descr' '<f8', 'fortran_order': False, 'shape': (1,)}", /^malformed NPY header at byte 19: expected ':' after a dict key, got "'"$/],
    ["{'descr': '<f8, 'fortran_order': False, 'shape': (1,)}", /^malformed NPY header at byte 27: expected ',' or '}', got "f"$/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", /^malformed NPY header at byte 66: unexpected "x" after the dict$/],
    ["{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}", /^malformed NPY header at byte 20: unexpected name "__import__"$/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '<f4'}", /duplicate key 'descr'/],
    ["{1: '<f8'}", /^malformed NPY header at byte 11: expected a string key$/],
    ['[1, 2]', /^malformed NPY header at byte 10: expected a dict$/],
    ["{'descr': '<f8', 'fortran_order': False}", /^malformed NPY header: missing key 'shape'$/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 0}", /^malformed NPY header: unexpected key 'extra'$/],
    ["{'descr': '<f8', 'fortran_order': 1, 'shape': (1,)}", /^malformed NPY header: 'fortran_order' is 1, expected True or False$/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': [1]}", /^malformed NPY header: 'shape' is \[1\], expected a tuple of non-negative ints$/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (1)}", /^malformed NPY header: 'shape' is 1, expected a tuple/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", /^malformed NPY header: 'shape' is \(-1,\), expected a tuple/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': ('1',)}", /'shape' is \('1',\)/],
  ])('malformed header %s', (header, message) => {
    expect(parseError(npy(header as string, f64Bytes([1]))).message).toMatch(message as RegExp);
  });

  it('a version 3 header that is not UTF-8', () => {
    const file = npy(dict('<f8', '(1,)'), f64Bytes([1]), 3);
    file[14] = 0xff;
    expect(parseError(file).message).toBe('malformed NPY header at byte 12: not valid UTF-8');
  });

  it('truncated data: expected vs actual bytes', () => {
    expect(parseError(npy(dict('<f8', '(2, 3)'), new Uint8Array(40))).message).toBe(
      'truncated data: shape (2, 3) of float64 needs 48 bytes from byte 128, file has 40',
    );
    expect(parseError(fixtureBytes('dtype_f4.npy').subarray(0, 170)).message).toMatch(/needs 48 bytes from byte 128, file has 42$/);
  });

  it('checks a huge claimed size against the file before allocating', () => {
    expect(parseError(npy(dict('<f8', '(1000000000000,)'), new Uint8Array(8))).message).toBe(
      'truncated data: shape (1000000000000,) of float64 needs 8000000000000 bytes from byte 128, file has 8',
    );
    expect(parseError(npy(dict('<f8', '(4294967296, 4294967296)'))).message).toBe(
      "shape (4294967296, 4294967296) in header field 'shape' is too large",
    );
  });

  it('refuses more than 64 dims up front, as numpy does', () => {
    const ones = (n: number) => `(${Array(n).fill('1').join(', ')})`;
    expect(parseNpy(npy(dict('<f8', ones(64)), f64Bytes([1.5])), 'x.npy').shape).toHaveLength(64);
    expect(parseError(npy(dict('<f8', ones(65)), f64Bytes([1.5]))).message).toBe(
      "shape has 65 dims in header field 'shape': numpy allows at most 64",
    );
    expect(parseError(npy(dict('<f8', ones(200_000)), f64Bytes([1.5]), 2)).message).toBe(
      "shape has 200000 dims in header field 'shape': numpy allows at most 64",
    );
  });

  it('says a dim of many digits is too large, not malformed', () => {
    const big = '1'.repeat(38);
    expect(parseError(npy(dict('<f8', `(${big},)`))).message).toBe(`dimension ${big} in header field 'shape' is too large`);
    expect(parseError(npy(dict('<f8', `(2, ${big}L)`))).message).toBe(`dimension ${big} in header field 'shape' is too large`);
    expect(parseError(npy(dict('<f8', `(${'9'.repeat(5000)},)`), [], 2)).message).toBe(
      'malformed NPY header at byte 63: an integer of more than 4300 digits',
    );
  });

  it('trailing bytes after the data', () => {
    expect(parseError(npy(dict('<f8', '(1,)'), new Uint8Array(10))).message).toBe(
      '2 trailing bytes after the data, which ends at byte 136 (file is 138 bytes)',
    );
  });
});

describe('float16', () => {
  it('decodes every bit pattern exactly and encodes it back', () => {
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToFloat(h);
      const nan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      // exact: representable in the Float32Array it is stored in, and encodes to the same bits
      const ok = nan ? Number.isNaN(v) : Math.fround(v) === v && floatToHalf(v) === h;
      if (!ok) wrong.push(`0x${h.toString(16)} -> ${v}`);
    }
    expect(wrong).toEqual([]);
    expect([halfToFloat(0x0001), halfToFloat(0x7bff), halfToFloat(0x8000), halfToFloat(0x3555)]).toEqual([2 ** -24, 65504, -0, 0.333251953125]);
  });

  it("rounds float32 to float16 as numpy's astype does", () => {
    const { inputs, bits } = manifest.f32_to_f16;
    expect(inputs.map(floatToHalf)).toEqual(bits);
    const encoded = encodeNpy({ data: new Float32Array(inputs), shape: [inputs.length], dtype: 'float16' });
    const data = encoded.subarray(encoded.length - 2 * inputs.length);
    expect(Array.from(new Uint16Array(data.slice().buffer))).toEqual(bits);
  });
});

describe('encodeNpy', () => {
  const DESCR: Record<string, string> = {
    float16: '<f2',
    float32: '<f4',
    float64: '<f8',
    int8: '|i1',
    int16: '<i2',
    int32: '<i4',
    int64: '<i8',
    uint8: '|u1',
    uint16: '<u2',
    uint32: '<u4',
    uint64: '<u8',
    bool: '|b1',
  };
  const headerOf = (file: Uint8Array): string => {
    const length = file[8] | (file[9] << 8);
    return String.fromCharCode(...file.subarray(10, 10 + length));
  };

  it('writes version 1.0 with a 64-byte aligned header in numpy\'s layout', () => {
    const file = encodeNpy({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'float64' });
    expect(Array.from(file.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const header = headerOf(file);
    expect((10 + header.length) % 64).toBe(0);
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(Array.from(new Float64Array(file.slice(10 + header.length).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([
    [[], '()'],
    [[5], '(5,)'],
    [[0], '(0,)'],
    [[2, 0, 3], '(2, 0, 3)'],
  ])('spells shape %j as %s', (shape, spelled) => {
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    const header = headerOf(encodeNpy({ data: new Int32Array(n), shape: shape as number[], dtype: 'int32' }));
    expect(header).toContain(`'shape': ${spelled}, }`);
  });

  it.each(npyFiles)('round-trips %s', (name) => {
    const exp = manifest.files[name];
    const t = parseNpy(fixtureBytes(name), name);
    const file = encodeNpy(t);
    const header = headerOf(file);
    expect(header).toContain(`'descr': '${DESCR[t.dtype]}'`);
    expectTensor(parseNpy(file, name), exp);
  });

  it("writes the same data bytes as numpy for little-endian C-order files", () => {
    for (const name of npyFiles.filter((n) => n.startsWith('dtype_'))) {
      const numpy = fixtureBytes(name);
      const ours = encodeNpy(parseNpy(numpy, name));
      const bytes = manifest.files[name].values.length * parseInt(name.replace(/\D/g, ''), 10);
      expect(Array.from(ours.subarray(ours.length - bytes)), name).toEqual(Array.from(numpy.subarray(numpy.length - bytes)));
    }
  });

  it('writes bfloat16 as float32, exactly', () => {
    const t: Tensor = { data: new Float32Array([1.5, -0.0078125, 3.0e38]), shape: [3], dtype: 'bfloat16' };
    const back = parseNpy(encodeNpy(t), 'b.npy');
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
  });
});
