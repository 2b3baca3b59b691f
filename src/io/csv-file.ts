/**
 * A CSV/TSV file read a block of rows at a time, parsed at the byte level through one reused
 * buffer (csv-rows.ts), so that a 300 MB dump, or a row of 100 MB, needs a few MB and no
 * strings beyond its header's and its odd cells'.
 *
 * Opening the file makes one pass over it (csv-scan.ts) that finds its layout: the header by
 * the one rule, the rows and columns, and marks from which a thread can begin mid-file; the
 * rows read then are csv-values.ts's. A bad row in the first ones, or in the first
 * `csvChecks.openBytes` bytes, or a ragged row anywhere, fails the open with the file's first
 * error (csv-errors.ts), in parseCsv's words, before its shape meets another's; a later bad
 * cell fails the read that meets it, the same way. A file papaparse
 * may read otherwise (line breaks it would guess, a NUL byte, a bad quote in its first bytes)
 * is left to the ordinary reader, which reads it whole. The layout
 * is shared with the worker threads (shared-layouts.ts), so that they skip the pass. A cell
 * longer than `csvLimits.maxCellBytes` is an error: no buffer
 * grows without end.
 */
import { fstatSync, readFileSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { readError, type InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import { whitespace } from './csv-cells.js';
import { firstError, type RowRules } from './csv-errors.js';
import { csvChecks, scanLayout, type Layout } from './csv-scan.js';
import { csvValues } from './csv-values.js';
import { shareLayout, sharedLayout } from './shared-layouts.js';
import { openForBlocks, use } from './csv-window.js';
import { parseInput } from './format.js';

export { csvChecks };
export { csvLimits } from './csv-window.js';

/**
 * The file as Values of float64 (shape (N, C), or (N) for one column), or undefined when it
 * must be read whole by parseCsv. `header` is csv.ts's option: whether the first row is a
 * header, undefined for the rule.
 */
export function openCsvFile(path: string, format: 'csv' | 'tsv', delimiter: string, header?: boolean): Values | undefined {
  if (!blockDelimiter(delimiter)) return undefined;
  const fd = openForBlocks(path);
  if (fd === undefined) return undefined; // the ordinary reader says why
  const layout = use(fd, () => {
    const stats = fstatSync(fd);
    const key = `losscalc:csv-layout:${resolve(path)}\0${delimiter}\0${header}`;
    const known = sharedLayout<SharedLayout>(key);
    if (known !== undefined && sameFile(known.file, stats)) return known.layout;
    const started = Date.now();
    const delim = delimiter.charCodeAt(0);
    const found = scanLayout(fd, stats, path, delim, whitespace(delim), header);
    if (found !== undefined && !found.bad && Math.max(stats.mtimeMs, stats.ctimeMs) < started - csvChecks.settledMs) {
      shareLayout(key, { file: fileId(stats), layout: found } satisfies SharedLayout);
    }
    return found;
  });
  if (layout === undefined) return undefined;
  const rules: RowRules = { opts: { delimiter, header }, headed: layout.headed, columns: layout.columns, guessed: layout.guessed, crlf: layout.crlf };
  const error = (): InputError | undefined => firstError(path, rules);
  if (layout.bad) {
    const e = error();
    if (e === undefined) return undefined; // no error in its rows after all: the ordinary reader reads it
    throw e;
  }
  const whole = (): Tensor => parseInput(readBytes(path), path, { format, delimiter, header });
  return csvValues(path, delimiter, layout, { width: layout.columns }, { error, whole });
}

/** A layout, and the file it is the layout of. */
interface SharedLayout {
  file: FileId;
  layout: Layout;
}

type FileId = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

function fileId(s: Stats): FileId {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

function sameFile(a: FileId, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Whether `delimiter` is one ASCII character that cannot be part of a number, a token, a line break or a quote. */
export function blockDelimiter(delimiter: string): boolean {
  return SAFE_DELIMITER.test(delimiter) && !NOT_DELIMITER.test(delimiter);
}

const SAFE_DELIMITER = /^[\t\x20-\x7e]$/;
const NOT_DELIMITER = /[0-9A-Za-z+\-."#]/;

/** The bytes of the file at `path`, its failures as InputErrors. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw readError(e, path);
  }
}
