/**
 * Mutations: generic ones on bytes (bit flips, overwrites, truncation, insertion, deletion,
 * duplicated chunks, splices with another seed) and format-aware ones that keep a file
 * plausible enough to reach deep into its reader: rewritten NPY header fields, safetensors
 * header lengths, offsets, shapes and dtypes, zip header fields, rebuilt archives and stored
 * data changed behind its CRC-32, CSV cells and quotes, JSON tokens, brackets and deep nesting.
 * Each returns the new bytes and a one-line description for the failure report, or undefined
 * when it does not apply.
 */
import { unzipSync, zipSync } from 'fflate';
import type { Rng } from './prng.js';
import { PICKLE } from './mutate-pickle.js';
import type { Group, Seed } from './seeds.js';

export interface Mutated {
  bytes: Uint8Array;
  what: string;
  /**
   * What a mutation that keeps every row knows: a tensor read from these bytes as CSV with
   * this delimiter has `count` rows (dim 0), or the read is an error. The oracle flags any
   * other count, such as a row silently dropped as a header.
   */
  rows?: { count: number; delimiter: string };
  /**
   * The zip entry whose data this changed with its CRC-32 left as it was: a reader that returns
   * that entry as a tensor returned numbers that are not the file's (check.ts flags it).
   */
  corrupts?: string;
}

export type Mutation = (rng: Rng, bytes: Uint8Array, others: readonly Seed[]) => Mutated | undefined;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');
const decodeUtf8 = (b: Uint8Array): string => utf8Decoder.decode(b);

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** At most this many bytes are added by a mutation that repeats something. */
const GROWTH = 2 << 20;

const short = (s: string, n = 40): string => JSON.stringify(s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s);

/** Replaces text[start, end) with `by`. */
const splice = (text: string, start: number, end: number, by: string): string => text.slice(0, start) + by + text.slice(end);

/** The spans of every match of `re` (which must be global). */
function spans(text: string, re: RegExp): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(re)) out.push([m.index!, m.index! + m[0].length]);
  return out;
}

// ---------------------------------------------------------------- interesting values

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x20, 0x09, 0x0a, 0x0d, 0x22, 0x27, 0x2c, 0x3b, 0x5b, 0x5d, 0x7b, 0x7d, 0x28, 0x29, 0x5c, 0x3a, 0x23, 0x2e, 0x2d, 0x2b, 0x30, 0x39, 0x65, 0x4e, 0x50, 0x4b];

/** Integers for header fields written as text. */
export const INT_TOKENS = [
  '0', '1', '-1', '2', '3', '-0', '7', '8', '255', '256', '65535', '65536', '2147483647', '2147483648', '-2147483648',
  '4294967295', '4294967296', '1099511627776', '281474976710656', '9007199254740991', '9007199254740992', '9007199254740993',
  '18446744073709551615', '18446744073709551616', '-9007199254740993', '99999999999999999999999999999999999999',
  '9'.repeat(400), '1e3', '1e308', '1e309', '1.5', '0.5', '1E2', '00', '0x10',
];

/** Binary header values of each width: edges, and values near the original. */
function interestingUint(rng: Rng, width: 2 | 4, orig: number, fileLength: number): number {
  const max = width === 2 ? 0xffff : 0xffffffff;
  const v = rng.pick([
    0, 1, 2, 8, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
    orig + 1, orig - 1, orig + 4, orig - 4, orig * 2, orig >>> 1, fileLength, fileLength - orig, fileLength + 1, rng.next(),
  ]);
  return ((v % (max + 1)) + max + 1) % (max + 1);
}

// ---------------------------------------------------------------- generic byte mutations

const flipBits: Mutation = (rng, b) => {
  if (b.length === 0) return undefined;
  const out = b.slice();
  const n = rng.count(8);
  const at: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.int(out.length);
    const bit = rng.int(8);
    out[p] ^= 1 << bit;
    at.push(`${p}.${bit}`);
  }
  return { bytes: out, what: `flip bits ${at.join(' ')}` };
};

const setBytes: Mutation = (rng, b) => {
  if (b.length === 0) return undefined;
  const out = b.slice();
  const n = rng.count(4);
  const at: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.int(out.length);
    out[p] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.next() & 0xff;
    at.push(`${p}=0x${out[p].toString(16)}`);
  }
  return { bytes: out, what: `set bytes ${at.join(' ')}` };
};

const truncate: Mutation = (rng, b) => {
  if (b.length === 0) return undefined;
  // binary headers are at the start: cut there more often than the uniform draw would
  const at = rng.chance(0.3) ? rng.int(Math.min(b.length, 160)) : rng.int(b.length);
  return { bytes: b.slice(0, at), what: `truncate at ${at} of ${b.length}` };
};

const cutHead: Mutation = (rng, b) => {
  if (b.length < 2) return undefined;
  const n = rng.range(1, Math.min(b.length - 1, 64));
  return { bytes: b.slice(n), what: `drop the first ${n} bytes` };
};

const insertBytes: Mutation = (rng, b) => {
  const at = rng.int(b.length + 1);
  const n = rng.count(32, 0.8);
  const ins = rng.chance(0.5) ? rng.bytes(n) : Uint8Array.from({ length: n }, () => rng.pick(INTERESTING_BYTES));
  return { bytes: concat(b.subarray(0, at), ins, b.subarray(at)), what: `insert ${n} bytes 0x${Buffer.from(ins.subarray(0, 16)).toString('hex')} at ${at}` };
};

const deleteRange: Mutation = (rng, b) => {
  if (b.length === 0) return undefined;
  const at = rng.int(b.length);
  const n = Math.min(rng.count(64, 0.85), b.length - at);
  return { bytes: concat(b.subarray(0, at), b.subarray(at + n)), what: `delete ${n} bytes at ${at}` };
};

const duplicateChunk: Mutation = (rng, b) => {
  if (b.length === 0) return undefined;
  const from = rng.int(b.length);
  const n = Math.min(rng.count(256, 0.9), b.length - from);
  const to = rng.int(b.length + 1);
  const times = rng.chance(0.1) ? Math.max(1, Math.min(rng.range(2, 64), Math.floor(GROWTH / Math.max(n, 1)))) : 1;
  const chunk = b.subarray(from, from + n);
  return {
    bytes: concat(b.subarray(0, to), ...Array<Uint8Array>(times).fill(chunk), b.subarray(to)),
    what: `copy ${n} bytes from ${from} to ${to}${times > 1 ? ` x${times}` : ''}`,
  };
};

const overwriteChunk: Mutation = (rng, b) => {
  if (b.length < 2) return undefined;
  const from = rng.int(b.length);
  const to = rng.int(b.length);
  const n = Math.min(rng.count(64, 0.85), b.length - from, b.length - to);
  const out = b.slice();
  out.set(b.subarray(from, from + n), to);
  return { bytes: out, what: `overwrite ${n} bytes at ${to} with those at ${from}` };
};

/** The head of this file and the tail of another of the same group. */
const crossover: Mutation = (rng, b, others) => {
  if (others.length === 0) return undefined;
  const other = rng.pick(others);
  const at = rng.int(b.length + 1);
  const from = rng.int(other.bytes.length + 1);
  return { bytes: concat(b.subarray(0, at), other.bytes.subarray(from)), what: `splice at ${at} with ${other.name} from ${from}` };
};

const appendGarbage: Mutation = (rng, b, others) => {
  const tail = rng.chance(0.3) && others.length > 0 ? rng.pick(others).bytes : rng.bytes(rng.count(64, 0.9));
  return { bytes: concat(b, tail), what: `append ${tail.length} bytes` };
};

export const GENERIC: readonly (readonly [Mutation, number])[] = [
  [flipBits, 3],
  [setBytes, 3],
  [truncate, 2],
  [cutHead, 0.5],
  [insertBytes, 2],
  [deleteRange, 2],
  [duplicateChunk, 1.5],
  [overwriteChunk, 1],
  [crossover, 1],
  [appendGarbage, 0.7],
];

// ---------------------------------------------------------------- NPY

interface NpyParts {
  major: number;
  minor: number;
  header: string;
  data: Uint8Array;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

function splitNpy(b: Uint8Array): NpyParts | undefined {
  if (b.length < 10 || !NPY_MAGIC.every((m, i) => b[i] === m)) return undefined;
  const major = b[6];
  const wide = major !== 1;
  const start = wide ? 12 : 10;
  if (b.length < start) return undefined;
  const length = wide ? (b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0 : b[8] | (b[9] << 8);
  const end = Math.min(b.length, start + length);
  const raw = b.subarray(start, end);
  return { major, minor: b[7], header: major === 3 ? decodeUtf8(raw) : latin1(raw), data: b.slice(end) };
}

/** An NPY file; the header length is the header's, the version widened when a 1.0 header needs it. */
export function joinNpy(p: NpyParts): Uint8Array {
  const header = p.major === 3 ? utf8.encode(p.header) : encodeLatin1(p.header);
  const major = p.major === 1 && header.length > 0xffff ? 2 : p.major;
  const wide = major !== 1;
  const pre = new Uint8Array(wide ? 12 : 10);
  pre.set(NPY_MAGIC);
  pre[6] = major;
  pre[7] = p.minor;
  const view = new DataView(pre.buffer);
  if (wide) view.setUint32(8, header.length, true);
  else view.setUint16(8, header.length, true);
  return concat(pre, header, p.data);
}

/**
 * The header without numpy's padding (spaces, then a newline, at its end). By a loop: the
 * regex / *\n?$/ tries every run of spaces, to its end, at each of its starts, so a header
 * with 100000 spaces inside took seconds to make a case of.
 */
export function unpadded(header: string): string {
  let end = header.endsWith('\n') ? header.length - 1 : header.length;
  while (end > 0 && header.charCodeAt(end - 1) === 0x20) end--;
  return header.slice(0, end);
}

/** Keeps the header's length (as numpy pads it) when the edit leaves room, by spaces before the newline. */
function repad(oldHeader: string, header: string): string {
  const body = unpadded(header);
  const room = oldHeader.length - 1 - body.length;
  return room >= 0 ? `${body}${' '.repeat(room)}\n` : `${body}\n`;
}

const ELEMENT_SIZE: Record<string, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

function itemSize(header: string): number {
  const m = /'descr':\s*'[<>|=]?([a-z])(\d+)'/.exec(header);
  return m ? (ELEMENT_SIZE[m[1] + m[2]] ?? 8) : 8;
}

function shapeTuple(rng: Rng, old: string): string {
  const dims = old
    .replace(/[()\s]/g, '')
    .split(',')
    .filter((d) => d !== '');
  const huge = () => rng.pick(['1099511627776', '4294967296', '2147483648', '9007199254740993', '18446744073709551616', '281474976710656', '65536']);
  switch (rng.int(14)) {
    case 0: {
      if (dims.length === 0) return `(${rng.pick(INT_TOKENS)},)`;
      const i = rng.int(dims.length);
      dims[i] = rng.pick(INT_TOKENS);
      return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
    }
    case 1:
      return `(${huge()},)`;
    case 2:
      return rng.chance(0.5) ? `(${huge()}, 0)` : `(0, ${huge()})`;
    case 3:
      return `(${huge()}, ${huge()})`;
    case 4:
      return rng.pick(['(-1,)', '(3, -2)', '(-9223372036854775808,)', '(-0,)']);
    case 5:
      return rng.pick(['()', '(0,)', '(0, 0)', '(1,)', '(1, 1, 1, 1)', '(3, 0, 5)']);
    case 6: {
      const k = rng.pick([8, 32, 64, 200, 1000, 20000]);
      return `(${Array<string>(k).fill(rng.chance(0.8) ? '1' : '2').join(', ')},)`;
    }
    case 7:
      return `(${[...dims].reverse().join(', ')}${dims.length === 1 ? ',' : ''})`;
    case 8:
      return rng.pick(['(2, 3', '[2, 3]', '(2.0,)', "('2',)", '(True,)', '(None,)', '((2,),)', '(2 3)', '(3L,)', '(0x10,)', '(1_0,)', '(,)', '(2,,)', '2', "{'a': 1}", '(+2,)', '(2, -)']);
    case 9:
      return `(${Array.from({ length: rng.range(2, 6) }, () => rng.pick(['65536', '4294967296', '3', '1', '0'])).join(', ')})`;
    case 10: {
      // a dim that multiplies out beyond 2**53 but is safe on its own
      const d = rng.pick(['94906267', '94906266', '3037000500', '67108864']);
      return `(${d}, ${d}${rng.chance(0.5) ? `, ${d}` : ''})`;
    }
    default:
      return `(${Array.from({ length: rng.range(0, 4) }, () => String(rng.pick([0, 1, 2, 3, 5, 7, 16, 64]))).join(', ')}${rng.chance(0.5) ? ',' : ''})`;
  }
}

/** Data bytes to fit a (small) shape: the old ones repeated or cut. */
function fitData(data: Uint8Array, count: number, size: number): Uint8Array | undefined {
  const n = count * size;
  if (!Number.isSafeInteger(n) || n > 1 << 20) return undefined;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data.length === 0 ? i & 0xff : data[i % data.length];
  return out;
}

function shapeCount(tuple: string): number | undefined {
  if (!/^\(\s*(\d+\s*,\s*)*(\d+\s*,?\s*)?\)$/.test(tuple)) return undefined;
  return tuple
    .replace(/[()\s]/g, '')
    .split(',')
    .filter((d) => d !== '')
    .reduce((a, d) => a * Number(d), 1);
}

const npyShape: Mutation = (rng, b) => {
  const p = splitNpy(b);
  const m = p && /'shape':\s*(\([^)]*\))/.exec(p.header);
  if (!p || !m) return undefined;
  const tuple = shapeTuple(rng, m[1]);
  const start = m.index + m[0].length - m[1].length;
  const header = splice(p.header, start, start + m[1].length, tuple);
  let data = p.data;
  let fitted = '';
  const count = shapeCount(tuple);
  if (count !== undefined && rng.chance(0.5)) {
    const fit = fitData(p.data, count, itemSize(header));
    if (fit) {
      data = fit;
      fitted = ', data fitted';
    }
  }
  return { bytes: joinNpy({ ...p, header: repad(p.header, header), data }), what: `npy shape ${short(m[1])} -> ${short(tuple)}${fitted}` };
};

const DESCRS = [
  "'<f8'", "'>f8'", "'|f8'", "'=f8'", "'<f4'", "'>f4'", "'<f2'", "'>f2'", "'|b1'", "'?'", "'|?'", "'<i8'", "'>i8'", "'<u8'", "'>u8'",
  "'|u1'", "'|i1'", "'<i2'", "'>u4'", "'<c16'", "'|O'", "'<U3'", "'|S2'", "'|V8'", "'<M8[ns]'", "'<m8[s]'", "'<f16'", "'<f8[3]'",
  "''", "'f8'", "'d'", "'<d'", "'<i16'", "'<q'", "'<b'", "'|b2'", "'<f'", "'<f0'", "'<f00008'", "'<F8'", "'<f8 '",
  "[('a', '<f4')]", "[('a', '<f4'), ('b', '<i8')]", "{'x': 1}", 'None', '3', "'<f8\\\nx'", "'<f\r8'", "'<f8\\'", "'\\x00'", "'\u00e9f8'",
];

const npyDescr: Mutation = (rng, b) => {
  const p = splitNpy(b);
  const m = p && /'descr':\s*('[^']*'|\[[^\]]*\]|[^,}]*)/.exec(p.header);
  if (!p || !m) return undefined;
  const descr = rng.pick(DESCRS);
  const start = m.index + m[0].length - m[1].length;
  const header = splice(p.header, start, start + m[1].length, descr);
  return { bytes: joinNpy({ ...p, header: repad(p.header, header) }), what: `npy descr ${m[1]} -> ${short(descr)}` };
};

const npyFortran: Mutation = (rng, b) => {
  const p = splitNpy(b);
  const m = p && /'fortran_order':\s*(\w+)/.exec(p.header);
  if (!p || !m) return undefined;
  const v = rng.pick(['True', 'False', '0', '1', 'None', "'True'", 'true', 'TRUE', '(True,)', 'Tru']);
  const start = m.index + m[0].length - m[1].length;
  const header = splice(p.header, start, start + m[1].length, v);
  return { bytes: joinNpy({ ...p, header: repad(p.header, header) }), what: `npy fortran_order -> ${v}` };
};

const npyKeys: Mutation = (rng, b) => {
  const p = splitNpy(b);
  if (!p) return undefined;
  const keys = spans(p.header, /'(descr|fortran_order|shape)'/g);
  if (keys.length === 0) return undefined;
  const [s, e] = rng.pick(keys);
  let header: string;
  let what: string;
  switch (rng.int(5)) {
    case 0: {
      const by = rng.pick(["'desc'", "'Descr'", '"descr"', "'shape '", "''", '1', 'None', "'__proto__'", "'a\\\nb'", "'a\rb'", "'\\x1b[31m'"]);
      header = splice(p.header, s, e, by);
      what = `npy key ${p.header.slice(s, e)} -> ${short(by)}`;
      break;
    }
    case 1: {
      // drop the key and its value, up to the next comma
      const next = p.header.indexOf(',', e);
      header = splice(p.header, s, next === -1 ? e : next + 1, '');
      what = `npy drop key ${p.header.slice(s, e)}`;
      break;
    }
    case 2: {
      const close = p.header.lastIndexOf('}');
      if (close === -1) return undefined;
      const extra = rng.pick(["'x': 1, ", "'descr': '<f8', ", "'shape': (), ", "'fortran_order': True, ", "'extra': [1, (2,)], ", "1: 2, "]);
      header = splice(p.header, close, close, extra);
      what = `npy add ${short(extra)}`;
      break;
    }
    case 3: {
      header = p.header.replace(/'/g, '"');
      what = 'npy double quotes';
      break;
    }
    default: {
      const open = p.header.indexOf('{');
      header = open === -1 ? p.header : splice(p.header, open, open + 1, rng.pick(['', '[', '(', '{{', '{ ', 'x{']));
      what = 'npy dict opening';
    }
  }
  return { bytes: joinNpy({ ...p, header: repad(p.header, header) }), what };
};

const npyLength: Mutation = (rng, b) => {
  const p = splitNpy(b);
  if (!p) return undefined;
  const out = b.slice();
  const view = new DataView(out.buffer);
  const wide = p.major !== 1;
  const old = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const v = interestingUint(rng, wide ? 4 : 2, old, b.length);
  if (wide) view.setUint32(8, v, true);
  else view.setUint16(8, v, true);
  return { bytes: out, what: `npy header length ${old} -> ${v}` };
};

const npyVersion: Mutation = (rng, b) => {
  const p = splitNpy(b);
  if (!p) return undefined;
  if (rng.chance(0.5)) {
    // a valid re-encoding in another version, then maybe a bad minor
    const major = rng.pick([1, 2, 3]);
    const minor = rng.chance(0.8) ? 0 : rng.pick([1, 255]);
    return { bytes: joinNpy({ ...p, major, minor }), what: `npy rewritten as version ${major}.${minor}` };
  }
  const out = b.slice();
  out[6] = rng.pick([0, 1, 2, 3, 4, 255]);
  out[7] = rng.chance(0.7) ? out[7] : rng.pick([0, 1, 255]);
  return { bytes: out, what: `npy version bytes -> ${out[6]}.${out[7]}` };
};

const HEADER_INSERTS = ["'", '"', '\\', '\\\n', '\r', '\n', '\t', '(', ')', '[', ']', '{', '}', ',', ':', 'L', ' ', '\x00', '\xff', '\u00e9', '\u2028', '#', "'\\x00'", "u'", "b'", '-', '0', 'True', '\x1b'];

const npyHeaderText: Mutation = (rng, b) => {
  const p = splitNpy(b);
  if (!p) return undefined;
  const body = unpadded(p.header);
  let header: string;
  let what: string;
  if (rng.chance(0.7)) {
    const at = rng.int(body.length + 1);
    const ins = rng.pick(HEADER_INSERTS);
    header = splice(body, at, at, ins);
    what = `npy header insert ${JSON.stringify(ins)} at ${at}`;
  } else {
    const at = rng.int(body.length);
    const n = rng.count(8);
    header = splice(body, at, at + n, '');
    what = `npy header delete ${n} chars at ${at}`;
  }
  if (p.major === 1 && rng.chance(0.3)) p.major = 3; // non-Latin-1 text only fits version 3
  return { bytes: joinNpy({ ...p, header: repad(p.header, header) }), what };
};

const npyNest: Mutation = (rng, b) => {
  const p = splitNpy(b) ?? { major: 1, minor: 0, header: '', data: new Uint8Array(8) };
  const n = rng.pick([100, 1000, 5000, 20000, 100000]);
  const where = rng.int(4);
  const open = rng.pick(['[', '(', '{']);
  const close = { '[': ']', '(': ')', '{': '}' }[open]!;
  const nested = open === '{' ? "{'a': ".repeat(n) + '1' + '}'.repeat(n) : open.repeat(n) + close.repeat(rng.chance(0.8) ? n : 0);
  const header =
    where === 0
      ? `{'descr': ${nested}, 'fortran_order': False, 'shape': (1,), }`
      : where === 1
        ? `{'descr': '<f8', 'fortran_order': False, 'shape': ${nested}, }`
        : where === 2
          ? `{'x': ${nested}, 'descr': '<f8', 'fortran_order': False, 'shape': (1,), }`
          : nested;
  return { bytes: joinNpy({ ...p, major: p.major === 1 ? 2 : p.major, header: `${header}\n`, data: p.data }), what: `npy header nested ${n} deep with ${open} (${where})` };
};

const npyData: Mutation = (rng, b) => {
  const p = splitNpy(b);
  if (!p) return undefined;
  const n = rng.pick([1, 2, 7, 8, 64, p.data.length, rng.int(p.data.length + 1)]);
  if (rng.chance(0.5)) return { bytes: joinNpy({ ...p, data: concat(p.data, rng.bytes(n)) }), what: `npy data +${n} bytes` };
  return { bytes: joinNpy({ ...p, data: p.data.subarray(0, Math.max(0, p.data.length - n)) }), what: `npy data -${n} bytes` };
};

export const NPY: readonly (readonly [Mutation, number])[] = [
  [npyShape, 4],
  [npyDescr, 2],
  [npyFortran, 1],
  [npyKeys, 1.5],
  [npyLength, 1.5],
  [npyVersion, 1],
  [npyHeaderText, 2.5],
  [npyNest, 0.3],
  [npyData, 1],
];

// ---------------------------------------------------------------- safetensors

interface StParts {
  header: string;
  data: Uint8Array;
}

function splitSt(b: Uint8Array): StParts | undefined {
  if (b.length < 8) return undefined;
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(b.length - 8)) return undefined;
  return { header: decodeUtf8(b.subarray(8, 8 + Number(n))), data: b.slice(8 + Number(n)) };
}

function joinSt(p: StParts, pad = 0): Uint8Array {
  const header = utf8.encode(p.header + ' '.repeat(pad));
  const pre = new Uint8Array(8);
  new DataView(pre.buffer).setBigUint64(0, BigInt(header.length), true);
  return concat(pre, header, p.data);
}

const stLength: Mutation = (rng, b) => {
  if (b.length < 8) return undefined;
  const out = b.slice();
  const view = new DataView(out.buffer);
  const old = view.getBigUint64(0, true);
  const len = BigInt(b.length);
  const v = rng.pick([
    0n, 1n, 2n, old - 1n, old + 1n, old + 8n, old - 8n, len, len - 8n, len - 7n, len - 9n, 1n << 31n, 1n << 32n, (1n << 32n) + old,
    (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 1n, 100_000_001n, BigInt(rng.next()),
  ]);
  const value = ((v % (1n << 64n)) + (1n << 64n)) % (1n << 64n);
  view.setBigUint64(0, value, true);
  return { bytes: out, what: `safetensors header length ${old} -> ${value}` };
};

const NUMBER_TOKENS = [...INT_TOKENS, '-5', '1.0', '2e0', '-1e-5', 'NaN', 'Infinity', 'null', 'true', '"8"', '[]', '{}', '[0, 0]'];

const stNumber: Mutation = (rng, b) => {
  const p = splitSt(b);
  if (!p) return undefined;
  const nums = spans(p.header, /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g);
  if (nums.length === 0) return undefined;
  const [s, e] = rng.pick(nums);
  const by = rng.chance(0.7) ? rng.pick(NUMBER_TOKENS) : String(Number(p.header.slice(s, e)) + rng.pick([-9, -8, -2, -1, 1, 2, 8, 9, 4096]));
  const header = splice(p.header, s, e, by);
  const keep = rng.chance(0.1);
  const bytes = keep ? concat(b.subarray(0, 8), utf8.encode(header), p.data) : joinSt({ header, data: p.data });
  return { bytes, what: `safetensors header number ${p.header.slice(s, e)} -> ${short(by)}${keep ? ' (length kept)' : ''}` };
};

const ST_DTYPES = ['F16', 'BF16', 'F32', 'F64', 'I8', 'I16', 'I32', 'I64', 'U8', 'U16', 'U32', 'U64', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'C64', 'f32', '', '__proto__', 'toString', 'hasOwnProperty', 'constructor'];
const SIZES: Record<string, number> = { F16: 2, BF16: 2, F32: 4, F64: 8, I8: 1, I16: 2, I32: 4, I64: 8, U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1 };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function stStructureEdit(rng: Rng, header: Record<string, Json>): string {
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = names.length > 0 ? rng.pick(names) : undefined;
  const entry = name === undefined ? undefined : header[name];
  const obj = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? entry : undefined;
  switch (rng.int(obj ? 10 : 3)) {
    case 0:
      header.__metadata__ = rng.pick<Json>([[], null, 'x', 5, { a: 1 }, { a: { b: 'c' } }, { format: 'pt' }, {}]);
      return `__metadata__ -> ${JSON.stringify(header.__metadata__)}`;
    case 1: {
      const k = rng.pick(['__proto__', '', 'a\nb', 'x'.repeat(300), '\u0000', 'constructor', 'toString', '__metadata__ ']);
      const v = rng.pick<Json>([{ dtype: 'F32', shape: [0], data_offsets: [0, 0] }, { dtype: 'F32', shape: [], data_offsets: [0, 4] }, null, 1, [], 'F32']);
      Object.defineProperty(header, k, { value: v, enumerable: true, configurable: true, writable: true });
      return `add tensor ${JSON.stringify(k)}: ${JSON.stringify(v)}`;
    }
    case 2:
      if (name === undefined) return 'nothing';
      header[name] = rng.pick<Json>([null, 1, [], 'F32', {}, { dtype: 'F32' }]);
      return `tensor ${JSON.stringify(name)} -> ${JSON.stringify(header[name])}`;
    case 3: {
      const huge = rng.pick([2 ** 40, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 94906267, 67108864]);
      obj!.shape = rng.pick<Json>([
        [huge], [huge, 0], [0, huge], [huge, huge], [], [-1], [1.5], ['2'], [null], [[2]], {}, '2', 2, [67108864, 67108864],
        [3037000500, 3037000500], Array(1000).fill(1), [1, 2, 3, 4, 5, 6, 7, 8],
      ]);
      return `tensor ${JSON.stringify(name)} shape -> ${short(JSON.stringify(obj!.shape))}`;
    }
    case 4: {
      const [b0, e0] = Array.isArray(obj!.data_offsets) ? (obj!.data_offsets as number[]) : [0, 0];
      obj!.data_offsets = rng.pick<Json>([
        [0, 0], [e0, b0], [b0, 2 ** 53], [b0, 2 ** 53 - 1], [-1, e0], [b0 + 1, e0 + 1], [b0, e0 - 1], [b0, e0 + 1], [b0, e0, 0], [b0], 'x', null,
        [1.5, e0], [b0, 2 ** 64], [2 ** 64, 2 ** 64 + 8], [String(b0), e0], [], {},
      ]);
      return `tensor ${JSON.stringify(name)} data_offsets -> ${JSON.stringify(obj!.data_offsets)}`;
    }
    case 5:
      obj!.dtype = rng.pick<Json>([...ST_DTYPES, 5, null, ['F32']]);
      return `tensor ${JSON.stringify(name)} dtype -> ${JSON.stringify(obj!.dtype)}`;
    case 6: {
      const field = rng.pick(['dtype', 'shape', 'data_offsets']);
      delete obj![field];
      return `tensor ${JSON.stringify(name)} without ${field}`;
    }
    case 7: {
      header[`${name}_copy`] = JSON.parse(JSON.stringify(obj)) as Json;
      return `duplicate tensor ${JSON.stringify(name)} (overlapping)`;
    }
    case 8: {
      const other = rng.pick(names);
      const o = header[other];
      if (o === null || typeof o !== 'object' || Array.isArray(o)) return 'nothing';
      [obj!.data_offsets, o.data_offsets] = [o.data_offsets, obj!.data_offsets];
      return `swap data_offsets of ${JSON.stringify(name)} and ${JSON.stringify(other)}`;
    }
    default:
      delete header[name!];
      return `drop tensor ${JSON.stringify(name)}`;
  }
}

/** Offsets rewritten so that the tensors tile a data area of the right size, when small. */
function relayout(rng: Rng, header: Record<string, Json>, data: Uint8Array): Uint8Array | undefined {
  let at = 0;
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__' || v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    const size = typeof v.dtype === 'string' ? SIZES[v.dtype] : undefined;
    if (size === undefined || !Array.isArray(v.shape) || !v.shape.every((d) => typeof d === 'number')) return undefined;
    const n = (v.shape as number[]).reduce((a, d) => a * d, 1) * size;
    if (!Number.isSafeInteger(n) || n < 0 || at + n > 1 << 20) return undefined;
    v.data_offsets = [at, at + n];
    at += n;
  }
  const out = new Uint8Array(at);
  for (let i = 0; i < at; i++) out[i] = data.length > 0 && rng.chance(0.9) ? data[i % data.length] : rng.next() & 0xff;
  return out;
}

const stStructure: Mutation = (rng, b) => {
  const p = splitSt(b);
  if (!p || p.header.length > 1 << 16) return undefined; // a deeply nested header is slow to parse and cannot be written again
  let header: unknown;
  try {
    header = JSON.parse(p.header);
  } catch {
    return undefined;
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return undefined;
  const h = header as Record<string, Json>;
  const what = stStructureEdit(rng, h);
  let data = p.data;
  let fitted = '';
  if (rng.chance(0.7)) {
    const fit = relayout(rng, h, p.data);
    if (fit) {
      data = fit;
      fitted = ', relaid out';
    }
  }
  let text: string;
  try {
    text = JSON.stringify(h, null, rng.chance(0.2) ? 1 : undefined);
  } catch {
    return undefined; // nested too deep for JSON.stringify
  }
  return { bytes: joinSt({ header: text, data }, rng.chance(0.5) ? (8 - ((text.length + 8) % 8)) % 8 : 0), what: `safetensors ${what}${fitted}` };
};

const stNest: Mutation = (rng, b) => {
  const p = splitSt(b) ?? { header: '{}', data: new Uint8Array() };
  // V8's JSON.parse needs about 0.7 s per million levels: deeper would only time V8
  const n = rng.pick([100, 1000, 10000, 100000, 300000]);
  const header = rng.chance(0.5)
    ? `{"__metadata__": ${'{"a": '.repeat(n)}1${'}'.repeat(n)}}`
    : `{"a": {"dtype": "F32", "shape": ${'['.repeat(n)}${']'.repeat(rng.chance(0.8) ? n : 0)}, "data_offsets": [0, 0]}}`;
  return { bytes: joinSt({ header, data: p.data }), what: `safetensors header nested ${n} deep` };
};

const stHeaderText: Mutation = (rng, b) => {
  const p = splitSt(b);
  if (!p) return undefined;
  const ins = rng.pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\ufeff', '\ud800', ' ', '\n', '-', '0', 'e', '.', '\u00e9']);
  const at = rng.chance(0.2) ? 0 : rng.int(p.header.length + 1);
  const header = splice(p.header, at, at, ins);
  let bytes = joinSt({ header, data: p.data });
  if (rng.chance(0.2)) {
    bytes = bytes.slice();
    bytes[8 + rng.int(Math.max(1, header.length))] = rng.pick([0xff, 0xc0, 0x80, 0xed]); // invalid UTF-8
  }
  return { bytes, what: `safetensors header insert ${JSON.stringify(ins)} at ${at}` };
};

const stData: Mutation = (rng, b) => {
  const p = splitSt(b);
  if (!p) return undefined;
  const n = rng.pick([1, 2, 4, 8, p.data.length, rng.int(p.data.length + 1)]);
  if (rng.chance(0.5)) return { bytes: concat(b, rng.bytes(n)), what: `safetensors data +${n} bytes` };
  return { bytes: b.slice(0, Math.max(8, b.length - n)), what: `safetensors data -${n} bytes` };
};

export const SAFETENSORS: readonly (readonly [Mutation, number])[] = [
  [stLength, 2],
  [stNumber, 3],
  [stStructure, 5],
  [stNest, 0.3],
  [stHeaderText, 1.5],
  [stData, 1],
];

// ---------------------------------------------------------------- zip (npz)

interface ZipRecord {
  kind: 'local' | 'central' | 'eocd' | 'zip64-eocd' | 'zip64-locator';
  at: number;
}

/** Field offsets and widths of each record, from APPNOTE.TXT. */
const ZIP_FIELDS: Record<ZipRecord['kind'], [string, number, 2 | 4][]> = {
  local: [['version', 4, 2], ['flags', 6, 2], ['method', 8, 2], ['crc', 14, 4], ['csize', 18, 4], ['usize', 22, 4], ['nameLen', 26, 2], ['extraLen', 28, 2]],
  central: [
    ['made', 4, 2], ['needed', 6, 2], ['flags', 8, 2], ['method', 10, 2], ['crc', 16, 4], ['csize', 20, 4], ['usize', 24, 4], ['nameLen', 28, 2],
    ['extraLen', 30, 2], ['commentLen', 32, 2], ['disk', 34, 2], ['extAttr', 38, 4], ['localOffset', 42, 4],
  ],
  eocd: [['disk', 4, 2], ['cdDisk', 6, 2], ['entriesHere', 8, 2], ['entries', 10, 2], ['cdSize', 12, 4], ['cdOffset', 16, 4], ['commentLen', 20, 2]],
  'zip64-eocd': [['entries', 32, 4], ['cdSize', 40, 4], ['cdOffset', 48, 4]],
  'zip64-locator': [['offset', 8, 4]],
};

function zipRecords(b: Uint8Array): ZipRecord[] {
  const out: ZipRecord[] = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    if (b[i] !== 0x50 || b[i + 1] !== 0x4b) continue;
    const t = (b[i + 2] << 8) | b[i + 3];
    const kind = t === 0x0304 ? 'local' : t === 0x0102 ? 'central' : t === 0x0506 ? 'eocd' : t === 0x0606 ? 'zip64-eocd' : t === 0x0607 ? 'zip64-locator' : undefined;
    if (kind) out.push({ kind, at: i });
  }
  return out;
}

const zipField: Mutation = (rng, b) => {
  const records = zipRecords(b);
  if (records.length === 0) return undefined;
  const out = b.slice();
  const view = new DataView(out.buffer);
  const n = rng.count(3, 0.3);
  const what: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.pick(records);
    const [name, off, width] = rng.pick(ZIP_FIELDS[r.kind]);
    const at = r.at + off;
    if (at + width > out.length) continue;
    const old = width === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
    let v = interestingUint(rng, width, old, b.length);
    if (name === 'method') v = rng.pick([0, 1, 6, 8, 9, 12, 14, 93, 99, 0xffff]);
    if (width === 2) view.setUint16(at, v, true);
    else view.setUint32(at, v, true);
    what.push(`${r.kind}@${r.at}.${name} ${old} -> ${v}`);
  }
  return what.length === 0 ? undefined : { bytes: out, what: `zip ${what.join(', ')}` };
};

const SPECIAL_NAMES = ['__proto__.npy', 'constructor.npy', '__proto__', 'constructor', 'toString', 'hasOwnProperty.npy', 'dir/', 'dir/x.npy', '.npy', '', 'a\nb.npy', 'x.txt', 'x.NPY', '../x.npy', 'a:b.npy'];

/** The entries of an archive, for a mutation to change and zip again; undefined when it cannot be unzipped safely. */
export function unzipToRebuild(b: Uint8Array): Record<string, Uint8Array> | undefined {
  // fflate believes a zip64 entry count (see zip64 below): unzipping could take half an hour
  if (zipRecords(b).some((r) => r.kind === 'zip64-eocd' || r.kind === 'zip64-locator')) return undefined;
  try {
    // only entries the reader would inflate too: a corrupt one can claim gigabytes
    return unzipSync(b, { filter: (f) => (f.compression === 0 || f.compression === 8) && f.originalSize <= 1 << 20 && f.size <= b.length });
  } catch {
    return undefined;
  }
}

/** Unzips the archive, changes its entries (an NPY mutation, names, extra entries), zips it again. */
const zipRebuild: Mutation = (rng, b) => {
  const files = unzipToRebuild(b);
  if (files === undefined) return undefined;
  const names = Object.keys(files);
  const what: string[] = [];
  if (names.length > 0 && rng.chance(0.7)) {
    const name = rng.pick(names);
    const m = rng.weighted(NPY)(rng, files[name], []) ?? rng.weighted(GENERIC)(rng, files[name], []);
    if (m) {
      files[name] = m.bytes;
      what.push(`${JSON.stringify(name)}: ${m.what}`);
    }
  }
  if (rng.chance(0.3)) {
    const name = rng.pick(SPECIAL_NAMES);
    const from = names.length > 0 ? files[rng.pick(names)] : new Uint8Array();
    Object.defineProperty(files, name, { value: rng.chance(0.8) ? from : new Uint8Array(), enumerable: true, configurable: true, writable: true });
    what.push(`add ${JSON.stringify(name)}`);
  }
  if (names.length > 0 && rng.chance(0.2)) {
    const name = rng.pick(names);
    const by = rng.pick(SPECIAL_NAMES);
    const data = files[name];
    delete files[name];
    Object.defineProperty(files, by, { value: data, enumerable: true, configurable: true, writable: true });
    what.push(`rename ${JSON.stringify(name)} -> ${JSON.stringify(by)}`);
  }
  const level = rng.pick([0, 0, 1, 6, 9] as const);
  let zipped: Uint8Array;
  try {
    zipped = zipSync(files, { level, mtime: 946684800000 }); // a fixed time: the same case, the same bytes
  } catch {
    return undefined;
  }
  return { bytes: zipped, what: `zip rebuilt at level ${level}: ${what.join('; ') || 'unchanged'}` };
};

/** Renames an entry in its central or local header, keeping the length. */
const zipName: Mutation = (rng, b) => {
  const records = zipRecords(b).filter((r) => r.kind === 'local' || r.kind === 'central');
  if (records.length === 0) return undefined;
  const r = rng.pick(records);
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const nameAt = r.at + (r.kind === 'local' ? 30 : 46);
  const lenAt = r.at + (r.kind === 'local' ? 26 : 28);
  if (lenAt + 2 > b.length) return undefined;
  const n = Math.min(view.getUint16(lenAt, true), b.length - nameAt);
  if (n <= 0) return undefined;
  const out = b.slice();
  const p = rng.int(n);
  out[nameAt + p] = rng.pick([0x2f, 0x00, 0x0a, 0x5c, 0xff, 0x2e, 0x3a, 0x78]);
  return { bytes: out, what: `zip ${r.kind}@${r.at} name byte ${p} -> 0x${out[nameAt + p].toString(16)}` };
};

const zipComment: Mutation = (rng, b) => {
  const eocd = zipRecords(b).filter((r) => r.kind === 'eocd');
  if (eocd.length === 0) return undefined;
  const r = eocd[eocd.length - 1];
  const comment = rng.chance(0.5) ? utf8.encode('PK\x05\x06' + 'x'.repeat(18)) : rng.bytes(rng.count(64, 0.9));
  const out = concat(b, comment);
  if (rng.chance(0.7) && r.at + 22 <= out.length) new DataView(out.buffer).setUint16(r.at + 20, (b.length - r.at - 22 + comment.length) & 0xffff, true);
  return { bytes: out, what: `zip comment of ${comment.length} bytes` };
};

/**
 * A zip64 end record and locator before the end record, whose entry count (up to 2**32 - 1)
 * and central directory offset are what a zip64-aware reader believes; sometimes the last
 * central entry's comment also runs past the end, so that the entries after it read as zeros.
 */
const zip64: Mutation = (rng, b) => {
  const eocd = zipRecords(b).filter((r) => r.kind === 'eocd');
  if (eocd.length === 0) return undefined;
  const e = eocd[eocd.length - 1].at;
  if (e + 22 > b.length) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const cdSize = view.getUint32(e + 12, true);
  const cdOffset = view.getUint32(e + 16, true);
  // counts in the billions made fflate loop for half an hour (repro/zip64-entry-count.npz)
  const count = rng.chance(0.2) ? rng.pick([2 ** 31, 2 ** 32 - 1]) : rng.pick([0, 1, 2, 3, 65535, 65536, 100_000]);
  const rec = new Uint8Array(76);
  const r = new DataView(rec.buffer);
  r.setUint32(0, 0x06064b50, true);
  r.setBigUint64(4, 44n, true);
  r.setUint16(12, 45, true);
  r.setUint16(14, 45, true);
  r.setBigUint64(24, BigInt(count), true);
  r.setBigUint64(32, BigInt(count), true);
  r.setBigUint64(40, BigInt(cdSize), true);
  r.setBigUint64(48, BigInt(rng.chance(0.8) ? cdOffset : rng.next()), true);
  r.setUint32(56, 0x07064b50, true);
  r.setBigUint64(64, BigInt(e), true);
  r.setUint32(72, 1, true);
  const out = concat(b.subarray(0, e), rec, b.subarray(e));
  const o = new DataView(out.buffer);
  const e2 = e + rec.length;
  if (rng.chance(0.8)) {
    o.setUint16(e2 + 8, 0xffff, true);
    o.setUint16(e2 + 10, 0xffff, true);
  }
  if (rng.chance(0.3)) o.setUint32(e2 + 16, 0xffffffff, true);
  const runOff = rng.chance(0.5);
  if (runOff) {
    const centrals = zipRecords(out).filter((x) => x.kind === 'central' && x.at + 34 <= out.length);
    if (centrals.length > 0) o.setUint16(centrals[centrals.length - 1].at + 32, 0xffff, true);
  }
  return { bytes: out, what: `zip64 end record claiming ${count} entries${runOff ? ', last central comment past the end' : ''}` };
};

/**
 * Flips 1 to 4 adjacent bytes inside a stored entry's data and leaves its CRC-32 as it was:
 * the archive stays well-formed, so only the CRC can tell (a CRC-32 catches every burst of up
 * to 32 bits). Entries whose key another entry shares are left alone: the key is ambiguous.
 */
export const zipCrcFlip: Mutation = (rng, b) => {
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const stored: { name: string; start: number; size: number }[] = [];
  const keys = new Map<string, number>();
  for (const r of zipRecords(b)) {
    if (r.kind !== 'central' || r.at + 46 > b.length) continue;
    const nameLength = view.getUint16(r.at + 28, true);
    const name = latin1(b.subarray(r.at + 46, Math.min(b.length, r.at + 46 + nameLength)));
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    keys.set(key, (keys.get(key) ?? 0) + 1);
    const size = view.getUint32(r.at + 20, true);
    const local = view.getUint32(r.at + 42, true);
    if (view.getUint16(r.at + 10, true) !== 0 || size === 0 || size === 0xffffffff || name.endsWith('/') || local + 30 > b.length) continue;
    if (view.getUint32(local, true) !== 0x04034b50) continue;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size <= b.length) stored.push({ name, start, size });
  }
  const candidates = stored.filter((e) => keys.get(e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name) === 1);
  if (candidates.length === 0) return undefined;
  const e = rng.pick(candidates);
  const width = Math.min(e.size, 1 + rng.int(4));
  const at = e.start + rng.int(e.size - width + 1);
  const out = b.slice();
  for (let i = 0; i < width; i++) out[at + i] ^= 1 + rng.int(255);
  return { bytes: out, what: `zip ${width} bytes flipped at ${at}, inside stored entry ${JSON.stringify(e.name)}, its CRC-32 kept`, corrupts: e.name };
};

export const ZIP: readonly (readonly [Mutation, number])[] = [
  [zip64, 0.3],
  [zipCrcFlip, 2],
  [zipField, 4],
  [zipRebuild, 4],
  [zipName, 1],
  [zipComment, 0.5],
];

// ---------------------------------------------------------------- CSV / TSV

const GARBAGE_CELLS = [
  '', ' ', '"', '""', '"""', '"a""b"', "'", 'nan', 'NaN', '-nan', '-inf', '+Infinity', 'inf ', ' 1 ', '1e999', '-1e-999', '0x10', '1_0', '1,5',
  '\u0661', '\u00a01', '\ufeff1', '#1', '1#', '\t', '1 2 3', '--1', '1e', '.', '-', '+', 'e5', 'true', 'null', '\u0000', '\ud800', '\u00e9',
  '\ud835\udfd9', '9'.repeat(400), 'a'.repeat(100), '"1\n2"', '"1\r\n2"', '"1,2"', '"1\t2"', '1"', '"1"x', '\r', '\n', '\u2028', '1e+', '+.5', '5.',
  '-0', '0.0000000000000000000000000001', '1e-400', 'Infinityx', 'infinity', 'INF', '\x1b[31m',
];

function delimiterOf(text: string, hint: string | undefined): string {
  if (hint) return hint;
  const line = text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  return line.includes('\t') ? '\t' : line.includes(';') && !line.includes(',') ? ';' : ',';
}

function textMutation(f: (rng: Rng, text: string, delimiter: string) => [string, string] | undefined, delimiter?: string): Mutation {
  return (rng, b) => {
    const text = decodeUtf8(b);
    const r = f(rng, text, delimiterOf(text, delimiter));
    return r && { bytes: utf8.encode(r[0]), what: r[1] };
  };
}

/** textMutation for a mutation that also says how many rows the text has. */
function rowsMutation(f: (rng: Rng, text: string, delimiter: string) => [string, string, Mutated['rows']] | undefined, delimiter?: string): Mutation {
  return (rng, b) => {
    const text = decodeUtf8(b);
    const r = f(rng, text, delimiterOf(text, delimiter));
    return r && { bytes: utf8.encode(r[0]), what: r[1], rows: r[2] };
  };
}

/** Lines with their endings. */
const linesOf = (text: string): string[] => text.split(/(?<=\n)/);

const csvCell = (rng: Rng, text: string, d: string): [string, string] | undefined => {
  const lines = linesOf(text);
  const candidates = lines.flatMap((l, i) => (l.trim() === '' ? [] : [i]));
  if (candidates.length === 0) return undefined;
  const i = rng.pick(candidates);
  const eol = /\r?\n$/.exec(lines[i])?.[0] ?? '';
  const cells = lines[i].slice(0, lines[i].length - eol.length).split(d);
  const c = rng.int(cells.length);
  const by = rng.chance(0.8) ? rng.pick(GARBAGE_CELLS) : rng.pick(INT_TOKENS);
  cells[c] = by;
  lines[i] = cells.join(d) + eol;
  return [lines.join(''), `csv line ${i + 1} cell ${c + 1} -> ${short(by)}`];
};

const csvRow = (rng: Rng, text: string, d: string): [string, string] | undefined => {
  const lines = linesOf(text);
  if (lines.length === 0) return undefined;
  const i = rng.int(lines.length);
  switch (rng.int(8)) {
    case 0:
      lines.splice(i, 0, lines[i]);
      return [lines.join(''), `csv duplicate line ${i + 1}`];
    case 1:
      lines.splice(i, 1);
      return [lines.join(''), `csv delete line ${i + 1}`];
    case 2: {
      const j = rng.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return [lines.join(''), `csv swap lines ${i + 1} and ${j + 1}`];
    }
    case 3: {
      const ins = rng.pick(['\n', '   \n', '#c\n', '\r\n', '#\n', `${d}\n`, `${d}${d}\n`, '""\n', '# "\n', '"\n']);
      lines.splice(i, 0, ins);
      return [lines.join(''), `csv insert line ${JSON.stringify(ins)} before ${i + 1}`];
    }
    case 4: {
      lines[i] = lines[i].replace(/(\r?\n)?$/, (eol) => `${d}${rng.pick(['1', '', 'x', '0.5'])}${eol}`);
      return [lines.join(''), `csv extra cell on line ${i + 1}`];
    }
    case 5: {
      const cut = lines[i].lastIndexOf(d);
      if (cut === -1) return undefined;
      lines[i] = lines[i].slice(0, cut) + (/\r?\n$/.exec(lines[i])?.[0] ?? '');
      return [lines.join(''), `csv drop last cell of line ${i + 1}`];
    }
    case 6:
      lines[i] = lines[i].replace(/\r?\n$/, '');
      return [lines.join(''), `csv join line ${i + 1} with the next`];
    default: {
      const body = lines.filter((l) => l.trim() !== '').slice(1);
      if (body.length === 0) return undefined;
      const row = rng.pick(body).replace(/\r?\n$/, '');
      const times = Math.min(rng.pick([10, 100, 1000, 5000]), Math.floor(GROWTH / (row.length + 1)));
      return [text + `${row}\n`.repeat(times), `csv ${times} more rows`];
    }
  }
};

const csvQuote = (rng: Rng, text: string): [string, string] | undefined => {
  const at = rng.int(text.length + 1);
  const ins = rng.pick(['"', '""', '"1"', '"1\n2"', '"1,2"', '"a""b"', '"1"x', '"""', '"\r"', '"\n', '\\"', "'"]);
  return [splice(text, at, at, ins), `csv insert ${JSON.stringify(ins)} at ${at}`];
};

const csvWhole = (rng: Rng, text: string, d: string): [string, string] | undefined => {
  switch (rng.int(7)) {
    case 0:
      return [text.replace(/\r?\n/g, '\r\n'), 'csv CRLF line ends'];
    case 1:
      return [text.replace(/\r?\n/g, '\r'), 'csv CR line ends'];
    case 2:
      return ['\ufeff' + text, 'csv BOM'];
    case 3:
      return [text.replace(/\s+$/, ''), 'csv no final newline'];
    case 4:
      return [text.replace(/\r?\n/g, (eol) => `${d}${eol}`), 'csv trailing delimiter on every line'];
    case 5: {
      const other = rng.pick([',', '\t', ';', ' ', '|']);
      return [text.split(d).join(other), `csv delimiter ${JSON.stringify(d)} -> ${JSON.stringify(other)}`];
    }
    default: {
      const n = rng.pick([1000, 10000, 100000]);
      const row = Array.from({ length: n }, (_, i) => String(i % 10)).join(d);
      return [rng.chance(0.5) ? `${row}\n${row}\n` : `${row}\n${text}`, `csv a row of ${n} cells`];
    }
  }
};

const csvHeader = (rng: Rng, text: string, d: string): [string, string] | undefined => {
  const lines = linesOf(text);
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  const n = Math.max(1, first.split(d).length);
  const names = Array.from({ length: n }, () => rng.pick(['a', 'b', '', 'x y', '1', 'nan', '"q"', 'label', 'target', 'id', ' label ', '-1', '"a,b"', '\u00e9']));
  if (rng.chance(0.5)) return [`${names.join(d)}\n${text}`, `csv header ${short(names.join(d))}`];
  const i = lines.indexOf(first);
  lines.splice(i, 1);
  return [lines.join(''), 'csv drop the first row'];
};

/** Not numbers, not several numbers, no quote, line break or '#': text a header could hold. */
const FIRST_ROW_CELLS = ['abc', 'x', 'n/a', 'label', 'id', 'NA', 'None', 'null', 'true', '1e', '0x10', '1_0', '-', '.', '+', 'e5', 'nana', 'Infinityx', '\u00e9', '\u00a01', "'1'"];

const isNumberCell = (cell: string): boolean => /^\s*[+-]?(\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(nan|inf|infinity)\s*$/i.test(cell);

/**
 * One cell of the first row of an all-numeric CSV made text (or empty, past the first cell),
 * the other cells left numbers: a row of data with a bad cell, which must be an error, never a
 * header that is dropped. So the text keeps its row count, unless the row left is pandas'
 * header of column numbers (0, 1, ..., k-1), a header by the documented rule.
 */
const csvFirstRow = (rng: Rng, text: string, d: string): [string, string, Mutated['rows']] | undefined => {
  if (/["\r]/.test(text)) return undefined;
  const lines = linesOf(text);
  const data = lines.flatMap((l, i) => (l.trim() === '' || l.startsWith('#') ? [] : [i]));
  if (data.length < 2) return undefined;
  const rows = data.map((i) => lines[i].replace(/\n$/, '').split(d));
  if (rows[0].length < 2 || !rows.every((r) => r.length === rows[0].length && r.every(isNumberCell))) return undefined;
  const cells = rows[0];
  const c = rng.int(cells.length);
  const by = c > 0 && rng.chance(0.15) ? rng.pick(['', ' ']) : rng.pick(FIRST_ROW_CELLS);
  cells[c] = by;
  lines[data[0]] = `${cells.join(d)}\n`;
  const numbers = cells.filter(isNumberCell).map((cell) => cell.trim());
  const pandas = numbers.every((cell, k) => cell === String(k));
  return [lines.join(''), `csv first row cell ${c + 1} -> ${short(by)}`, pandas ? undefined : { count: rows.length, delimiter: d }];
};

/** The first-row corruption alone, for the tests. */
export const csvFirstRowMutation = (delimiter?: string): Mutation => rowsMutation(csvFirstRow, delimiter);

function csvMutations(delimiter?: string): readonly (readonly [Mutation, number])[] {
  return [
    [csvFirstRowMutation(delimiter), 1.5],
    [textMutation(csvCell, delimiter), 5],
    [textMutation(csvRow, delimiter), 3],
    [textMutation(csvQuote, delimiter), 2],
    [textMutation(csvWhole, delimiter), 1.5],
    [textMutation(csvHeader, delimiter), 1.5],
  ];
}

// ---------------------------------------------------------------- JSON / JSON Lines

const JSON_TOKENS = [
  'NaN', '-NaN', 'Infinity', '-Infinity', '+Infinity', '+1', '01', '1.', '.5', '-', '1e', '1e999', '-1e999', '-0', 'true', 'false', 'null',
  '"NaN"', '"inf"', '"-Infinity"', '"x"', '"1"', '"\\u004e\\u0061N"', '"\\"', '"\\ud800"', '"', '{}', '[]', '[[]]', '[1]', '[1, 2]', '{"a": 1}',
  '1 2', '9'.repeat(400), '1e-400', 'nan', 'inf', 'None', 'undefined', '0x10', '1_0', '\u0661', '"\n"', '""',
];

const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|NaN|-?Infinity/g;

const jsonToken = (rng: Rng, text: string): [string, string] | undefined => {
  const nums = spans(text, NUMBER_RE);
  if (nums.length === 0) return undefined;
  const n = rng.count(3, 0.3);
  let out = text;
  const what: string[] = [];
  for (let i = 0; i < n; i++) {
    const all = spans(out, NUMBER_RE);
    if (all.length === 0) break;
    const [s, e] = rng.pick(all);
    const by = rng.pick(JSON_TOKENS);
    what.push(`${out.slice(s, e)} -> ${short(by)}`);
    out = splice(out, s, e, by);
  }
  return [out, `json token ${what.join(', ')}`];
};

const jsonStruct = (rng: Rng, text: string): [string, string] | undefined => {
  const structural = spans(text, /[[\]{},:"]/g);
  if (rng.chance(0.5) && structural.length > 0) {
    const [s] = rng.pick(structural);
    return [splice(text, s, s + 1, ''), `json delete ${JSON.stringify(text[s])} at ${s}`];
  }
  const at = rng.int(text.length + 1);
  const ins = rng.pick(['[', ']', '{', '}', ',', ':', '"', '[]', ',]', '[,', '"a":', '{"a":', ']]', '[[']);
  return [splice(text, at, at, ins), `json insert ${JSON.stringify(ins)} at ${at}`];
};

const jsonNest = (rng: Rng, text: string): [string, string] | undefined => {
  const n = rng.weighted([
    [64, 3],
    [1000, 3],
    [10000, 2],
    [100000, 1],
    [1000000, 0.3],
  ] as const);
  const body = text.trim();
  switch (rng.int(5)) {
    case 0:
      return ['['.repeat(n) + body + ']'.repeat(n), `json wrapped in ${n} arrays`];
    case 1:
      return ['['.repeat(n) + body, `json ${n} unclosed '['`];
    case 2:
      return ['{"a": '.repeat(n) + body + '}'.repeat(n), `json wrapped in ${n} objects`];
    case 3:
      return [`${'['.repeat(n)}1${']'.repeat(n)}\n`, `json a number ${n} arrays deep`];
    default:
      return [body + ']'.repeat(n), `json ${n} extra ']'`];
  }
};

const jsonKey = (rng: Rng, text: string): [string, string] | undefined => {
  const open = text.indexOf('{');
  const member = rng.pick([
    '"__proto__": [1], ', '"a.b": [1], ', '"": [1], ', '"x": {"y": [1]}, ', '"x": {}, ', '"x": [1, "a"], ', '"x": -, ', '"x": NaN, ', '"x": "s", ',
    '"constructor": [2], ', '"x": {"__proto__": {"y": [1]}}, ', '"x\\ny": [1], ', '"x": [1], "x": [2], ', '"\\u0000": [1], ', '"x": -Infinity, ',
  ]);
  if (open === -1) return [`{${member}"v": ${text.trim() || '0'}}`, `json object around with ${short(member)}`];
  const existing = /"((?:[^"\\]|\\.)*)"\s*:/.exec(text.slice(open));
  if (existing && rng.chance(0.3)) {
    const dup = `"${existing[1]}": [9], `;
    return [splice(text, open + 1, open + 1, dup), `json duplicate key ${existing[1]}`];
  }
  return [splice(text, open + 1, open + 1, member), `json member ${short(member)}`];
};

const jsonLines = (rng: Rng, text: string): [string, string] | undefined => {
  const lines = linesOf(text);
  const i = rng.int(lines.length);
  switch (rng.int(7)) {
    case 0:
      lines.splice(i, 0, lines[i].endsWith('\n') ? lines[i] : `${lines[i]}\n`);
      return [lines.join(''), `jsonl duplicate line ${i + 1}`];
    case 1:
      lines.splice(i, 1);
      return [lines.join(''), `jsonl delete line ${i + 1}`];
    case 2:
      lines[i] = lines[i].replace(/\r?\n$/, '');
      return [lines.join(''), `jsonl join line ${i + 1} with the next`];
    case 3: {
      const ins = rng.pick(['\n', '  \n', '\r\n', '[1]\n', '1\n', '[]\n', '[[1, 2]]\n', '{}\n', '"x"\n', 'NaN\n', '[\n', ']\n']);
      lines.splice(i, 0, ins);
      return [lines.join(''), `jsonl insert line ${JSON.stringify(ins)} before ${i + 1}`];
    }
    case 4:
      return [text.replace(/\r?\n/g, '\r\n'), 'jsonl CRLF line ends'];
    case 5: {
      const at = rng.int(text.length + 1);
      return [splice(text, at, at, '\n'), `jsonl newline at ${at}`];
    }
    default: {
      const line = lines.find((l) => l.trim() !== '') ?? '[1]\n';
      const times = Math.min(rng.pick([10, 100, 1000, 10000]), Math.floor(GROWTH / (line.length + 1)));
      return [text + (line.endsWith('\n') ? line : `${line}\n`).repeat(times), `jsonl ${times} more lines`];
    }
  }
};

const jsonSpace = (rng: Rng, text: string): [string, string] | undefined => {
  const at = rng.int(text.length + 1);
  const ins = rng.pick(['\u00a0', '\u2028', '\v', '\f', '\ufeff', '\u0000', '\r', '\t', ' ', '\u3000', '/* c */', '// c\n']);
  return [splice(text, at, at, ins), `json insert ${JSON.stringify(ins)} at ${at}`];
};

const JSON_MUTATIONS: readonly (readonly [Mutation, number])[] = [
  [textMutation(jsonToken), 4],
  [textMutation(jsonStruct), 3],
  [textMutation(jsonNest), 0.8],
  [textMutation(jsonKey), 1.5],
  [textMutation(jsonLines), 1.5],
  [textMutation(jsonSpace), 1],
];

/** The format-aware mutations of a seed's group. */
export function formatMutations(group: Group, delimiter: string | undefined): readonly (readonly [Mutation, number])[] {
  switch (group) {
    case 'npy':
      return NPY;
    case 'npz':
      return ZIP;
    case 'pt':
      return [...ZIP, ...PICKLE];
    case 'safetensors':
      return SAFETENSORS;
    case 'csv':
    case 'tsv':
    case 'table':
      return csvMutations(delimiter ?? (group === 'tsv' ? '\t' : undefined));
    case 'json':
    case 'jsonl':
      return JSON_MUTATIONS;
  }
}
