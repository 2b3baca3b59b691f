/**
 * Which reader a file needs — by the format asked for, the extension, or the first bytes —
 * and the bytes-to-tensor step for each. Pure: no file system here (read.ts has that).
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { pickArray, refuseKey, type Container } from './container.js';
import { parseCsv } from './csv.js';
import { jsonContainer, parseJson } from './json.js';
import { Cursor, skipBom } from './json-cursor.js';
import { severalValues } from './json-scan.js';
import { parseJsonLines } from './jsonl.js';
import { isTar, refuseForeign } from './foreign.js';
import { isNpy, parseNpy } from './npy.js';
import { isZip, parseNpz } from './npz.js';
import { looksLikeSafetensors, parseSafetensors } from './safetensors.js';
import { looksLikeTorch, parseTorch, pickTorch, severalTensors } from './torch/torch.js';

export { binaryFormat, FORMATS, formatOfPath, TEXT_FORMATS, type Format } from './extensions.js';
import { binaryFormat, formatOfPath, type Format } from './extensions.js';

/** How many first bytes decide what an input is. */
export const SNIFF_BYTES = 4096;

/** How messages name a format. */
export const FORMAT_NAMES: Record<Format, string> = {
  npy: 'an NPY file',
  npz: 'an npz archive',
  safetensors: 'a safetensors file',
  pt: 'a torch.save file',
  csv: 'CSV text',
  tsv: 'TSV text',
  json: 'JSON',
  jsonl: 'JSON Lines',
};

/**
 * NPY magic → npy; a zip whose directory holds `<folder>/data.pkl`, or the legacy magic
 * number → pt (torch.save; `.bin` files are told apart so); other zip magic ("PK") → npz; an
 * 8-byte length then '{' → safetensors; a first non-space '[' or '{' → json; anything else → csv.
 * `buf` may be the first bytes of a file of `size` bytes (a safetensors header may be longer).
 */
export function sniffFormat(buf: Uint8Array, size = buf.length): Format {
  if (isNpy(buf)) return 'npy';
  if (looksLikeTorch(buf)) return 'pt';
  if (isZip(buf)) return 'npz';
  if (looksLikeSafetensors(buf, size)) return 'safetensors';
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  return buf[i] === 0x5b || buf[i] === 0x7b ? 'json' : 'csv';
}

/**
 * Text is UTF-8 without NUL bytes: why the first bytes of an input cannot be text, or
 * undefined when they can. With `utf8` false only a NUL byte counts (a file named as text may
 * be in another encoding, its letters replaced when decoded).
 */
function notText(buf: Uint8Array, utf8 = true): string | undefined {
  const head = buf.subarray(0, SNIFF_BYTES);
  const nul = head.indexOf(0);
  if (nul !== -1) return `a NUL byte at byte ${nul}`;
  if (!utf8) return undefined;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true }); // a cut character at the end is fine
  } catch {
    return `not UTF-8 in the first ${head.length} bytes`;
  }
  return undefined;
}

/**
 * Refuses first bytes that are not text for a text format: binary data of unknown format when
 * the format was sniffed (no NPY, zip or safetensors magic either), else not the format asked
 * for. `utf8` false looks for NUL bytes only (see notText).
 */
export function checkText(buf: Uint8Array, format: Format, source: string, asked: boolean, utf8 = true): void {
  const why = binaryFormat(format) ? undefined : notText(buf, utf8);
  if (why === undefined) return;
  throw new InputError(
    asked ? `binary data, not ${FORMAT_NAMES[format]}: ${why}` : `binary data of unknown format: ${why}, and no NPY, npz or safetensors header`,
    source,
  );
}

/**
 * The format of an input with none asked for, from its first bytes; a binary format that
 * losscalc does not read (foreign.ts), or binary data of no known format, is an error.
 */
export function sniffInput(buf: Uint8Array, source: string): Format {
  const format = sniffFormat(buf);
  checkContent(buf, format, source);
  checkText(buf, format, source, false);
  return format;
}

/**
 * The format of the bytes `buf`: `format` (asked for, or named by the extension) checked
 * against them, since magic numbers are certain and a NUL byte is never text; or, when
 * undefined, sniffed from them.
 */
export function contentFormat(buf: Uint8Array, source: string, format: Format | undefined): Format {
  if (format === undefined) return sniffInput(buf, source);
  checkContent(buf, format, source);
  checkText(buf, format, source, true, false);
  return format;
}

export interface ParseOptions {
  /** The format; sniffed from the bytes when undefined. */
  format?: Format;
  /** The field separator of CSV text; '\t' for tsv and ',' for csv by default. */
  delimiter?: string;
  /** Whether the first row of CSV text is a header; undefined: by the header rule (csv-header.ts). */
  header?: boolean;
  /** The array to pick in a container (.npz, .safetensors, a JSON object). */
  key?: string;
}

/** The bytes of one input as a tensor; `source` names it in errors. */
export function parseInput(buf: Uint8Array, source: string, opts: ParseOptions = {}): Tensor {
  refuseEmpty(buf, source);
  const { key } = opts;
  const format = contentFormat(buf, source, opts.format);
  switch (format) {
    case 'npy':
      refuseKey(FORMAT_NAMES.npy, key, source);
      return parseNpy(buf, source);
    case 'npz':
      return pickArray(parseNpz(buf, source), key, source);
    case 'safetensors':
      return pickArray(parseSafetensors(buf, source), key, source);
    case 'pt':
      return pickTorch(parseTorch(buf, source), key, source);
    case 'json':
      if (opts.format === undefined && jsonLines(buf)) {
        refuseKey(FORMAT_NAMES.jsonl, key, source);
        return parseJsonLines(buf, source);
      }
      return parseJson(buf, source, key);
    case 'jsonl':
      refuseKey(FORMAT_NAMES.jsonl, key, source);
      return parseJsonLines(buf, source);
    case 'csv':
    case 'tsv':
      refuseKey(FORMAT_NAMES[format], key, source);
      return parseCsv(decodeText(buf), source, { delimiter: delimiterOf(format, opts.delimiter), header: opts.header });
  }
}

/** No bytes at all: an empty file, or nothing on standard input. */
export function refuseEmpty(buf: Uint8Array, source: string): void {
  if (buf.length === 0) throw new InputError(source === '-' ? 'no data on standard input' : 'empty file', source);
}

/** Formats whose files hold several named arrays. */
export const CONTAINER_FORMATS: readonly Format[] = ['npz', 'safetensors', 'json', 'pt'];

/**
 * The arrays of one input by name, when its format holds several (an npz archive, a
 * safetensors file, a JSON object, a torch.save file of a dict or list); undefined when it
 * holds one array.
 */
export function parseContainer(buf: Uint8Array, source: string, format?: Format): Container | undefined {
  refuseEmpty(buf, source);
  switch (contentFormat(buf, source, format)) {
    case 'npz':
      return parseNpz(buf, source);
    case 'safetensors':
      return parseSafetensors(buf, source);
    case 'json':
      return jsonContainer(buf, source);
    case 'pt':
      return severalTensors(parseTorch(buf, source));
    default:
      return undefined;
  }
}

/** The delimiter of CSV or TSV text: the one asked for, or the format's own. */
export function delimiterOf(format: 'csv' | 'tsv', delimiter: string | undefined): string {
  return delimiter ?? (format === 'tsv' ? '\t' : ',');
}

/** UTF-8 text; a BOM is dropped, invalid bytes become U+FFFD (and then fail as numbers). */
export function decodeText(buf: Uint8Array): string {
  return new TextDecoder('utf-8').decode(buf);
}

/**
 * Magic numbers are certain, whatever the name or --format says: NPY, torch.save or zip magic
 * means that format and no other; one of a format losscalc does not read (foreign.ts: a
 * pickle, HDF5, tar, zstd) is refused by name, unless the bytes are NPY, zip or safetensors.
 */
export function checkContent(buf: Uint8Array, format: Format, source: string): void {
  const actual = isNpy(buf) ? 'npy' : isZip(buf) ? zipFormat(buf, format) : looksLikeTorch(buf) ? 'pt' : undefined;
  if (actual === 'npz' && format === 'pt') {
    throw new InputError('this zip archive holds no data.pkl, so it is not a torch.save file (a save that stopped part-way, or an npz archive named .pt)', source);
  }
  if (actual !== undefined && actual !== format) {
    throw new InputError(`this is ${FORMAT_NAMES[actual]} (by its first bytes), not ${FORMAT_NAMES[format]}`, source);
  }
  // a tar named .pt is torch.save from before 1.0: the torch reader says so
  if (actual === undefined && !looksLikeSafetensors(buf) && !(format === 'pt' && isTar(buf))) refuseForeign(buf, source);
}

/**
 * A zip archive is a torch.save file or an npz archive by its central directory; when that is
 * out of reach (the first bytes of a stream), either may be, and the reader decides.
 */
function zipFormat(buf: Uint8Array, format: Format): Format {
  const torch = looksLikeTorch(buf);
  if (torch === undefined && (format === 'pt' || format === 'npz')) return format;
  return torch ? 'pt' : 'npz';
}

/** A sniffed JSON text with a second value on a later line is JSON Lines. */
export function jsonLines(buf: Uint8Array): boolean {
  const c = new Cursor(buf, 0, buf.length);
  skipBom(c);
  return severalValues(c);
}

/**
 * The format a --format flag imposes on one spec: it applies to standard input and to files
 * whose extension names no format, so `--format csv` for a pipe leaves labels.npy alone.
 */
export function formatFor(spec: string, format: Format | undefined): Format | undefined {
  if (format === undefined) return undefined;
  const stdin = spec === '-' || spec.startsWith('-:');
  return stdin || formatOfPath(spec.replace(/:[^:/\\]*$/, '')) === undefined ? format : undefined;
}
