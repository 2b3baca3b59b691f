/**
 * Names of the classes for the per-class table: from --class-names (a text file with one name
 * a line, or a JSON list of strings), or from the header of the logits CSV, whose columns are
 * the classes. A few lines of a file, read whole or up to its second row.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InputError, readError } from '../errors.js';
import { whitespace } from './csv-cells.js';
import { isHeader } from './csv-header.js';
import { BAD, CsvRows, DELIMITER, ROW_END } from './csv-rows.js';
import { openForBlocks } from './csv-window.js';
import { formatOfPath } from './extensions.js';
import { isGzip } from './foreign.js';
import { delimiterOf, type Format } from './format.js';

/** The most of a --class-names file read: a name a class is a few MB even for a large vocabulary. */
export const CLASS_NAMES_LIMIT = 64 << 20;

/**
 * --class-names: JSON when the text starts with '[', else one name a line: the empty lines at the
 * end are dropped (an editor's trailing newlines), an empty line before a name is refused.
 */
export function readClassNames(path: string, classes: number): string[] {
  const text = readCapped(path).replace(/^\uFEFF/, '');
  let names: string[];
  if (text.trimStart().startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (e) {
      throw new InputError(`not a JSON list of class names: ${(e as Error).message}`, path);
    }
    if (!Array.isArray(list)) throw new InputError('not a JSON list of class names', path);
    const bad = list.findIndex((n) => typeof n !== 'string');
    if (bad !== -1) throw new InputError(`item ${bad} of the JSON list is ${JSON.stringify(list[bad])}, not a string (a class name)`, path);
    names = list as string[];
  } else {
    names = text.split(/\r?\n/);
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
    const blank = names.indexOf('');
    if (blank !== -1) throw new InputError(`line ${blank + 1} is empty: one class name a line (a JSON list can hold an empty name)`, path);
  }
  if (names.length !== classes) throw new InputError(`holds ${names.length} class names, but the logits have ${classes} classes`, path);
  return names;
}

/**
 * The file's text, read up to CLASS_NAMES_LIMIT bytes and refused beyond: a device such as
 * /dev/zero never ends, so the rest is never read (nor its size trusted).
 */
function readCapped(path: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, CLASS_NAMES_LIMIT + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > CLASS_NAMES_LIMIT) throw new InputError(`holds more than ${CLASS_NAMES_LIMIT >> 20} MiB: not a list of class names (one a line, or a JSON list)`, path);
    }
  } catch (e) {
    throw readError(e, path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/**
 * The header of a CSV/TSV logits file, when it has one (by --header/--no-header or the header
 * rule, csv-header.ts) and names its columns: pandas' column numbers (0, 1, ...) name nothing.
 * Undefined for anything but a plain CSV/TSV file (standard input, gzip, another format).
 */
export function csvHeaderNames(spec: string, opts: { format?: Format; delimiter?: string; header?: boolean }): string[] | undefined {
  const format = opts.format ?? formatOfPath(spec);
  if ((format !== 'csv' && format !== 'tsv') || spec === '-' || spec.startsWith('-:')) return undefined;
  try {
    if (!statSync(spec).isFile()) return undefined;
  } catch {
    return undefined; // the readers said what was wrong, if anything
  }
  const delimiter = delimiterOf(format, opts.delimiter);
  const fd = openForBlocks(spec);
  if (fd === undefined) return undefined;
  const head = new Uint8Array(2);
  readSync(fd, head, 0, 2, 0);
  if (isGzip(head)) return void closeSync(fd);
  const delim = delimiter.charCodeAt(0);
  const rows = new CsvRows(fd, 0, 1 << 16, spec, delim, whitespace(delim));
  try {
    if (!rows.skipBom()) return undefined;
    const [first, second] = [firstCells(rows), firstCells(rows)];
    if (first === undefined) return undefined;
    if (!(opts.header ?? isHeader(first, second ?? []))) return undefined;
    const names = first.map((n) => n.trim());
    return names.every((n, c) => n === String(c)) ? undefined : names;
  } finally {
    rows.w.release();
    closeSync(fd);
  }
}

/** The cells of the next row that is not blank, or undefined at the end (or at a bad quote). */
function firstCells(rows: CsvRows): string[] | undefined {
  for (;;) {
    if (!rows.startRow()) return undefined;
    const cells: string[] = [];
    let end;
    do {
      end = rows.cell();
      if (end === BAD) return undefined;
      if (cells.length === 0 && end === ROW_END && rows.blank()) break;
      cells.push(rows.text());
    } while (end === DELIMITER);
    if (cells.length > 0) return cells;
  }
}
