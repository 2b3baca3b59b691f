/**
 * A JSON or JSON Lines file (or an array by key in a JSON object file) read in blocks, never
 * as one string nor as one array: a 600 MB dump of logits needs a few MB.
 *
 * Opening the file makes one pass over it in chunks (json-tensor.ts, jsonl.ts), which checks
 * every value and bracket and finds the shape, with every error the whole-text reader gives, at
 * the same place; it keeps only the byte offset of every `markEvery`-th value. A read of
 * units [start, end) then starts at the last offset noted at or before its first value and
 * reads the numbers it meets, skipping the brackets and commas the open already checked: a
 * thread's part or a second pass costs what it reads. The layout is shared with the worker
 * threads (shared-layouts.ts), so that they skip the pass. A
 * file whose size, modification or status-change time is not what the open saw, before or
 * after a pass, is an error (byte-source.ts).
 */
import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { numel, type Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import { stateOf, unchanged, withFile, type FileSource, type FileState } from './byte-source.js';
import { pickKey, refuseKey, type Container } from './container.js';
import { contentFormat, FORMAT_NAMES, SNIFF_BYTES, sniffFormat, sniffInput } from './format.js';
import { chunkBytes, Cursor, skipBom } from './json-cursor.js';
import { numberAt } from './json-number.js';
import { bareAt, readString, severalValues, spaceLength, stringLength } from './json-scan.js';
import { failIn, jsonObject, refuseKeyOfTensor } from './json.js';
import { NON_FINITE_STRINGS, scanTensor, Seen } from './json-tensor.js';
import { scanJsonLines } from './jsonl.js';
import { shareLayout, sharedLayout } from './shared-layouts.js';
import { streaming } from './npy-file.js';
import { textToRead } from './text-head.js';

export const jsonFiles = {
  /** A file this small (a block, unless set) is read whole by the whole-text reader: blocks gain nothing. */
  wholeBytes: undefined as number | undefined,
  /** Values between two offsets noted by the open: a read skips at most this many. */
  markEvery: (): number => Math.max(16, streaming.blockBytes >> 6),
  /** A layout is shared only for a file last changed this long before it was scanned (its timestamps' resolution). */
  settledMs: 2000,
};

/** Where the values of a file (or of one key of it) are. */
interface Layout {
  shape: number[];
  markOffsets: number[];
  markIndices: number[];
  /** Integers beyond 2^53 as written, by flat index. */
  written: [number, string][];
  file: FileState & { dev: number; ino: number };
}

/** JSON or JSON Lines, as asked for (or named by the extension); undefined: by the first bytes. */
export type JsonFormat = 'json' | 'jsonl' | undefined;

/**
 * The JSON (or JSON Lines) file at `path`, or the array `key` names in it, as Values read in
 * blocks; undefined for a small file, which the whole-text reader reads as well, and for a
 * file of no format asked for whose first bytes are not JSON. Errors name `path` (and
 * `path:key` inside the array), as parseInput's do.
 */
export function openJsonFile(path: string, format: JsonFormat, key?: string): Values | undefined {
  const stats = statSync(path);
  if (stats.size <= (jsonFiles.wholeBytes ?? streaming.blockBytes)) return undefined;
  const id = `losscalc:json-layout:${resolve(path)}\0${format ?? ''}\0${key ?? ''}`;
  const known = sharedLayout<Layout>(id);
  if (known && sameFile(known.file, stats)) return jsonValues(path, known);
  const started = Date.now();
  const layout = withFile(path, (file) => {
    const found = jsonFormatOf(file, path, format);
    return found && scan(file, path, found, key, new Seen(jsonFiles.markEvery()));
  });
  if (layout === undefined) return undefined;
  if (Math.max(stats.mtimeMs, stats.ctimeMs) < started - jsonFiles.settledMs) shareLayout(id, layout);
  return jsonValues(path, layout);
}

/**
 * The JSON object file at `path` as a container whose arrays are read in blocks (`open`) or
 * whole (`read`), never the whole file; null for JSON that is no object, undefined for a small
 * file (the whole-text reader reads it) or one that is not JSON.
 */
export function openJsonContainer(path: string, format: 'json' | undefined): Container | null | undefined {
  if (statSync(path).size <= (jsonFiles.wholeBytes ?? streaming.blockBytes)) return undefined;
  const members = withFile(path, (file) => {
    const found = jsonFormatOf(file, path, format);
    if (found === undefined) return undefined;
    return (found === 'json' && jsonObject(file, path)) || null;
  });
  if (!members) return members;
  const open = (key: string) => openJsonFile(path, format, key)!;
  return { kind: 'JSON object', keys: [...members.keys()], read: (key) => readAll(open(key)), open };
}

/** The same, read whole into one array: no text of the file is ever held whole. */
export function readJsonFile(path: string, format: JsonFormat, key?: string): Tensor | undefined {
  const values = openJsonFile(path, format, key);
  return values && readAll(values);
}

/**
 * What parseInput checks and decides first: the first bytes are text and no other format's
 * magic; with no format asked for, whether they are JSON, and JSON Lines when a second value
 * follows the first on a later line. Undefined when they are not JSON.
 */
function jsonFormatOf(file: FileSource, path: string, format: JsonFormat): 'json' | 'jsonl' | undefined {
  const head = new Uint8Array(Math.min(SNIFF_BYTES, file.size));
  file.read(head, 0);
  if (format !== undefined) {
    if (!textToRead(head, file.size, path)) return undefined;
    contentFormat(head, path, format);
    return format;
  }
  if (sniffFormat(head, file.size) !== 'json') return undefined;
  sniffInput(head, path);
  const c = new Cursor(file, 0, file.size);
  skipBom(c);
  return severalValues(c) ? 'jsonl' : 'json';
}

/** All of `v`, in one array. */
function readAll(v: Values): Tensor {
  const data = new Float64Array(numel(v.shape));
  v.read(1, 0, data.length, (block, first) => data.set(block as Float64Array, first));
  return { data, shape: v.shape, dtype: 'float64', ...(v.written && { written: v.written }) };
}

/** Reads the file's values (or its array `key`) into `seen`: the layout of what it found. */
function scan(file: FileSource, path: string, format: 'json' | 'jsonl', key: string | undefined, seen: Seen): Layout {
  const c = new Cursor(file, 0, file.size);
  let shape: number[];
  if (format === 'jsonl') {
    refuseKey(FORMAT_NAMES.jsonl, key, path);
    shape = scanJsonLines(c, path, seen);
  } else {
    const members = jsonObject(file, path);
    if (members) {
      const picked = pickKey({ kind: 'JSON object', keys: [...members.keys()], read: () => undefined as never }, key, path);
      c.seek(members.get(picked.key)!);
      shape = scanTensor(c, picked.source, seen, { whole: false });
    } else {
      refuseKeyOfTensor(c, key, path);
      c.seek(0);
      shape = scanTensor(c, path, seen, { whole: true });
    }
  }
  return layoutOf(shape, seen, file, path);
}

/**
 * The value (an array, or a number) at the cursor in the open JSON file `path`, scanned and
 * consumed as an open scans a file's values, as Values read in blocks from the offsets noted
 * (every `markEvery`-th value) through `spares`: one member of a larger document read member
 * by member, whose arrays share the buffers.
 */
export function scanValuesAt(c: Cursor, file: FileSource, path: string, source: string, markEvery: number, spares: ReadBuffers): Values {
  const seen = new Seen(markEvery);
  return jsonValues(path, layoutOf(scanTensor(c, source, seen, { whole: false }), seen, file, path), spares);
}

function layoutOf(shape: number[], seen: Seen, file: FileSource, path: string): Layout {
  return {
    shape,
    markOffsets: seen.markOffsets,
    markIndices: seen.markIndices,
    written: seen.written.entries(),
    file: { ...file.state, ...identity(path) },
  };
}

function identity(path: string): { dev: number; ino: number } {
  const s = statSync(path);
  return { dev: s.dev, ino: s.ino };
}

function sameFile(a: Layout['file'], b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Buffers of reads that ended, for the next reads: one Values' own, or shared by Values read one at a time. */
export type ReadBuffers = { out: Float64Array; chunk: Buffer }[];

function jsonValues(path: string, layout: Layout, spares: ReadBuffers = []): Values {
  const { shape, markOffsets, markIndices } = layout;
  const written = layout.written.length > 0 ? new Map(layout.written) : undefined;
  const total = numel(shape);
  // the buffers of the last read, for the next: labels read beside each block of logits are
  // read once per block, and new buffers each time would leave memory to the garbage
  // collector faster than it looks (taken while in use, so a read within a read gets its own)
  return {
    shape,
    dtype: 'float64',
    ...(written && { written: (index: number) => written.get(index) }),
    read(unit, start, end, visit) {
      if (end <= start) return;
      if (unit === 0) return visit(new Float64Array(0), start, end - start); // rows of no values
      const [first, last] = [start * unit, Math.min(end * unit, total)];
      const perBlock = Math.max(1, Math.floor(streaming.blockBytes / (8 * unit)));
      const size = Math.min(perBlock, end - start) * unit;
      const at = spares.findIndex((b) => b.out.length >= size && b.chunk.length === chunkBytes());
      const mine = at >= 0 ? spares.splice(at, 1)[0] : { out: new Float64Array(size), chunk: Buffer.allocUnsafe(chunkBytes()) };
      const out = mine.out.subarray(0, size);
      // the last mark at or before the first value wanted
      let lo = 0;
      for (let hi = markIndices.length - 1; lo < hi; ) {
        const mid = (lo + hi + 1) >> 1;
        if (markIndices[mid] <= first) lo = mid;
        else hi = mid - 1;
      }
      readChecked(path, layout.file, (file) => {
        const c = new Cursor(file, markOffsets[lo], file.size, mine.chunk);
        const fail = failIn(file, path);
        let index = markIndices[lo];
        let n = 0;
        let unitsDone = start;
        while (index < last) {
          skipPunctuation(c);
          if (index < first) skipToken(c, fail);
          else {
            out[n++] = tokenValue(c, fail);
            if (n === out.length) {
              visit(out, unitsDone, n / unit);
              unitsDone += n / unit;
              n = 0;
            }
          }
          index++;
        }
        if (n > 0) visit(out.subarray(0, n), unitsDone, n / unit);
      });
      // two kept: a read within a read (labels beside logits, a loss beside its perSample)
      if (spares.push(mine) > 2) spares.shift();
    },
  };
}

/**
 * `read` on the file, which must be as it was when opened: a file changed under a read may
 * end early or hold other tokens, and then that change is the error.
 */
function readChecked(path: string, since: FileState, read: (file: FileSource) => void): void {
  try {
    withFile(path, read, since);
  } catch (e) {
    if (!(e instanceof InputError)) unchanged(stateOf(statSync(path)), since, path);
    throw e;
  }
}

/**
 * Brackets, commas and spaces (newlines too), which the open checked; in JSON Lines, the
 * spaces of blank lines too (\v, \f, NBSP, U+2028, ... as String.trim sees them).
 */
function skipPunctuation(c: Cursor): void {
  for (;;) {
    if (c.pos >= c.lim && !c.ensure(1)) throw changed();
    const b = c.buf[c.pos];
    if (b === 0x20 || b === 0x2c || b === 0x5b || b === 0x5d || (b >= 0x09 && b <= 0x0d)) c.pos++;
    else if (b < 0x80) return;
    else {
      const n = spaceLength(c);
      if (n === 0) return;
      c.pos += n;
    }
  }
}

type Fail = ReturnType<typeof failIn>;

/**
 * The value of the token at the cursor, consumed: one the open read as a number, tokenized as
 * the open did (a string, a bare word by bareAt, a literal by numberAt).
 */
function tokenValue(c: Cursor, fail: Fail): number {
  if (c.peek() === 0x22) return NON_FINITE_STRINGS.get(readString(c, fail).toLowerCase()) ?? changedValue();
  const bare = bareAt(c);
  if (bare !== undefined) return bare;
  const number = numberAt(c);
  if (!number) return changedValue();
  c.pos += number.length;
  return number.value;
}

/** Consumes the token at the cursor without its value, tokenized as tokenValue does. */
function skipToken(c: Cursor, fail: Fail): void {
  if (c.peek() === 0x22) {
    const length = stringLength(c, fail); // before c.pos is read: it may move the buffer
    c.pos += length;
    return;
  }
  if (bareAt(c) !== undefined) return;
  const number = numberAt(c, false);
  if (!number) changedValue();
  c.pos += number.length;
}

/** The file no longer holds what its open read (withFile then says how it changed). */
function changed(): Error {
  return new Error('internal: a JSON file ended before the values its open counted');
}

function changedValue(): never {
  throw new Error('internal: a JSON file holds a token its open did not read as a number');
}
