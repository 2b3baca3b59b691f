/**
 * NPY files (numpy's lib/format.py, NEP 1): magic "\x93NUMPY", a version (1.0, 2.0, 3.0), a
 * little-endian header length, a Python dict literal {'descr', 'fortran_order', 'shape'}
 * and the raw data. `parseNpy` reads numeric and bool dtypes in either byte order and in
 * Fortran order; `encodeNpy` writes version 1.0, little-endian, C order.
 */
import { InputError } from '../errors.js';
import { formatShape, MAX_DIMS, numel, stridedWalk, type DType, type Tensor } from '../tensor.js';
import { byteSize, copyBytes, decodeData, ELEMENT, littleEndian, type ElementType } from './binary.js';
import { floatToHalf } from './float16.js';
import { parsePyLiteral, pyRepr, PyTuple } from './py-literal.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const PREAMBLE = 8; // magic + major + minor

/** kind + itemsize, as in numpy's dtype.str without the byte order. */
const SPECS: Record<string, ElementType> = {
  f2: ELEMENT.float16,
  f4: ELEMENT.float32,
  f8: ELEMENT.float64,
  i1: ELEMENT.int8,
  i2: ELEMENT.int16,
  i4: ELEMENT.int32,
  i8: ELEMENT.int64,
  u1: ELEMENT.uint8,
  u2: ELEMENT.uint16,
  u4: ELEMENT.uint32,
  u8: ELEMENT.uint64,
  b1: ELEMENT.bool,
};

/** True when `buf` starts with the NPY magic. */
export function isNpy(buf: Uint8Array): boolean {
  return buf.length >= MAGIC.length && MAGIC.every((b, i) => buf[i] === b);
}

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
  const layout = parseNpyHeader(buf, buf.length, source);
  const { spec, bigEndian, fortran, shape, dataStart, byteLength } = layout;
  let raw = buf.subarray(dataStart, dataStart + byteLength);
  let owned = false; // true once `raw` is our own aligned copy
  if (fortran && shape.length > 1) {
    raw = fortranToC(raw, shape, spec.size);
    owned = true;
  }
  return { data: decodeData(raw, owned, spec, bigEndian, numel(shape)), shape, dtype: spec.dtype };
}

/** Where an NPY file's data is and how to read it; everything checked against the file size. */
export interface NpyLayout {
  spec: ElementType;
  bigEndian: boolean;
  fortran: boolean;
  shape: number[];
  /** Byte offset of the data, and its length (numel x itemsize). */
  dataStart: number;
  byteLength: number;
}

/** Bytes needed from the start of the file to parse its header (at most 12 for the length). */
export function npyHeaderEnd(prefix: Uint8Array): number {
  if (prefix.length < 12) return 12;
  const major = prefix[6];
  return major === 1 ? 10 + (prefix[8] | (prefix[9] << 8)) : 12 + ((prefix[8] | (prefix[9] << 8) | (prefix[10] << 16) | (prefix[11] << 24)) >>> 0);
}

/**
 * The header of an NPY file of `fileSize` bytes whose first bytes are `buf` (all of the file,
 * or at least up to the end of the header): magic, version, dict, and the data size against
 * the file size, before anything is allocated.
 */
export function parseNpyHeader(buf: Uint8Array, fileSize: number, source: string): NpyLayout {
  const fail = (message: string): never => {
    throw new InputError(message, source);
  };
  if (!isNpy(buf)) {
    fail('not an NPY file: bad magic at byte 0 (expected "\\x93NUMPY")');
  }
  if (fileSize < PREAMBLE) fail(`truncated NPY file: ${fileSize} bytes, the version alone ends at byte ${PREAMBLE}`);
  const major = buf[6];
  const minor = buf[7];
  if (minor !== 0 || major < 1 || major > 3) {
    fail(`unsupported NPY version ${major}.${minor} at byte 6 (expected 1.0, 2.0 or 3.0)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = PREAMBLE + lengthBytes;
  if (fileSize < headerStart) fail(`truncated NPY file: the header length at byte 8 needs ${lengthBytes} bytes, file has ${fileSize - 8}`);
  const headerLength =
    major === 1 ? buf[8] | (buf[9] << 8) : (buf[8] | (buf[9] << 8) | (buf[10] << 16) | (buf[11] << 24)) >>> 0;
  const dataStart = headerStart + headerLength;
  if (dataStart > fileSize) {
    fail(`truncated NPY header: ${headerLength} bytes claimed at byte ${headerStart}, file has ${fileSize - headerStart}`);
  }

  const header = decodeHeader(buf.subarray(headerStart, dataStart), major === 3, headerStart, fail);
  const { spec, bigEndian, fortran, shape } = readHeaderDict(header, headerStart, fail);

  // Size check against the file before any allocation.
  const count = numel(shape);
  const expected = byteSize(count, spec.size) ?? fail(`shape ${formatShape(shape)} in header field 'shape' is too large`);
  const actual = fileSize - dataStart;
  if (actual < expected) {
    fail(`truncated data: shape ${formatShape(shape)} of ${spec.dtype} needs ${expected} bytes from byte ${dataStart}, file has ${actual}`);
  }
  if (actual > expected) {
    fail(`${actual - expected} trailing bytes after the data, which ends at byte ${dataStart + expected} (file is ${fileSize} bytes)`);
  }
  return { spec, bigEndian, fortran, shape, dataStart, byteLength: expected };
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
  spec: ElementType;
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
  if (shape.items.length > MAX_DIMS) {
    fail(`shape has ${shape.items.length} dims in header field 'shape': numpy allows at most ${MAX_DIMS}`);
  }
  const dims = (shape.items as bigint[]).map((d) => {
    if (d > BigInt(Number.MAX_SAFE_INTEGER)) fail(`dimension ${d} in header field 'shape' is too large`);
    return Number(d);
  });
  return { ...parseDescr(dict.get('descr'), fail), fortran: fortran as boolean, shape: dims };
}

function parseDescr(descr: unknown, fail: (m: string) => never): { spec: ElementType; bigEndian: boolean } {
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

/** Column-major (Fortran) strides of `shape`, in elements. */
export function fortranStrides(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  return strides;
}

/** Reorders column-major (Fortran) elements of `size` bytes into row-major order. */
function fortranToC(src: Uint8Array, shape: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(src.length);
  stridedWalk(shape, fortranStrides(shape), (i, from) => {
    for (let b = 0, o = i * size, f = from * size; b < size; b++) out[o + b] = src[f + b];
  });
  return out;
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
  const header = npyHeader(t);
  const data = dataBytes(t, DESCR[t.dtype]);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** The same file in pieces: the header, then the data `elements` at a time (never a copy of all of it). */
export function* encodeNpyChunks(t: Tensor, elements: number): Generator<Uint8Array> {
  yield npyHeader(t);
  const n = t.data.length;
  for (let i = 0; i < n; i += elements) yield dataBytes({ ...t, data: t.data.subarray(i, Math.min(n, i + elements)) }, DESCR[t.dtype]);
}

function npyHeader(t: Tensor): Uint8Array {
  if (t.data.length !== numel(t.shape)) throw new Error(`internal: ${t.data.length} values for shape ${formatShape(t.shape)}`);
  return npyHeaderBytes(t.shape, t.dtype);
}

/** Magic, version, header length and the header dict, padded so that the data is 64-byte aligned. */
export function npyHeaderBytes(shape: readonly number[], dtype: DType): Uint8Array {
  const code = DESCR[dtype];
  const order = code.endsWith('1') ? '|' : '<';
  const dict = `{'descr': '${order}${code}', 'fortran_order': False, 'shape': ${formatShape(shape)}, }`;
  const major = dict.length + 11 > 0xffff ? 2 : 1;
  const preamble = major === 1 ? 10 : 12;
  const pad = (64 - ((preamble + dict.length + 1) % 64)) % 64;
  const header = dict + ' '.repeat(pad) + '\n';
  const out = new Uint8Array(preamble + header.length);
  out.set(MAGIC);
  out[6] = major;
  const lengthField = new DataView(out.buffer, 8, preamble - 8);
  if (major === 1) lengthField.setUint16(0, header.length, true);
  else lengthField.setUint32(0, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
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
