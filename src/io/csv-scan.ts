/**
 * The open pass over a CSV/TSV file read in blocks (csv-file.ts): one quick walk over its rows
 * (csv-rows.ts) that decides the header by csv-header.ts's rule, from the first two rows' cells
 * as they pass; counts the data rows and columns; notes where some rows start, so that a
 * thread can begin mid-file; and parses the rows that start in the first
 * `csvChecks.openBytes` bytes, so that a small file's bad cell fails the open, before
 * anything checks shapes, as parseCsv does; the later rows' cells are only counted, so that a
 * ragged row anywhere fails the open too. Any surprise (a bad cell, a ragged row, a bad
 * quote, no data, only a header, a NUL byte, line breaks papaparse would have to guess: a lone
 * CR, or both "\n" and "\r\n" ending rows) gives undefined: the ordinary reader reads the file whole and
 * throws the error it always throws, with its line and column.
 */
import { readSync, type Stats } from 'node:fs';
import { parseNumber } from './csv-cells.js';
import { HeaderRule } from './csv-header.js';
import { unnamedColumn } from './csv.js';
import { BAD, CsvRows, DELIMITER, ROW_END, type CellEnd } from './csv-rows.js';
import { SNIFF_BYTES } from './format.js';
import { streaming } from './npy-file.js';
import { textToRead } from './text-head.js';

export const csvChecks = {
  /**
   * The rows that start in the first `openBytes` bytes are parsed when the file is opened, so
   * that their errors come first; later rows are parsed only when read. LOSSCALC_CSV_OPEN_BYTES
   * overrides it (the tests check nothing at the open, to reach the errors found in reading).
   */
  openBytes: process.env.LOSSCALC_CSV_OPEN_BYTES ? Number(process.env.LOSSCALC_CSV_OPEN_BYTES) : 4 << 20,
  /**
   * A layout is shared only for a file last changed this long before it was scanned: a file
   * written in the last moments may change again within its timestamps' resolution.
   */
  settledMs: 2000,
  /**
   * papaparse guesses a file's line break from its first 1M characters, at most 4 MiB: a bad
   * quote past them in a file read as csv-rows.ts reads it so far is its error (csv-errors.ts);
   * one before them leaves the file to the ordinary reader.
   */
  guessBytes: 4 << 20,
};

/** Where the data rows of a file are. */
export interface Layout {
  rows: number;
  columns: number;
  /** The file's size in bytes, modification and status-change times when it was scanned. */
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Byte offsets of some data rows (or of blank rows just before them), ascending, with their row numbers; the first is row 0. */
  markRows: number[];
  markOffsets: number[];
  /** The first row is a header; it is data by the rule, with names among its cells (an error's hint says so). */
  headed: boolean;
  guessed: boolean;
  /** Rows end in "\r\n" (papaparse's line break, not part of the last cell). */
  crlf: boolean;
  /** A row in the first ones or in the first `csvChecks.openBytes` bytes is bad, or a row is ragged: the file has an error (csv-errors.ts finds it). */
  bad: boolean;
}

/**
 * Bytes of text per chunk read, of values per block handed out, and between marks: 1 MiB, or
 * less when the tests ask for tiny blocks (streaming.blockBytes). Each page a buffer touches
 * costs a fault; 1 MiB is as fast as 4 and keeps the peak lower.
 */
export function blockBytes(): number {
  return Math.min(streaming.blockBytes, 1 << 20);
}

/**
 * How far apart the marks are, so that a read of any rows (a thread's next chunk) skips little
 * before its first: a mark every 64 KiB of text (less with tiny blocks), and every 1024 rows
 * of short rows (a column of labels), but these never closer than 1/65536 of the file apart:
 * at most 65,536 marks more than one per 64 KiB, however many rows the file has.
 */
export function markSpacing(size: number): { bytes: number; rows: number; minBytes: number } {
  return { bytes: Math.min(blockBytes(), 1 << 16), rows: 1024, minBytes: Math.floor(size / 65536) };
}

/** What the first rows' cells said. */
interface FirstRow {
  /** The row's file offset, and its cell count. */
  offset: number;
  cells: number;
  /** Every cell is a number; the first empty cell (a header's unnamed column), or -1. */
  numbers: boolean;
  unnamed: number;
}

/**
 * The columns a table reader reads, given the header's cells (undefined without a header) and
 * the column count: 1 for a column read, 0 for one never read. Throws the table reader's
 * error for a column it cannot find.
 */
export type ChooseColumns = (header: string[] | undefined, columns: number) => Uint8Array;

/**
 * The layout of a file whose rows papaparse would read as this reader does, or undefined.
 * Every column is read unless `choose` says which are (a --label-column table); the header's
 * cells are then kept as text, for their names.
 */
export function scanLayout(
  fd: number,
  stats: Stats,
  path: string,
  delim: number,
  ws: Uint8Array,
  header: boolean | undefined,
  choose?: ChooseColumns,
): Layout | undefined {
  const { size } = stats;
  if (size === 0) return undefined;
  const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
  readSync(fd, head, 0, head.length, 0);
  if (!textToRead(head, size, path)) return undefined;
  const rows = new CsvRows(fd, 0, Math.min(size + 1, blockBytes()), path, delim, ws, true);
  try {
    return rows.skipBom() ? scanRows(rows, stats, path, header, choose) : undefined;
  } finally {
    rows.w.release();
  }
}

/** scanLayout's pass over the rows, from the first. */
function scanRows(rows: CsvRows, stats: Stats, path: string, header: boolean | undefined, choose: ChooseColumns | undefined): Layout | undefined {
  const { size } = stats;
  const rule = new HeaderRule();
  const texts: string[][] = [[], []]; // the first two rows' cells, for a table
  // once the rule needs no more of a row than how many numbers it holds (no table's names), its
  // plain numbers pass in bulk: a wide first row costs no string per cell
  const first = firstRow(
    rows,
    (text, number) => {
      if (number) rule.firstNumber(text);
      else rule.first(text());
      if (choose) texts[0].push(text());
    },
    () => !choose && !rule.wantsCells(0),
    (n) => rule.firstNumbers(n),
  );
  if (first === undefined || first === null) return undefined; // no rows: parseCsv says why
  const second = firstRow(
    rows,
    (text) => {
      rule.below(text);
      if (choose) texts[1].push(text());
    },
    () => !choose && !rule.wantsCells(1),
    () => {},
  );
  if (second === null) return undefined;
  const headed = header ?? (second === undefined ? rule.allNames() : rule.isHeader());
  if (headed && second === undefined) return undefined; // only a header
  const columns = first.cells;
  let read: Uint8Array | undefined; // the columns read, when not all are
  let bad = false;
  // a header the reader refuses (an unnamed column, a column the table does not have): its
  // error, once the file is known to be read as papaparse reads it (its line breaks)
  let refused: unknown;
  if (choose) {
    try {
      read = choose(headed ? texts[0] : undefined, columns);
    } catch (e) {
      refused = e;
      read = new Uint8Array(columns);
    }
    if (second !== undefined && second.cells !== columns) bad = true;
    for (const cells of headed ? texts.slice(1) : texts) {
      for (let c = 0; c < cells.length; c++) if (read[c] === 1 && parseNumber(cells[c]) === undefined) bad = true;
    }
  } else {
    if (headed && first.unnamed !== -1) refused = unnamedColumn(first.unnamed, path);
    if (!headed && !first.numbers) bad = true;
    if (second !== undefined && (second.cells !== columns || !second.numbers)) bad = true;
  }
  let dataRows = headed ? 1 : second === undefined ? 1 : 2;
  const markRows = [0];
  const markOffsets = [headed ? second!.offset : first.offset];

  const marks = markSpacing(size);
  const checkBytes = csvChecks.openBytes;
  // the values of a row (those of the columns read), checked a block of them at a time: a
  // row wider than a block is never held
  const width = read === undefined ? columns : read.reduce((n, r) => n + r, 0);
  const out = new Float64Array(Math.max(1, Math.min(width, Math.floor(blockBytes() / 8))));
  const pick = read && Int32Array.from(read, (r) => r - 1);
  // rows of plain numbers, every column read, are parsed many at a time (csv-plain.ts plainRows)
  const bulkValues = Math.min(512, Math.floor(blockBytes() / 8));
  const bulk = read === undefined && 2 * width <= bulkValues ? new Float64Array(bulkValues) : undefined;
  const check = (): boolean | undefined => {
    for (let left = width; left > 0; left -= out.length) {
      const ok = rows.values(out, 0, Math.min(left, out.length), columns, width, pick);
      if (ok !== true) return ok;
    }
    return true;
  };
  let lastMark = markOffsets[0];
  let lastMarkRow = 0;
  for (;;) {
    if (!rows.startRow()) break;
    const offset = rows.offset();
    if (offset - lastMark >= marks.bytes || (dataRows - lastMarkRow >= marks.rows && offset - lastMark >= marks.minBytes)) {
      markRows.push(dataRows);
      markOffsets.push(offset);
      lastMark = offset;
      lastMarkRow = dataRows;
    }
    const parse = offset < checkBytes && refused === undefined && !bad;
    // plain rows many at a time, up to the next mark (none but the first is where a mark goes)
    const most = marks.rows - (dataRows - lastMarkRow);
    const stopAt = lastMark + marks.bytes;
    let n = 0;
    if (!parse && most > 1) n = rows.countRows(most, columns, stopAt);
    else if (parse && bulk !== undefined && most > 1) n = rows.plainRows(bulk, 0, Math.min(most, Math.floor(bulk.length / width)), columns, Math.min(stopAt, checkBytes));
    dataRows += n;
    if (n > 0) continue;
    // a row past them is not parsed, but its cells are counted: a ragged row anywhere is the
    // file's error before its shape is compared with anything
    const ok = parse ? check() : rows.skipRow(true, columns);
    if (ok === undefined) break; // a blank row, then the end
    // a bad cell or a ragged row: the rest of the file is read only to see that papaparse reads
    // it as csv-rows.ts does; a bad quote ends the pass
    if (ok === false && !rows.broken && (!parse || rows.restOfRow())) bad = true;
    if (rows.broken) {
      if (offset < csvChecks.guessBytes || !readAlike(rows)) return undefined;
      bad = true;
      break;
    }
    dataRows++;
  }
  if (!readAlike(rows)) return undefined;
  if (refused !== undefined) throw refused;
  const guessed = header === undefined && !headed && rule.names > 0;
  return { rows: dataRows, columns, size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, markRows, markOffsets, headed, guessed, crlf: rows.crBreaks > 0, bad };
}

/** Whether papaparse reads the bytes read so far as csv-rows.ts reads them (no guess needed). */
function readAlike(rows: CsvRows): boolean {
  const { w } = rows;
  return !w.sawNul && !w.loneCR && (rows.crBreaks === 0 || rows.crBreaks === rows.breaks) && !(rows.strayQuote && w.sawCR);
}

/**
 * The next row's cells, each given to `cell`: a number as its value, with its text decoded
 * only if `text()` is called; anything else as text. While `inBulk()`, plain numbers are
 * given to `numbers` by their count instead. Undefined at the end of the file, null on a bad
 * quote.
 */
function firstRow(rows: CsvRows, cell: (text: () => string, number: boolean) => void, inBulk: () => boolean, numbers: (n: number) => void): FirstRow | undefined | null {
  const value = new Float64Array(1);
  const scratch = new Float64Array(Math.max(1, Math.min(1024, Math.floor(blockBytes() / 8))));
  const text = (): string => rows.text();
  for (;;) {
    if (!rows.startRow()) return undefined;
    const found: FirstRow = { offset: rows.offset(), cells: 0, numbers: true, unnamed: -1 };
    let end: CellEnd;
    do {
      // plain numbers followed by a delimiter: neither a blank row nor a row's end
      for (let n = inBulk() ? scratch.length : 0; n === scratch.length; ) {
        n = rows.plainNumbers(scratch, 0, scratch.length);
        numbers(n);
        found.cells += n;
      }
      end = rows.cell();
      if (end === BAD) return null;
      const number = rows.number(value, 0);
      const empty = !number && text().trim() === '';
      if (found.cells === 0 && end === ROW_END && empty) break; // a blank row
      cell(text, number);
      if (!number) found.numbers = false;
      if (empty && found.unnamed === -1) found.unnamed = found.cells;
      found.cells++;
    } while (end === DELIMITER);
    if (found.cells > 0) return found;
  }
}
