/**
 * NPY files (numpy's lib/format.py, NEP 1): magic "\x93NUMPY", a version (1.0, 2.0, 3.0), a
 * little-endian header length, a Python dict literal {'descr', 'fortran_order', 'shape'}
 * and the raw data. `parseNpy` reads numeric and bool dtypes in either byte order and in
 * Fortran order; `encodeNpy` writes version 1.0, little-endian, C order.
 */
import { InputError } from '../errors.js';
import { formatShape, numel, type DType, type Storage, type Tensor } from '../tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const PREAMBLE = 8; // magic + major + minor
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type ViewCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Storage;

interface DTypeSpec {
  dtype: DType;
  size: number;
  /** The typed array the bytes are viewed as; float16 and bool are decoded instead. */
  view?: ViewCtor;
}

/** kind + itemsize, as in numpy's dtype.str without the byte order. */
const SPECS: Record<string, DTypeSpec> = {
  f2: { dtype: 'float16', size: 2 },
  f4: { dtype: 'float32', size: 4, view: Float32Array },
  f8: { dtype: 'float64', size: 8, view: Float64Array },
  i1: { dtype: 'int8', size: 1, view: Int8Array },
  i2: { dtype: 'int16', size: 2, view: Int16Array },
  i4: { dtype: 'int32', size: 4, view: Int32Array },
  i8: { dtype: 'int64', size: 8, view: BigInt64Array },
  u1: { dtype: 'uint8', size: 1, view: Uint8Array },
  u2: { dtype: 'uint16', size: 2, view: Uint16Array },
  u4: { dtype: 'uint32', size: 4, view: Uint32Array },
  u8: { dtype: 'uint64', size: 8, view: BigUint64Array },
  b1: { dtype: 'bool', size: 1 },
};

const UNSUPPORTED_KINDS: Record<string, string> = {
  c: 'complex',
  O: 'Python objects',
  U: 'unicode strings',
  S: 'byte strings',
  a: 'byte strings',
  V: 'raw bytes (void)',
  M: 'datetime64',
  m: 'timedelta64',
};

/**
 * The tensor in an NPY file. Little-endian C-order data at an aligned offset is viewed in
 * place (the tensor shares `buf`'s memory); anything else is copied into a fresh buffer.
 */
export function parseNpy(buf: Uint8Array, source: string): Tensor {
  const fail = (message: string): never => {
    throw new InputError(message, source);
  };
  if (buf.length < MAGIC.length || MAGIC.some((b, i) => buf[i] !== b)) {
    fail('not an NPY file: bad magic at byte 0 (expected "\\x93NUMPY")');
  }
  if (buf.length < PREAMBLE) fail(`truncated NPY file: ${buf.length} bytes, the version alone ends at byte ${PREAMBLE}`);
  const major = buf[6];
  const minor = buf[7];
  if (minor !== 0 || major < 1 || major > 3) {
    fail(`unsupported NPY version ${major}.${minor} at byte 6 (expected 1.0, 2.0 or 3.0)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = PREAMBLE + lengthBytes;
  if (buf.length < headerStart) fail(`truncated NPY file: the header length at byte 8 needs ${lengthBytes} bytes, file has ${buf.length - 8}`);
  const headerLength =
    major === 1 ? buf[8] | (buf[9] << 8) : (buf[8] | (buf[9] << 8) | (buf[10] << 16) | (buf[11] << 24)) >>> 0;
  const dataStart = headerStart + headerLength;
  if (dataStart > buf.length) {
    fail(`truncated NPY header: ${headerLength} bytes claimed at byte ${headerStart}, file has ${buf.length - headerStart}`);
  }

  const header = decodeHeader(buf.subarray(headerStart, dataStart), major === 3, headerStart, fail);
  const { spec, bigEndian, fortran, shape } = readHeaderDict(header, headerStart, fail);

  // Size check against the file before any allocation.
  const count = numel(shape);
  if (count > Number.MAX_SAFE_INTEGER / spec.size) fail(`shape ${formatShape(shape)} in header field 'shape' is too large`);
  const expected = count * spec.size;
  const actual = buf.length - dataStart;
  if (actual < expected) {
    fail(`truncated data: shape ${formatShape(shape)} of ${spec.dtype} needs ${expected} bytes from byte ${dataStart}, file has ${actual}`);
  }
  if (actual > expected) {
    fail(`${actual - expected} trailing bytes after the data, which ends at byte ${dataStart + expected} (file is ${buf.length} bytes)`);
  }

  let raw = buf.subarray(dataStart, dataStart + expected);
  let owned = false; // true once `raw` is our own aligned copy
  if (fortran && shape.length > 1) {
    raw = fortranToC(raw, shape, spec.size);
    owned = true;
  }
  return { data: decodeData(raw, owned, spec, bigEndian, count), shape, dtype: spec.dtype };
}

/** Latin-1 for versions 1 and 2, UTF-8 for version 3 (as numpy writes them). */
function decodeHeader(bytes: Uint8Array, utf8: boolean, at: number, fail: (m: string) => never): string {
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail(`malformed NPY header at byte ${at}: not valid UTF-8`);
    }
  }
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

interface Header {
  spec: DTypeSpec;
  bigEndian: boolean;
  fortran: boolean;
  shape: number[];
}

function readHeaderDict(header: string, headerStart: number, fail: (m: string) => never): Header {
  const byteAt = (pos: number): number => headerStart + new TextEncoder().encode(header.slice(0, pos)).length;
  const dict = parsePyLiteral(header, (pos, what) => fail(`malformed NPY header at byte ${byteAt(pos)}: ${what}`));
  if (!(dict instanceof Map)) return fail(`malformed NPY header at byte ${headerStart}: expected a dict`);
  for (const key of dict.keys()) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') fail(`malformed NPY header: unexpected key ${pyRepr(key)}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) fail(`malformed NPY header: missing key '${key}'`);
  }
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') fail(`malformed NPY header: 'fortran_order' is ${pyRepr(fortran)}, expected True or False`);
  const shape = dict.get('shape');
  if (!(shape instanceof PyTuple) || !shape.items.every((d) => typeof d === 'bigint' && d >= 0n)) {
    return fail(`malformed NPY header: 'shape' is ${pyRepr(shape)}, expected a tuple of non-negative ints`);
  }
  const dims = (shape.items as bigint[]).map((d) => {
    if (d > BigInt(Number.MAX_SAFE_INTEGER)) fail(`shape ${pyRepr(shape)} in header field 'shape' is too large`);
    return Number(d);
  });
  return { ...parseDescr(dict.get('descr'), fail), fortran: fortran as boolean, shape: dims };
}

function parseDescr(descr: unknown, fail: (m: string) => never): { spec: DTypeSpec; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    return fail(`unsupported dtype ${pyRepr(descr)} in header field 'descr': structured dtypes are not supported`);
  }
  const m = /^([<>|=]?)([A-Za-z?])(\d*)(\[\w+\])?$/.exec(descr);
  const kind = m?.[2] === '?' ? 'b' : m?.[2];
  const size = m?.[2] === '?' && !m[3] ? '1' : m?.[3];
  const spec = kind !== undefined && !m?.[4] ? SPECS[kind + size] : undefined;
  if (!m || !spec) {
    const why = kind !== undefined && UNSUPPORTED_KINDS[kind] ? ` (${UNSUPPORTED_KINDS[kind]})` : '';
    return fail(`unsupported dtype '${descr}'${why} in header field 'descr': expected f2/f4/f8, i1-i8, u1-u8 or b1`);
  }
  // '|' (not applicable) and '=' (native) only occur for one-byte types in numpy's output.
  return { spec, bigEndian: m[1] === '>' };
}

/** Reorders column-major (Fortran) elements of `size` bytes into row-major order. */
function fortranToC(src: Uint8Array, shape: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const n = src.length / size;
  const strides: number[] = []; // Fortran strides in elements
  let s = 1;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  const index = new Array<number>(shape.length).fill(0);
  let from = 0;
  for (let i = 0; i < n; i++) {
    for (let b = 0, o = i * size, f = from * size; b < size; b++) out[o + b] = src[f + b];
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      from += strides[d];
      if (index[d] < shape[d]) break;
      from -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Views or copies the C-ordered bytes as the dtype's typed array; never at a misaligned offset. */
function decodeData(raw: Uint8Array, owned: boolean, spec: DTypeSpec, bigEndian: boolean, count: number): Storage {
  if (spec.dtype === 'bool') {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = raw[i] === 0 ? 0 : 1;
    return out;
  }
  if (spec.dtype === 'float16') {
    const out = new Float32Array(count);
    const [lo, hi] = bigEndian ? [1, 0] : [0, 1];
    for (let i = 0; i < count; i++) out[i] = halfToFloat(raw[2 * i + lo] | (raw[2 * i + hi] << 8));
    return out;
  }
  const View = spec.view!;
  const swap = spec.size > 1 && bigEndian === HOST_LITTLE; // the file's byte order is not the host's
  if (!swap && (raw.byteOffset % spec.size === 0 || owned)) return new View(raw.buffer, raw.byteOffset, count);
  if (!owned) raw = copyBytes(raw);
  if (swap) swapBytes(raw, spec.size);
  return new View(raw.buffer, raw.byteOffset, count);
}

function copyBytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length); // fresh buffer, offset 0: aligned for any type
  out.set(src);
  return out;
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** IEEE binary16 bits to their exact value (every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** A number to binary16 bits, rounding to nearest, ties to even (as numpy's astype). */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65504 + half an ulp rounds (to even) to infinity
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal; 1024 carries into the exponent
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundHalfEven(a * 2 ** (10 - e)); // in [1024, 2048]; 2048 carries into the exponent
  return sign | (((e + 15) << 10) + m - 1024);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

// ---- the header's Python literal: dicts, tuples, lists, strings, ints, True/False/None ----

class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
type PyValue = string | bigint | boolean | null | PyTuple | PyValue[] | Map<PyValue, PyValue>;

/** Parses one Python literal followed only by whitespace; `fail(pos, what)` must throw. */
function parsePyLiteral(text: string, fail: (pos: number, what: string) => never): PyValue {
  let pos = 0;
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const got = (): string => (pos < text.length ? `got ${JSON.stringify(text[pos])}` : 'got the end of the header');
  const expect = (ch: string, what: string): void => {
    skip();
    if (text[pos] !== ch) fail(pos, `expected ${what}, ${got()}`);
    pos++;
  };
  /** Items up to `close`, comma separated, trailing comma allowed; reports whether a comma was seen. */
  const items = (close: string, item: () => void): boolean => {
    let comma = false;
    for (;;) {
      skip();
      if (text[pos] === close) {
        pos++;
        return comma;
      }
      item();
      skip();
      if (text[pos] === ',') {
        pos++;
        comma = true;
      } else if (text[pos] !== close) {
        fail(pos, `expected ',' or '${close}', ${got()}`);
      }
    }
  };
  const value = (): PyValue => {
    skip();
    const start = pos;
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const map = new Map<PyValue, PyValue>();
      items('}', () => {
        const keyAt = pos;
        const key = value();
        if (typeof key !== 'string') fail(keyAt, 'expected a string key');
        if (map.has(key)) fail(keyAt, `duplicate key ${pyRepr(key)}`);
        expect(':', "':' after a dict key");
        map.set(key, value());
      });
      return map;
    }
    if (ch === '(' || ch === '[') {
      pos++;
      const list: PyValue[] = [];
      const comma = items(ch === '(' ? ')' : ']', () => list.push(value()));
      if (ch === '[') return list;
      return list.length === 1 && !comma ? list[0] : new PyTuple(list); // (3) is 3, (3,) a tuple
    }
    if (ch === "'" || ch === '"') return pyString();
    const word = /^-?\d+L?|^[A-Za-z_]\w*/.exec(text.slice(pos, pos + 32))?.[0];
    if (word === undefined) return fail(start, `expected a value, ${got()}`);
    pos += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if (/^-?\d/.test(word)) return BigInt(word.replace('L', '')); // 3L: written by Python 2's numpy
    return fail(start, `unexpected name ${JSON.stringify(word)}`);
  };
  const pyString = (): string => {
    const quote = text[pos];
    const start = pos++;
    let s = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\n') break;
      if (text[pos] === '\\' && pos + 1 < text.length) pos++;
      s += text[pos++];
    }
    if (text[pos] !== quote) fail(start, 'unterminated string');
    pos++;
    return s;
  };
  const result = value();
  skip();
  if (pos < text.length) fail(pos, `unexpected ${JSON.stringify(text[pos])} after the dict`);
  return result;
}

function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return String(v);
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

// ---- writing ----

const DESCR: Record<DType, string> = {
  float16: 'f2',
  bfloat16: 'f4', // numpy has no bfloat16; float32 holds every value exactly
  float32: 'f4',
  float64: 'f8',
  int8: 'i1',
  int16: 'i2',
  int32: 'i4',
  int64: 'i8',
  uint8: 'u1',
  uint16: 'u2',
  uint32: 'u4',
  uint64: 'u8',
  bool: 'b1',
};

/** A version 1.0 (2.0 if the header needs it) NPY file, little-endian, C order, 64-byte aligned data. */
export function encodeNpy(t: Tensor): Uint8Array {
  const code = DESCR[t.dtype];
  if (t.data.length !== numel(t.shape)) throw new Error(`internal: ${t.data.length} values for shape ${formatShape(t.shape)}`);
  const order = code.endsWith('1') ? '|' : '<';
  const dict = `{'descr': '${order}${code}', 'fortran_order': False, 'shape': ${formatShape(t.shape)}, }`;
  const major = dict.length + 11 > 0xffff ? 2 : 1;
  const preamble = major === 1 ? 10 : 12;
  const pad = (64 - ((preamble + dict.length + 1) % 64)) % 64;
  const header = dict + ' '.repeat(pad) + '\n';

  const data = dataBytes(t, code);
  const out = new Uint8Array(preamble + header.length + data.length);
  out.set(MAGIC);
  out[6] = major;
  const lengthField = new DataView(out.buffer, 8, preamble - 8);
  if (major === 1) lengthField.setUint16(0, header.length, true);
  else lengthField.setUint32(0, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  out.set(data, preamble + header.length);
  return out;
}

function dataBytes(t: Tensor, code: string): Uint8Array {
  const n = t.data.length;
  if (code === 'b1') return Uint8Array.from(t.data as Uint8Array, (v) => (v ? 1 : 0));
  if (code === 'f2') {
    const halves = new Uint16Array(n);
    for (let i = 0; i < n; i++) halves[i] = floatToHalf(t.data[i] as number);
    return littleEndian(new Uint8Array(halves.buffer), 2);
  }
  // bfloat16 is stored as a Float32Array, like float32; any other mismatch is a programming error
  if (!(t.data instanceof SPECS[code].view!)) throw new Error(`internal: ${t.dtype} tensor stored as ${t.data.constructor.name}`);
  const bytes = copyBytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return littleEndian(bytes, SPECS[code].size);
}

function littleEndian(bytes: Uint8Array, size: number): Uint8Array {
  if (!HOST_LITTLE) swapBytes(bytes, size);
  return bytes;
}
