/**
 * The first error in a CSV/TSV file, found by reading it from its start at the byte level
 * (csv-rows.ts) and said in parseCsv's and parseTable's words (csv.ts): a file of any size
 * with a bad cell gets the error a small one gets, without being read whole. Only for a file
 * that papaparse reads as csv-rows.ts does (csv-scan.ts says which).
 *
 * The order is theirs: rows in order; in a row, a bad quote, then a ragged row, then the
 * first bad cell among the columns checked, in the order they are checked; and the first
 * row's errors only once the second row has no bad quote (the first row waits for the second
 * to decide the header).
 */
import { openSync } from 'node:fs';
import type { InputError } from '../errors.js';
import { whitespace } from './csv-cells.js';
import { notANumber, parserError, raggedRow, type CsvOptions } from './csv.js';
import { BAD, CsvRows, DELIMITER, ROW_END } from './csv-rows.js';
import { blockBytes } from './csv-scan.js';
import { use } from './csv-window.js';

export interface RowRules {
  opts: CsvOptions;
  /** The first row is a header (by the rule or the option); the number of columns. */
  headed: boolean;
  columns: number;
  /** The first row is read as data by the rule, and some of its cells are names (a hint then says so). */
  guessed: boolean;
  /** Rows end in "\r\n": the CR is no part of the last cell. */
  crlf: boolean;
  /** The columns whose cells must be numbers, in the order they are read (a table's label first); every column by default. */
  order?: readonly number[];
  /** What follows column c's number in a message (a table's ` ("name")`). */
  name?: (c: number) => string;
}

/** A bad cell: its column, the line it starts on, its text. */
interface BadCell {
  c: number;
  line: number;
  text: string;
}

export function firstError(path: string, rules: RowRules): InputError | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // the ordinary reader says why
  }
  const delim = rules.opts.delimiter!.charCodeAt(0);
  return use(fd, () => {
    const rows = new CsvRows(fd, 0, blockBytes(), path, delim, whitespace(delim));
    try {
      return scanForError(rows, path, rules);
    } finally {
      rows.w.release();
    }
  });
}

function scanForError(rows: CsvRows, path: string, rules: RowRules): InputError | undefined {
  rows.skipBom();
  const { columns } = rules;
  const rank = new Int32Array(columns).fill(-1); // where a column comes in the order, -1 if unchecked
  (rules.order ?? Array.from({ length: columns }, (_, c) => c)).forEach((c, k) => (rank[c] = k));
  const scratch = new Float64Array(1);
  let pending: InputError | undefined; // the first row's, until the second has no bad quote
  for (let r = 0; ; r++) {
    if (!rows.startRow()) return pending;
    const rowLine = rows.line;
    let cells = 0;
    let bad: BadCell | undefined;
    let end;
    do {
      const line = rows.line;
      end = rows.cell();
      if (end === BAD) return parserError(line, rows.bad, path);
      if (cells === 0 && end === ROW_END && rows.blank()) break;
      const checked = cells < columns && rank[cells] >= 0 && !(r === 0 && rules.headed);
      if (checked && (bad === undefined || rank[cells] < rank[bad.c]) && !rows.number(scratch, 0)) {
        const text = rows.text();
        const cr = rules.crlf && end === ROW_END && !rows.quoted && text.endsWith('\r');
        bad = { c: cells, line, text: cr ? text.slice(0, -1) : text };
      }
      cells++;
    } while (end === DELIMITER);
    if (cells === 0) {
      r--; // a blank row
      continue;
    }
    if (pending) return pending;
    let error: InputError | undefined;
    if (r > 0 && cells !== columns) error = raggedRow(rowLine, cells, columns, path);
    else if (bad) {
      const row = { line: rowLine, guessed: r === 0 && rules.guessed };
      error = notANumber(row, bad.line, bad.c, rules.name?.(bad.c) ?? '', bad.text, path, rules.opts);
    }
    if (error && r === 0) pending = error;
    else if (error) return error;
  }
}

