/**
 * safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {...}}, then the data area; offsets count from its start. The header is
 * validated as the reference implementation does before any tensor is read: every tensor's
 * bytes inside the data area, of exactly shape x dtype size, no overlaps, no gaps, nothing
 * after the last tensor. Data is little-endian, C order. From a file only the header is read
 * first; a tensor is read at its offset when asked for, whole or in blocks (array-file.ts).
 */
import { constants } from 'node:buffer';
import { InputError } from '../errors.js';
import { formatShape, MAX_DIMS, numel } from '../tensor.js';
import { arrayValues, filePass } from './array-file.js';
import { byteSize, decodeData, ELEMENT, type ElementType } from './binary.js';
import { bufferSource, withFile, type ByteSource } from './byte-source.js';
import type { Container } from './container.js';

/** The reference implementation refuses larger headers. */
const MAX_HEADER = 100_000_000;

const DTYPES: Record<string, ElementType> = {
  F16: ELEMENT.float16,
  BF16: ELEMENT.bfloat16,
  F32: ELEMENT.float32,
  F64: ELEMENT.float64,
  I8: ELEMENT.int8,
  I16: ELEMENT.int16,
  I32: ELEMENT.int32,
  I64: ELEMENT.int64,
  U8: ELEMENT.uint8,
  U16: ELEMENT.uint16,
  U32: ELEMENT.uint32,
  U64: ELEMENT.uint64,
  BOOL: ELEMENT.bool,
};

interface Entry {
  name: string;
  dtype: string;
  type: ElementType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * A plausible safetensors start: a header length that fits the file followed by '{'. No
 * text file passes: its first 8 bytes read as a length far beyond any file. `buf` may be the
 * first bytes of a file of `size` bytes.
 */
export function looksLikeSafetensors(buf: Uint8Array, size = buf.length): boolean {
  return startsAsSafetensors(buf, size);
}

/** looksLikeSafetensors for the first bytes `head` of a file of `size` bytes. */
function startsAsSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 10 || head[8] !== 0x7b) return false;
  const view = new DataView(head.buffer, head.byteOffset, 8);
  return view.getUint32(4, true) === 0 && view.getUint32(0, true) <= size - 8;
}

export function parseSafetensors(buf: Uint8Array, source: string): Container {
  // a tensor is viewed in place in the bytes (standard input, read whole already)
  return safetensorsContainer(bufferSource(buf, source), source, (start, length) => ({ bytes: buf.subarray(start, start + length), owned: false }));
}

/**
 * The safetensors file at `path`, its header read and checked now, a tensor read at its
 * offset when it is asked for: whole (`read`), or in blocks (`open`). Undefined when the first
 * bytes are not a safetensors header (the ordinary reader then says what they are).
 */
export function openSafetensorsFile(path: string): Container | undefined {
  return withFile(path, (src) => {
    const head = new Uint8Array(Math.min(src.size, 10));
    src.read(head, 0);
    if (!startsAsSafetensors(head, src.size)) return undefined;
    // every later read finds the file as the header was read from it
    const since = src.state;
    const file = safetensorsContainer(src, path, (start, length) => {
      const bytes = new Uint8Array(length); // a private copy: aligned, decoded in place
      withFile(path, (again) => again.read(bytes, start), since);
      return { bytes, owned: true };
    });
    return {
      ...file,
      open(key) {
        const { type, shape, start } = file.entry(key);
        return arrayValues(filePass(path, since), { spec: type, bigEndian: false, shape }, start);
      },
    };
  });
}

/**
 * The file's header, read from `src` and checked; a tensor's bytes come from `data` (the file
 * read again, or a view of the bytes in memory) when it is read.
 */
function safetensorsContainer(
  src: ByteSource,
  source: string,
  data: (start: number, length: number) => { bytes: Uint8Array; owned: boolean },
): Container & { entry(key: string): Entry & { start: number } } {
  const fail = (message: string): never => {
    throw new InputError(message, source);
  };
  const size = src.size;
  if (size < 8) fail(`truncated safetensors file: the header length at byte 0 needs 8 bytes, file has ${size}`);
  const first = new Uint8Array(8);
  src.read(first, 0);
  const claimed = new DataView(first.buffer).getBigUint64(0, true);
  if (claimed > BigInt(size - 8)) {
    fail(`header length ${claimed} at byte 0 runs past the end of the file: ${size - 8} bytes follow it`);
  }
  const headerLength = Number(claimed);
  if (headerLength > MAX_HEADER) fail(`header length ${headerLength} at byte 0 is over safetensors' limit of ${MAX_HEADER} bytes`);
  const dataStart = 8 + headerLength;
  const headerBytes = new Uint8Array(headerLength);
  src.read(headerBytes, 8);
  const header = parseHeader(headerBytes, fail);
  const entries = readEntries(header, fail);
  checkLayout(entries, size - dataStart, dataStart, fail);
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    kind: 'safetensors file',
    keys: Object.keys(header).filter((k) => k !== '__metadata__'),
    entry: (key) => ({ ...byName.get(key)!, start: dataStart + byName.get(key)!.begin }),
    read(key) {
      const { type, shape, begin, end } = byName.get(key)!;
      if (end - begin > constants.MAX_LENGTH) {
        fail(`tensor ${JSON.stringify(key)} holds ${end - begin} bytes, more than one buffer can (${constants.MAX_LENGTH})`);
      }
      const { bytes, owned } = data(dataStart + begin, end - begin);
      return { data: decodeData(bytes, owned, type, false, numel(shape)), shape, dtype: type.dtype };
    },
  };
}

/** A real header nests 3 deep ({name: {shape: [...]}}); JSON.parse of a million levels takes seconds. */
const MAX_NESTING = 64;

/** The offset where brackets (outside strings) first nest deeper than MAX_NESTING, if anywhere. */
function nestedTooDeep(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

function parseHeader(bytes: Uint8Array, fail: (m: string) => never): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail('header at byte 8 is not valid UTF-8');
  }
  const deep = nestedTooDeep(text);
  if (deep !== undefined) return fail(`header nested more than ${MAX_NESTING} deep at byte ${8 + deep}: not a safetensors header`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const pos = /at position (\d+)/.exec(why);
    const at = pos ? 8 + new TextEncoder().encode(text.slice(0, Number(pos[1]))).length : undefined;
    const detail = why.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
    return fail(`header at byte 8 is not valid JSON: ${detail}${at === undefined ? '' : ` at byte ${at}`}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('header at byte 8 is not a JSON object');
  return header as Record<string, unknown>;
}

function readEntries(header: Record<string, unknown>, fail: (m: string) => never): Entry[] {
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) {
        fail(`header field '__metadata__' is ${brief(info)}, expected an object of strings`);
      }
      continue;
    }
    const field = (key: string, what: string): never => {
      const value = (info as Record<string, unknown>)[key];
      return fail(`tensor ${JSON.stringify(name)}: header field '${key}' is ${value === undefined ? 'missing' : brief(value)}, expected ${what}`);
    };
    if (typeof info !== 'object' || info === null || Array.isArray(info)) {
      fail(`tensor ${JSON.stringify(name)}: header entry is ${brief(info)}, expected {dtype, shape, data_offsets}`);
    }
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    const type = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : field('dtype', `one of ${Object.keys(DTYPES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) field('shape', 'a list of non-negative integers');
    if ((shape as number[]).length > MAX_DIMS) field('shape', `at most ${MAX_DIMS} dims`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      field('data_offsets', '[begin, end] with 0 <= begin <= end');
    }
    entries.push({ name, dtype: dtype as string, type, shape: shape as number[], begin: (offsets as number[])[0], end: (offsets as number[])[1] });
  }
  return entries;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** Each tensor's bytes: inside the data area, the size its shape needs, and tiling the area. */
function checkLayout(entries: Entry[], dataSize: number, dataStart: number, fail: (m: string) => never): void {
  const name = (e: Entry): string => `tensor ${JSON.stringify(e.name)}`;
  const span = (e: Entry): string => `data_offsets [${e.begin}, ${e.end}]`;
  for (const e of entries) {
    if (e.end > dataSize) {
      fail(`${name(e)}: ${span(e)} end past the data area, which has ${dataSize} bytes (from byte ${dataStart})`);
    }
    const needed = byteSize(numel(e.shape), e.type.size);
    if (needed !== e.end - e.begin) {
      const need = needed === undefined ? 'is too large' : `needs ${needed}`;
      fail(`${name(e)}: ${span(e)} hold ${e.end - e.begin} bytes, but shape ${formatShape(e.shape)} of ${e.dtype} ${need}`);
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    if (e.begin < covered) {
      const other = sorted.slice(0, i).find((o) => o.end > e.begin)!;
      fail(`${name(e)}: ${span(e)} overlap ${name(other)} at [${other.begin}, ${other.end}]`);
    }
    if (e.begin > covered) fail(`${name(e)}: ${span(e)} leave bytes ${covered} to ${e.begin} of the data area unused`);
    covered = e.end;
  }
  if (covered < dataSize) {
    fail(`${dataSize - covered} bytes after the last tensor's data, which ends at byte ${dataStart + covered} (file is ${dataStart + dataSize} bytes)`);
  }
}

/** A header value as JSON, cut short: a field of any depth or size becomes a short quote. */
function brief(value: unknown, depth = 0): string {
  if (Array.isArray(value)) {
    if (depth >= 2) return '[...]';
    const items = value.slice(0, 8).map((v) => brief(v, depth + 1));
    return `[${items.join(',')}${value.length > 8 ? ',...' : ''}]`;
  }
  if (typeof value === 'object' && value !== null) {
    if (depth >= 2) return '{...}';
    const entries = Object.entries(value).slice(0, 8).map(([k, v]) => `${JSON.stringify(k)}:${brief(v, depth + 1)}`);
    return `{${entries.join(',')}${Object.keys(value).length > 8 ? ',...' : ''}}`;
  }
  return JSON.stringify(value) ?? String(value);
}
