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
import { readFileSync, statSync, type Stats } from 'node:fs';
import { InputError, readError, UsageError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { pickArray, pickKey, refuseKey, type Container } from './container.js';
import { concatBatch, joinBatch } from './concat.js';
import { parseNumber } from './csv.js';
import { withFile } from './byte-source.js';
import { foreignFormat, isGzip } from './foreign.js';
import { CONTAINER_FORMATS, contentFormat, decodeText, delimiterOf, FORMAT_NAMES, formatFor, formatOfPath, parseContainer, parseInput, refuseEmpty, SNIFF_BYTES, sniffFormat, type Format } from './format.js';
import { openCsvFile } from './csv-file.js';
import { openJsonContainer, openJsonFile, readJsonFile } from './json-file.js';
import { openNpyFile } from './npy-file.js';
import { isTorchPath, openPickedTorch, openTorchFile, pickTorch, severalTensors } from './torch/torch.js';
import { openSafetensorsFile } from './safetensors.js';
import { checkShardClasses, parseTable, type Table, type TableOptions } from './table.js';
import { openTableFile } from './table-file.js';
import type { IdColumn } from './id-column.js';
import type { Values } from '../values.js';
import { readBefore, streamOf } from './stream-input.js';

/** npz-file.ts, loaded when an archive is first opened: it brings the inflater, slow to load. */
const npzFile = () => import('./npz-file.js');

export { readStdin } from './stream-input.js';

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
 * specs are shards, each with the same columns, read one after another (concat.ts joinBatch).
 */
export async function readTable(spec: string | readonly string[], options: ReadTableOptions): Promise<Table | JoinedTable> {
  if (typeof spec === 'string') return readOneTable(spec, options);
  const tables = [];
  for (const s of spec) tables.push({ table: await readOneTable(s, options), source: s });
  return joinTables(tables);
}

/** Tables read from shards, joined one after another (their logits' columns checked to agree). */
function joinTables(tables: { table: JoinedTable & { classes?: string[] }; source: string }[]): JoinedTable {
  checkShardClasses(tables);
  return {
    logits: joinBatch(tables.map((t) => ({ tensor: t.table.logits, source: t.source }))),
    labels: joinBatch(tables.map((t) => ({ tensor: t.table.labels, source: t.source }))),
  };
}

/** A table's columns joined from shards. */
export interface JoinedTable {
  logits: Tensor | Values;
  labels: Tensor | Values;
}

/**
 * Like readTable, except that a CSV/TSV file (a regular file, or a stream settled into its
 * temporary file; not gzip) comes back as Values read in blocks (io/table-file.ts) instead of
 * being read whole, and shards are read one after another.
 */
export async function openTable(
  spec: string | readonly string[],
  options: ReadTableOptions,
): Promise<{ logits: Tensor | Values; labels?: Tensor | Values; classes?: string[]; ids?: IdColumn }> {
  if (typeof spec === 'string') {
    const at = await settle(await locate(spec, options.note), options);
    const format = at.format ?? at.sniffed;
    const csv = (format === 'csv' || format === 'tsv') && at.key === undefined;
    const table = atOffsets(at, () => (csv && !wrapped(at.path) ? openTableFile(at.path, { ...options, delimiter: delimiterOf(format, options.delimiter) }) : undefined));
    if (table) return table;
    // the ids are read again when saving: from a CSV file that can be read in blocks
    if (options.idColumn !== undefined) {
      const what = at.stdin || at.bytes ? 'standard input, read once' : csv ? 'compressed' : format === undefined ? 'not CSV' : FORMAT_NAMES[format];
      throw new InputError(`--id-column reads the ids again when saving, from a CSV/TSV file: this is ${what}`);
    }
    return readTable(spec, { ...options, note: undefined }); // noted already
  }
  if (options.idColumn !== undefined) throw new UsageError(`--id-column reads one CSV file, not ${spec.length} shards`);
  const tables = [];
  // shards have a label column (only --id-column opens a table without one)
  for (const s of spec) tables.push({ table: (await openTable(s, options)) as JoinedTable & { classes?: string[] }, source: s });
  return joinTables(tables);
}

/**
 * Like readInput, except that a file that can be read in blocks (NPY, a stored or compressed
 * NPZ entry, safetensors, torch.save, CSV/TSV, JSON/JSON Lines) comes back as Values
 * (io/npy-file.ts, io/npz.ts, io/csv-file.ts, io/json-file.ts, ...) instead of being read
 * whole, and several specs (shards) are read one after another, never copied into one tensor.
 * For the logits and other large operands; small ones gain nothing from it.
 */
export async function openInput(spec: string | readonly string[], options: ReadOptions = {}): Promise<Tensor | Values> {
  if (typeof spec !== 'string') {
    const parts = [];
    for (const s of spec) parts.push({ tensor: await openInput(s, options), source: s });
    return joinBatch(parts);
  }
  const at = await settle(await locate(spec, options.note), options);
  const format = at.format ?? at.sniffed;
  const npz = format === 'npz' ? await npzFile() : undefined;
  const values = atOffsets(at, () => {
    // gzip, or a format losscalc does not read: readInput decompresses or names it
    if (wrapped(at.path)) return undefined;
    if (format === 'npy' && at.key === undefined) return openNpyFile(at.path);
    // safetensors and torch.save: the header or pickle now, the tensor in blocks at its offset
    if (format === 'safetensors') return openPicked(openSafetensorsFile(at.path), at.key, at.path);
    if ((format === 'pt' || format === undefined) && isTorchPath(at.path)) return openPickedTorch(openTorchFile(at.path), at.key, at.path);
    if (format === undefined || format === 'json' || format === 'jsonl') {
      const json = openJsonFile(at.path, format, at.key);
      if (json !== undefined || format !== undefined) return json;
    }
    if ((format === 'csv' || format === 'tsv') && at.key === undefined) {
      return openCsvFile(at.path, format, delimiterOf(format, options.delimiter), options.header);
    }
    if (!npz) return undefined;
    return openPicked(npz.openNpzFile(at.path), at.key, at.path);
  });
  return values ?? readInput(spec, options);
}

/** The array `key` names in `container` as Values read in blocks, or undefined when it must be read whole. */
function openPicked(container: Container | undefined, key: string | undefined, path: string): Values | undefined {
  if (!container) return undefined;
  const picked = pickKey(container, key, path);
  return container.open!(picked.key, picked.source);
}

/**
 * `open` for a regular file, else undefined: the readers that read at offsets and open the
 * file again (npy-file.ts, csv-file.ts, npz.ts, worker threads) are for regular files only,
 * which a stream is once settled into its temporary file (settle). Bytes kept in memory are
 * parsed whole (load).
 */
function atOffsets<T>(at: Location, open: () => T | undefined): T | undefined {
  return at.stdin || at.bytes ? undefined : fromFile(at, (stat) => (stat.isFile() ? open() : undefined));
}

/**
 * The spec (and format) by which any thread of this process opens the bytes `spec` names,
 * read at offsets: the spec itself for a regular file; the temporary file (and key) of a
 * stream already read (standard input, a FIFO, gzip); undefined for bytes kept in memory.
 */
export async function threadSpec(spec: string, format: Format | undefined): Promise<{ spec: string; format?: Format } | undefined> {
  const at = await locate(spec);
  const found = await readableAt(at, format);
  // a deflated npz entry is read from its start on every pass: threads gain nothing
  if (found === undefined || (at.key !== undefined && (await npzFile()).isDeflatedEntry(found.path, at.key))) return undefined;
  return { spec: found.path === at.path ? spec : at.key === undefined ? found.path : `${found.path}:${at.key}`, format: found.format };
}

/** The regular file holding what `at` names (a stream's temporary file) and its format, if any. */
async function readableAt(at: Location, format: Format | undefined): Promise<{ path: string; format?: Format } | undefined> {
  if (!at.stdin && atOffsets(at, () => !isGzip(fileHead(at.path)))) return { path: at.path, format: formatFor(at.spec, format) ?? formatOfPath(at.path) };
  const read = readBefore(at);
  const kept = read && (await read);
  if (kept?.path === undefined) return undefined;
  const declared = format ?? (at.stdin ? undefined : formatOfPath(at.path));
  return { path: kept.path, format: declared ?? sniffFormat(kept.head, kept.size) };
}

/**
 * The SHA-256 of the bytes a stream gave (standard input, a FIFO, a device, a process
 * substitution: decompressed, when gzip), or undefined for a regular file, which can be
 * hashed again (digest.ts).
 */
export async function streamDigest(spec: string, options: ReadOptions = {}): Promise<string | undefined> {
  const at = await locate(spec);
  if (!at.stdin && fromFile(at, (stat) => stat.isFile())) return undefined;
  return (await streamOf(at, options)).sha256;
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
  const at = await settle(await locate(spec, options.note), options);
  const format = at.format;
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
  const found = format ?? at.sniffed;
  if (found === 'npz' || found === 'safetensors') {
    // read at offsets, not loaded whole; anything but a zip or a safetensors header is left to parseInput to name
    const npz = found === 'npz' ? await npzFile() : undefined;
    const tensor = atOffsets(at, () => {
      const archive = npz ? npz.openNpzFile(at.path) : wrapped(at.path) ? undefined : openSafetensorsFile(at.path);
      return archive && pickArray(archive, at.key, at.path);
    });
    if (tensor) return tensor;
  }
  const bytes = load(at);
  return parseInput(bytes, at.path, { format, delimiter: options.delimiter, header: options.header, key: at.key });
}

async function readOneTable(spec: string, options: ReadTableOptions): Promise<Table> {
  const at = await settle(await locate(spec, options.note), options);
  const bytes = load(at);
  refuseEmpty(bytes, at.path);
  const format = contentFormat(bytes, at.path, at.format);
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
export async function openContainer(given: Location, options: ReadOptions = {}): Promise<Container | undefined> {
  const at = await settle(given, options);
  const format = at.format;
  if (format !== undefined && !CONTAINER_FORMATS.includes(format)) return undefined;
  if (format === undefined || format === 'pt') {
    const file = atOffsets(at, () => (isTorchPath(at.path) ? openTorchFile(at.path) : undefined));
    if (file) return severalTensors(file);
  }
  if (format === undefined || format === 'npz') {
    const { openNpzFile } = await npzFile();
    const archive = atOffsets(at, () => openNpzFile(at.path)); // undefined unless a zip
    if (archive) return archive;
  }
  if (format === undefined || format === 'safetensors') {
    const file = atOffsets(at, () => (wrapped(at.path) ? undefined : openSafetensorsFile(at.path))); // undefined unless a safetensors header
    if (file) return file;
  }
  if (format === undefined || format === 'json') {
    const object = atOffsets(at, () => (wrapped(at.path) ? undefined : openJsonContainer(at.path, format)));
    if (object !== undefined) return object ?? undefined;
  }
  return parseContainer(load(at), at.path, format);
}

export interface Location {
  /** The file, or '-' for standard input. */
  path: string;
  stdin: boolean;
  key?: string;
  /** As given. */
  spec: string;
  /** The format asked for or named by the extension (of the data inside gzip); set by settle. */
  format?: Format;
  /** A stream's bytes, when few enough to be kept in memory (settle): read from here, not from `path`. */
  bytes?: Uint8Array;
  /** The format the first bytes of a stream show, once it stands at its temporary file (settle). */
  sniffed?: Format;
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

/**
 * `at` made readable: a regular file stays as it is; a stream (standard input, a FIFO, a
 * device, a gzip file: `streamOf`) is read once and then either holds its bytes in memory or
 * stands at its temporary file, a regular file that the readers read at offsets like any
 * other (its errors name `at.path`, errors.ts). `format` is what was asked for or what the
 * name says, and stays so: a file's extension still counts once it is in a temporary file.
 */
export async function settle(at: Location, options: ReadOptions): Promise<Location> {
  const format = options.format ?? (at.stdin ? undefined : formatOfPath(at.path));
  if (!at.stdin && fromFile(at, (stat) => stat.isFile() && !isGzip(fileHead(at.path)))) return { ...at, format };
  const kept = await streamOf(at, options);
  if (kept.path === undefined) return { ...at, format, bytes: kept.bytes };
  return { ...at, path: kept.path, stdin: false, format, sniffed: format ?? sniffFormat(kept.head, kept.size) };
}

/** All of the input `at` names, read as settle left it: from memory, or from its (regular) file. */
function load(at: Location): Uint8Array {
  return at.bytes ?? fromFile(at, () => readFileSync(at.path));
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
