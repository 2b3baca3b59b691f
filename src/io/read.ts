/**
 * Reading inputs named on a command line: a path, `-` for standard input, `<file>:<key>` for
 * an array in a container, several of them for shards. The reader is picked by the format
 * asked for, else the extension, else the first bytes (format.ts). File-system failures
 * become InputErrors naming the path. `parseList` reads inline values such as `1,2,0.5`.
 *
 * A spec is a path when a file of that name exists (colons and all); otherwise the longest part
 * before a ':' that is a file is the path and the rest the key (`d.npz:a:b` is key `a:b` of
 * `d.npz`); when no part is a file, it splits at its last ':' (and says that file is missing).
 * `-` is standard input, and `-:<key>` a key in it. When both `x.npz:logits` and `x.npz` exist, the file wins, and the reader says so through `note`.
 */
import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { InputError, readError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { pickArray, pickKey, refuseKey, type Container } from './container.js';
import { concatBatch } from './concat.js';
import { parseNumber } from './csv.js';
import { withFile } from './byte-source.js';
import { foreignFormat, isGzip } from './foreign.js';
import { CONTAINER_FORMATS, contentFormat, decodeText, delimiterOf, FORMAT_NAMES, formatOfPath, parseContainer, parseInput, refuseEmpty, SNIFF_BYTES, type Format } from './format.js';
import { openCsvFile } from './csv-file.js';
import { openJsonContainer, openJsonFile, readJsonFile } from './json-file.js';
import { openNpyFile } from './npy-file.js';
import { openNpzFile } from './npz.js';
import { isTorchPath, openTorchFile, pickTorch, severalTensors } from './torch/torch.js';
import { parseTable, type Table, type TableOptions } from './table.js';
import type { Values } from '../values.js';
import { readStream, type StreamLimits } from './stream.js';

export interface ReadOptions {
  /** The format of every input; otherwise by extension, then by content. */
  format?: Format;
  /** The field separator of CSV/TSV text (ignored for other formats). */
  delimiter?: string;
  /** Whether the first row of CSV/TSV text is a header (ignored for other formats); undefined: by the rule. */
  header?: boolean;
  /** What `-` reads: the bytes, or a function giving them; `readStdin()` by default. */
  stdin?: Uint8Array | (() => Promise<Uint8Array>);
  /** Told what a user should know but is no error (readers do not print): a warning's text. */
  note?: (message: string) => void;
}

export interface ReadTableOptions extends ReadOptions, Omit<TableOptions, 'delimiter'> {}

/** The tensor a spec names; several specs are shards, concatenated along dim 0 in order. */
export async function readInput(spec: string | readonly string[], options: ReadOptions = {}): Promise<Tensor> {
  if (typeof spec === 'string') return readOne(spec, options);
  const parts = [];
  for (const s of spec) parts.push({ tensor: await readOne(s, options), source: s });
  return concatBatch(parts);
}

/**
 * Logits and labels from one CSV/TSV table (see table.ts for how columns are named); several
 * specs are shards, each with the same columns, concatenated in order.
 */
export async function readTable(spec: string | readonly string[], options: ReadTableOptions): Promise<Table> {
  if (typeof spec === 'string') return readOneTable(spec, options);
  const tables = [];
  for (const s of spec) tables.push({ table: await readOneTable(s, options), source: s });
  return {
    logits: concatBatch(tables.map((t) => ({ tensor: t.table.logits, source: t.source }))),
    labels: concatBatch(tables.map((t) => ({ tensor: t.table.labels, source: t.source }))),
  };
}

/**
 * Like readInput for one spec, except that an NPY file (or a stored NPZ entry) that can be read
 * in blocks, a CSV/TSV file of plain numbers, or a JSON/JSON Lines file, comes back as Values
 * (io/npy-file.ts, io/npz.ts, io/csv-file.ts, io/json-file.ts) instead of being read whole. For the logits and other large
 * operands; small ones gain nothing from it.
 */
export async function openInput(spec: string, options: ReadOptions = {}): Promise<Tensor | Values> {
  const at = await locate(spec, options.note);
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  const values = atOffsets(at, () => {
    // gzip, or a format losscalc does not read: readInput decompresses or names it
    if (wrapped(at.path)) return undefined;
    if (format === 'npy' && at.key === undefined) return openNpyFile(at.path);
    if (format === undefined || format === 'json' || format === 'jsonl') return openJsonFile(at.path, format, at.key);
    if ((format === 'csv' || format === 'tsv') && at.key === undefined) {
      return openCsvFile(at.path, format, delimiterOf(format, options.delimiter), options.header);
    }
    if (format !== 'npz') return undefined;
    const archive = openNpzFile(at.path);
    if (!archive) return undefined;
    const picked = pickKey(archive, at.key, at.path);
    return archive.open!(picked.key, picked.source);
  });
  return values ?? readInput(spec, options);
}

/**
 * `open` for a regular file, else undefined: the readers that read at offsets and open the
 * file again (npy-file.ts, csv-file.ts, npz.ts, worker threads) are for regular files only. A
 * FIFO, device or socket can be read once, as a stream (load), whatever its extension.
 */
function atOffsets<T>(at: Location, open: () => T | undefined): T | undefined {
  return at.stdin ? undefined : fromFile(at, (stat) => (stat.isFile() ? open() : undefined));
}

/** Whether the input a spec names can be opened again and read at offsets (a regular file). */
export async function rereadable(spec: string): Promise<boolean> {
  const at = await locate(spec);
  return atOffsets(at, () => true) ?? false;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether the file at `path` is gzip, or a format losscalc does not read, by its first bytes. */
function wrapped(path: string): boolean {
  const head = fileHead(path);
  return isGzip(head) || foreignFormat(head) !== undefined;
}

/** The first bytes of a regular file, as many as sniffing looks at; none when it cannot be read. */
function fileHead(path: string): Uint8Array {
  try {
    return withFile(path, (file) => {
      const head = new Uint8Array(Math.min(SNIFF_BYTES, file.size));
      file.read(head, 0);
      return head;
    });
  } catch {
    return new Uint8Array(0); // the reader says why
  }
}

/** One path (or spec) with the format from its extension or content. */
export async function readTensor(path: string): Promise<Tensor> {
  return readOne(path, {});
}

async function readOne(spec: string, options: ReadOptions): Promise<Tensor> {
  const at = await locate(spec, options.note);
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  if (format === 'pt' || format === undefined) {
    // read at offsets: the pickle, then the storage of the tensor asked for
    const tensor = atOffsets(at, () => (isTorchPath(at.path) ? pickTorch(openTorchFile(at.path), at.key, at.path) : undefined));
    if (tensor) return tensor;
  }
  if (format === undefined || format === 'json' || format === 'jsonl') {
    // read in chunks, never as one text; a small file is read whole
    const tensor = atOffsets(at, () => (wrapped(at.path) ? undefined : readJsonFile(at.path, format, at.key)));
    if (tensor) return tensor;
  }
  if (format === 'npz') {
    // read at offsets, not loaded whole; anything but a zip is left to parseInput to name
    const tensor = atOffsets(at, () => {
      const archive = openNpzFile(at.path);
      return archive && pickArray(archive, at.key, at.path);
    });
    if (tensor) return tensor;
  }
  const bytes = await load(at, options);
  return parseInput(bytes, at.path, { format, delimiter: options.delimiter, header: options.header, key: at.key });
}

async function readOneTable(spec: string, options: ReadTableOptions): Promise<Table> {
  const at = await locate(spec, options.note);
  const bytes = await load(at, options);
  refuseEmpty(bytes, at.path);
  const format = contentFormat(bytes, at.path, options.format ?? (at.stdin ? undefined : formatOfPath(at.path)));
  if (format !== 'csv' && format !== 'tsv') {
    throw new InputError(`a label column needs a CSV or TSV table, and this is ${FORMAT_NAMES[format]}`, at.path);
  }
  refuseKey(FORMAT_NAMES[format], at.key, at.path);
  return parseTable(decodeText(bytes), at.path, { ...options, delimiter: delimiterOf(format, options.delimiter) });
}

/**
 * The file (or standard input) `at` names as a container of arrays by key, read once: an npz
 * file at offsets, anything else whole. Undefined when its format holds a single array
 * (CONTAINER_FORMATS in format.ts says which do); the key of `at` is left to the caller.
 */
export async function openContainer(at: Location, options: ReadOptions = {}): Promise<Container | undefined> {
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  if (format !== undefined && !CONTAINER_FORMATS.includes(format)) return undefined;
  if (format === undefined || format === 'pt') {
    const file = atOffsets(at, () => (isTorchPath(at.path) ? openTorchFile(at.path) : undefined));
    if (file) return severalTensors(file);
  }
  if (format === undefined || format === 'npz') {
    const archive = atOffsets(at, () => openNpzFile(at.path)); // undefined unless a zip
    if (archive) return archive;
  }
  if (format === undefined || format === 'json') {
    const object = atOffsets(at, () => (wrapped(at.path) ? undefined : openJsonContainer(at.path, format)));
    if (object !== undefined) return object ?? undefined;
  }
  return parseContainer(await load(at, options), at.path, format);
}

export interface Location {
  /** The file, or '-' for standard input. */
  path: string;
  stdin: boolean;
  key?: string;
  /** As given. */
  spec: string;
}

/** The file (or stdin) and key a spec names: a file of that exact name wins over `file:key`. */
export async function locate(spec: string, note?: (message: string) => void): Promise<Location> {
  if (spec === '-' || spec.startsWith('-:')) return { path: '-', stdin: true, key: spec === '-' ? undefined : spec.slice(2), spec };
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) return { path: spec, stdin: false, spec };
  if (await exists(spec)) {
    noteShadowedKey(spec, note);
    return { path: spec, stdin: false, spec };
  }
  // the longest prefix that exists is the file, so a key may hold colons (`d.npz:a:b`)
  for (let at = colon; at > 0; at = spec.lastIndexOf(':', at - 1)) {
    if (isFile(spec.slice(0, at))) return { path: spec.slice(0, at), stdin: false, key: spec.slice(at + 1), spec };
  }
  return { path: spec.slice(0, colon), stdin: false, key: spec.slice(colon + 1), spec };
}

/** `x.npz:logits` is an existing file: if `x.npz` exists too, the spec could have meant its key. */
function noteShadowedKey(spec: string, note: ((message: string) => void) | undefined): void {
  const colon = spec.lastIndexOf(':');
  if (note === undefined || colon <= 0 || !isFile(spec.slice(0, colon))) return;
  const [path, key] = [spec.slice(0, colon), spec.slice(colon + 1)];
  note(`${spec}: a file of that name exists and is read, not key "${key}" of ${path} (rename the file to read the key)`);
}

async function exists(path: string): Promise<boolean> {
  try {
    statSync(path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR'; // anything else is reported when it is read
  }
}

async function load(at: Location, options: ReadOptions): Promise<Uint8Array> {
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  if (at.stdin) {
    const { stdin } = options;
    if (stdin === undefined) return readStdin(process.stdin, format);
    const bytes = typeof stdin === 'function' ? await stdin() : stdin;
    // standard input read already is decompressed as process.stdin is (stream.ts)
    return isGzip(bytes) ? readStream(Readable.from([Buffer.from(bytes)]), '-', format) : bytes;
  }
  // a FIFO or a device may never end, and gzip may decompress to anything: read them as
  // streams, judged by their first bytes
  return fromFile(at, (stat) => (stat.isFile() && !isGzip(fileHead(at.path)) ? readFileSync(at.path) : readStreamed(at.path, format)));
}

const streamed = new Map<string, Promise<Uint8Array>>();

/**
 * All of the FIFO, device, socket or gzip file at `path`, read once as a stream: later calls
 * get the same bytes, since a FIFO or a process substitution cannot be read again (both keys
 * of an archive piped through one FIFO; the digest --json records).
 */
export function readStreamed(path: string, format?: Format): Promise<Uint8Array> {
  let read = streamed.get(path);
  if (read === undefined) {
    read = readStream(createReadStream(path), path, format);
    streamed.set(path, read);
  }
  return read;
}

/** `read` on a file (given its stat), its file-system failures as InputErrors. */
function fromFile<T>(at: Location, read: (stat: Stats) => T): T {
  try {
    const stat = statSync(at.path);
    if (stat.isDirectory()) throw new InputError('is a directory', at.path);
    return read(stat);
  } catch (e) {
    // neither `file:key` nor `file` exists: name what was given
    const missing = at.key !== undefined && (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw readError(e, missing ? at.spec : at.path);
  }
}

const stdinReads = new WeakMap<object, Promise<Uint8Array>>();

/**
 * All of standard input (or `stream`), read once: later calls get the same bytes, so that
 * `-:logits` and `-:labels` can both name arrays of one archive piped in. `format` is the
 * one asked for; else the first bytes decide, and cap what is read (stream.ts).
 */
export function readStdin(
  stream: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  format?: Format,
  limits?: StreamLimits,
): Promise<Uint8Array> {
  let read = stdinReads.get(stream);
  if (read === undefined) {
    read = stream.isTTY
      ? Promise.reject(new InputError('standard input is a terminal: pipe the data in, or name a file', '-'))
      : readStream(stream as NodeJS.ReadableStream & AsyncIterable<unknown>, '-', format, limits);
    stdinReads.set(stream, read);
  }
  return read;
}

/**
 * Inline comma-separated numbers (`1,2,0.5`, spaces and nan/inf allowed, optionally in
 * brackets), or undefined when the text is not such a list and so names a file.
 */
export function parseList(text: string): Float64Array | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.trim() === '') return undefined;
  const cells = s.split(',');
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = parseNumber(cells[i]);
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}
