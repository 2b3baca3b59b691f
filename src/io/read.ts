/**
 * Reading a tensor from a path: the reader is picked by extension (.npy, .csv, .txt, .tsv,
 * .json), or by sniffing the content when the extension says nothing. File-system failures
 * become InputErrors naming the path. `parseList` reads inline values such as `1,2,0.5`.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { parseCsv, parseNumber } from './csv.js';
import { parseJson } from './json.js';
import { parseNpy } from './npy.js';

export type Format = 'npy' | 'csv' | 'tsv' | 'json';

const BY_EXTENSION: Record<string, Format> = { '.npy': 'npy', '.csv': 'csv', '.txt': 'csv', '.tsv': 'tsv', '.json': 'json' };

/** The format an extension names (case-insensitive), or undefined. */
export function formatOfPath(path: string): Format | undefined {
  const ext = extname(path).toLowerCase();
  return Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext] : undefined;
}

/** NPY magic → npy; a first non-space '[' or '{' → json; anything else → csv. */
export function sniffFormat(buf: Uint8Array): Format {
  if (buf[0] === 0x93 && buf[1] === 0x4e && buf[2] === 0x55 && buf[3] === 0x4d && buf[4] === 0x50 && buf[5] === 0x59) return 'npy';
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  return buf[i] === 0x5b || buf[i] === 0x7b ? 'json' : 'csv';
}

/** The file's bytes as a tensor; `source` names it in errors. */
export function parseTensor(buf: Uint8Array, source: string, format?: Format): Tensor {
  if (buf.length === 0) throw new InputError('empty file', source);
  const fmt = format ?? sniffFormat(buf);
  if (fmt === 'npy') return parseNpy(buf, source);
  if (buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) {
    throw new InputError('a zip archive (.npz?) is not a supported input', source);
  }
  const text = new TextDecoder('utf-8').decode(buf); // drops a BOM
  if (fmt === 'json') return parseJson(text, source);
  return parseCsv(text, source, { delimiter: fmt === 'tsv' ? '\t' : ',' });
}

export async function readTensor(path: string): Promise<Tensor> {
  let buf: Uint8Array;
  try {
    if ((await stat(path)).isDirectory()) throw new InputError('is a directory', path);
    buf = await readFile(path);
  } catch (e) {
    throw fileError(e, path);
  }
  return parseTensor(buf, path, formatOfPath(path));
}

export function readTensorSync(path: string): Tensor {
  let buf: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new InputError('is a directory', path);
    buf = readFileSync(path);
  } catch (e) {
    throw fileError(e, path);
  }
  return parseTensor(buf, path, formatOfPath(path));
}

function fileError(e: unknown, path: string): InputError {
  if (e instanceof InputError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputError('no such file', path);
  if (code === 'EISDIR') return new InputError('is a directory', path);
  if (code === 'EACCES' || code === 'EPERM') return new InputError('cannot read: permission denied', path);
  return new InputError(`cannot read: ${e instanceof Error ? e.message : String(e)}`, path);
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
