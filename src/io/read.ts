/**
 * Reading inputs named on a command line: a path, `-` for standard input, `<file>:<key>` for
 * an array in a container, several of them for shards. The reader is picked by the format
 * asked for, else the extension, else the first bytes (format.ts). File-system failures
 * become InputErrors naming the path. `parseList` reads inline values such as `1,2,0.5`.
 *
 * A spec is a path when a file of that name exists (colons and all); otherwise it splits at
 * its last ':' into a path and a key. `-` is standard input, and `-:<key>` a key in it. When
 * both `x.npz:logits` and `x.npz` exist, the file wins, and the reader says so through `note`.
 */
import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import { InputError, readError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { pickArray, pickKey, refuseKey } from './container.js';
import { concatBatch } from './concat.js';
import { parseNumber } from './csv.js';
import { withFile } from './byte-source.js';
import { decodeText, delimiterOf, FORMAT_NAMES, formatOfPath, parseInput, SNIFF_BYTES, sniffInput, type Format } from './format.js';
import { openCsvFile } from './csv-file.js';
import { openNpyFile } from './npy-file.js';
import { openNpzFile } from './npz.js';
import { looksLikeTorch, openTorchFile, pickTorch } from './torch/torch.js';
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
 * in blocks, or a CSV/TSV file of plain numbers, comes back as Values (io/npy-file.ts,
 * io/npz.ts, io/csv-file.ts) instead of being read whole. For the logits and other large operands; small ones gain nothing from it.
 */
export async function openInput(spec: string, options: ReadOptions = {}): Promise<Tensor | Values> {
  const plainFile = spec !== '-' && !spec.startsWith('-:') && isFile(spec);
  if (plainFile) noteShadowedKey(spec, options.note);
  const format = plainFile ? (options.format ?? formatOfPath(spec)) : undefined;
  if (format === 'npy') {
    const values = openNpyFile(spec);
    if (values) return values;
  }
  if (format === 'csv' || format === 'tsv') {
    const values = openCsvFile(spec, format, delimiterOf(format, options.delimiter), options.header);
    if (values) return values;
  }
  const at = await locate(spec, options.note);
  if (!at.stdin && (options.format ?? formatOfPath(at.path)) === 'npz') {
    const values = fromFile(at, () => {
      const archive = openNpzFile(at.path);
      if (!archive) return undefined;
      const picked = pickKey(archive, at.key, at.path);
      return archive.open!(picked.key, picked.source);
    });
    if (values) return values;
  }
  return readInput(spec, options);
}

/** Whether the file at `path` starts as a torch.save file does (a `.bin`, or a name with no extension). */
function startsAsTorch(path: string): boolean {
  const head = withFile(path, (src) => {
    const buf = new Uint8Array(Math.min(src.size, SNIFF_BYTES));
    src.read(buf, 0);
    return buf;
  });
  return looksLikeTorch(head);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** One path (or spec) with the format from its extension or content. */
export async function readTensor(path: string): Promise<Tensor> {
  return readOne(path, {});
}

async function readOne(spec: string, options: ReadOptions): Promise<Tensor> {
  const at = await locate(spec, options.note);
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  if (!at.stdin && (format === 'pt' || (format === undefined && fromFile(at, (stat) => stat.isFile() && startsAsTorch(at.path))))) {
    // read at offsets: the pickle, then the storage of the tensor asked for
    return fromFile(at, () => pickTorch(openTorchFile(at.path), at.key, at.path));
  }
  if (format === 'npz' && !at.stdin) {
    // read at offsets, not loaded whole; anything but a zip is left to parseInput to name
    const tensor = fromFile(at, () => {
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
  if (bytes.length === 0) throw new InputError(at.stdin ? 'no data on standard input' : 'empty file', at.path);
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path)) ?? sniffInput(bytes, at.path);
  if (format !== 'csv' && format !== 'tsv') {
    throw new InputError(`a label column needs a CSV or TSV table, and this is ${FORMAT_NAMES[format]}`, at.path);
  }
  refuseKey(FORMAT_NAMES[format], at.key, at.path);
  return parseTable(decodeText(bytes), at.path, { ...options, delimiter: delimiterOf(format, options.delimiter) });
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
    return stdin === undefined ? readStdin(process.stdin, format) : typeof stdin === 'function' ? stdin() : stdin;
  }
  // a FIFO or a device may never end: read it as a stream, judged by its first bytes
  return fromFile(at, (stat) => (stat.isFile() ? readFileSync(at.path) : readStream(createReadStream(at.path), at.path, format)));
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
