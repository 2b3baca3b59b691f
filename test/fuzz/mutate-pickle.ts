/**
 * Mutations of torch.save files that reach the pickle interpreter: the pickle (`data.pkl` in
 * a zip, rezipped with fresh CRC-32s; the whole file in the legacy format) gets hostile
 * snippets (deep nesting, a million marks, huge claimed lengths and integers, unknown and
 * refused opcodes, globals outside the allow-list, memo abuse), its small integers (sizes,
 * strides, offsets, storage sizes) replaced by huge or odd ones, or its globals swapped.
 */
import { zipSync } from 'fflate';
import { unzipToRebuild, type Mutated, type Mutation } from './mutate.js';
import type { Rng } from './prng.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const u64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

/** Pickle fragments a hostile file might hold, each with a name for the report. */
function snippet(rng: Rng): [Uint8Array, string] {
  const n = rng.pick([10, 65, 1000, 100_000]);
  switch (rng.int(13)) {
    case 0:
      return [concat(enc(']'.repeat(n)), enc('a'.repeat(n - 1))), `${n} nested lists`];
    case 1:
      return [enc('('.repeat(n)), `${n} MARKs`];
    case 2:
      return [concat(enc('\x8a\x08'), u64(rng.pick([1n << 60n, (1n << 63n) - 1n, 1n << 53n]))), 'LONG1 of a huge int'];
    case 3:
      return [concat(enc('\x8e'), u64(rng.pick([1n << 60n, 1n << 31n, 0xffffffffn]))), 'BINBYTES8 of a huge length'];
    case 4:
      return [concat(enc('L'), enc('9'.repeat(n)), enc('L\n')), `LONG of ${n} digits`];
    case 5:
      return [enc(rng.pick(['\xff', '\x00', '\x97', '\x98', '\x82\x01', 'i', 'o', '\x99'])), 'an unknown or refused opcode'];
    case 6:
      return [enc(rng.pick(['cbuiltins\neval\n', 'cposix\nsystem\n', 'c__builtin__\nopen\n', 'ctorch\nload\n', 'ctorch._utils\n_rebuild_sparse_tensor\n'])), 'a global outside the list'];
    case 7:
      return [enc(rng.pick(['h\xff', 'j\xff\xff\xff\xff', 'q\x00h\x00a', 'g999999999999\n', 'p-1\n'])), 'memo abuse'];
    case 8:
      return [enc(rng.pick(['R', 'b', '\x81', '\x92', 'Q', 's', 'u', 'e', 't', '0', '1', '2', '.'])), 'a stack opcode out of place'];
    case 9:
      return [enc('\x8c\x05torch\x8c\x06Tensor\x93)R'), 'calling a class that is only named'];
    case 10:
      return [enc(rng.pick(['\x95' + '\xff'.repeat(8), '\x80\x07', 'X\xff\xff\xff\x7f', 'T\xff\xff\xff\x7f'])), 'a frame, protocol or length past the end'];
    case 11:
      return [concat(enc(']q\x00'), enc('h\x00'.repeat(rng.pick([2, 30])))), 'one list named many times'];
    default:
      return [enc('I99999999999999999999999\n'), 'INT past int64'];
  }
}

const insertSnippet = (rng: Rng, pkl: Uint8Array): [Uint8Array, string] => {
  const [s, what] = snippet(rng);
  const at = rng.int(pkl.length + 1);
  return [concat(pkl.subarray(0, at), s, pkl.subarray(at)), `${what} at byte ${at}`];
};

/** A BININT1/BININT2/BININT (sizes, strides, offsets, storage sizes) made huge, negative or zero. */
const bigInts = (rng: Rng, pkl: Uint8Array): [Uint8Array, string] | undefined => {
  const at: number[] = [];
  for (let i = 0; i < pkl.length; i++) if (pkl[i] === 0x4b || pkl[i] === 0x4d) at.push(i);
  if (at.length === 0) return undefined;
  const i = rng.pick(at);
  const width = pkl[i] === 0x4b ? 2 : 3;
  const by = rng.pick([
    concat(enc('J'), Uint8Array.of(0xff, 0xff, 0xff, 0x7f)),
    concat(enc('J'), Uint8Array.of(0xff, 0xff, 0xff, 0xff)),
    concat(enc('\x8a\x08'), u64(1n << 62n)),
    concat(enc('\x8a\x01'), Uint8Array.of(0x80)),
    enc('K\x00'),
    enc('\x88'),
    enc('G\x3f\xf0\x00\x00\x00\x00\x00\x00'),
  ]);
  return [concat(pkl.subarray(0, i), by, pkl.subarray(i + width)), `int at byte ${i} -> ${JSON.stringify(String.fromCharCode(...by))}`];
};

const GLOBALS = ['torch\nHalfStorage', 'torch\nBoolStorage', 'torch\nComplexFloatStorage', 'torch\nUntypedStorage', 'torch._utils\n_rebuild_parameter', 'torch._utils\n_rebuild_tensor', 'collections\nOrderedDict', 'torch\nSize', 'torch\nfloat16', 'builtins\nset'];

/** A GLOBAL's module and name swapped for another, allowed or not. */
const swapGlobal = (rng: Rng, pkl: Uint8Array): [Uint8Array, string] | undefined => {
  const text = String.fromCharCode(...pkl.subarray(0, 1 << 16));
  const found = [...text.matchAll(/c([\w.]+\n\w+)\n/g)];
  if (found.length === 0) return undefined;
  const m = rng.pick(found);
  const by = rng.pick(GLOBALS);
  const start = m.index! + 1;
  return [concat(pkl.subarray(0, start), enc(by), pkl.subarray(start + m[1].length)), `global ${JSON.stringify(m[1])} -> ${JSON.stringify(by)}`];
};

const PICKLE_EDITS: readonly (readonly [(rng: Rng, pkl: Uint8Array) => [Uint8Array, string] | undefined, number])[] = [
  [insertSnippet, 3],
  [bigInts, 3],
  [swapGlobal, 1.5],
];

/** Applies a pickle edit to data.pkl of a torch zip (rezipped, stored as torch.save stores) or to a legacy file. */
function editPickle(rng: Rng, bytes: Uint8Array): Mutated | undefined {
  const edit = rng.weighted(PICKLE_EDITS);
  if (bytes[0] === 0x80) {
    const r = edit(rng, bytes);
    return r && { bytes: r[0], what: `legacy pickle: ${r[1]}` };
  }
  const files = unzipToRebuild(bytes);
  if (files === undefined) return undefined;
  const name = Object.keys(files).find((n) => /^[^/]*\/data\.pkl$/.test(n));
  if (name === undefined) return undefined;
  const r = edit(rng, files[name]);
  if (r === undefined) return undefined;
  files[name] = r[0];
  return { bytes: zipSync(files, { level: 0, mtime: 946684800000 }), what: `${name}: ${r[1]}` };
}

export const PICKLE: readonly (readonly [Mutation, number])[] = [[(rng, b) => editPickle(rng, b), 6]];
