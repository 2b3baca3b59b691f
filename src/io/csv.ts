/**
 * CSV/TSV text: a row per sample, a column per class, parsed by papaparse into a Float64Array
 * as the rows arrive. A header row is skipped (csv-header.ts has the rule), as are blank
 * lines and lines starting with '#' (np.savetxt's header). Numbers are read by `parseNumber`,
 * numpy's text tokens (nan, inf, ...) included. Errors name the line and column as a text
 * editor shows them.
 *
 * `scanCsv` is the shared walk over the rows (the header, line numbers, ragged rows);
 * `parseCsv` and the table reader (table.ts) decide what to do with the cells.
 */
import Papa from 'papaparse';
import { InputError, UsageError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { parseNumber } from './csv-cells.js';
import { isHeader, isName, isNumberList } from './csv-header.js';
import { Float64Buffer } from './float64-buffer.js';
import { beyond2p53, Written } from './written.js';

export { parseNumber };

export interface CsvOptions {
  /** The field separator; ',' unless given (read.ts passes '\t' for .tsv). */
  delimiter?: string;
  /** Whether the first row is a header (--header, --no-header); undefined: by the header rule. */
  header?: boolean;
}

export interface CsvRow {
  cells: string[];
  /** 1-based line of the row's first cell */
  line: number;
  /** The first row, read as data by the header rule although some of its cells are names. */
  guessed?: boolean;
}

/** What a reader does with the rows `scanCsv` finds. */
export interface RowSink {
  /** Once, before the first data row: the header row if the text has one, and the column count. */
  begin(header: CsvRow | undefined, columns: number): void;
  /** Each data row, in order; its cell count is the column count. */
  row(row: CsvRow): void;
}

export function parseCsv(text: string, source: string, opts: CsvOptions = {}): Tensor {
  const values = new Float64Buffer();
  const written = new Written();
  let columns = 0;
  const rows = scanCsv(text, source, opts, {
    begin: (header, n) => {
      refuseUnnamed(header, source);
      columns = n;
    },
    row: (row) => {
      for (let c = 0; c < columns; c++) {
        const v = cellNumber(row, c, source, opts);
        if (beyond2p53(v)) written.note(values.length, row.cells[c]);
        values.push(v);
      }
    },
  });
  const big = written.result();
  return { data: values.values(), shape: columns === 1 ? [rows] : [rows, columns], dtype: 'float64', ...(big && { written: big }) };
}

/**
 * The number in cell `c` of a row, or an InputError naming its line and column (1-based, as
 * an editor shows them); `name` follows the column number in the message.
 */
export function cellNumber(row: CsvRow, c: number, source: string, opts: CsvOptions, name = ''): number {
  const cell = row.cells[c];
  const v = parseNumber(cell);
  if (v !== undefined) return v;
  let line = row.line;
  for (let i = 0; i < c; i++) line += newlines(row.cells[i]);
  throw notANumber(row, line, c, name, cell, source, opts);
}

/**
 * The error for `cell`, in column `c` (0-based) of `row`, starting at line `line`: what every
 * CSV reader says of a cell that is not a number.
 */
export function notANumber(row: Pick<CsvRow, 'line' | 'guessed'>, line: number, c: number, name: string, cell: string, source: string, opts: CsvOptions): InputError {
  return new InputError(`line ${line}, column ${c + 1}${name}: ${describe(cell)} is not a number${hint(row, cell, opts)}`, source);
}

/** The error for a row of `cells` cells, not `columns`, starting at line `line`. */
export function raggedRow(line: number, cells: number, columns: number, source: string): InputError {
  return new InputError(`line ${line} has ${cells} columns, expected ${columns}`, source);
}

/** The error papaparse reports (`message`, in its words) at line `line`. */
export function parserError(line: number, message: string, source: string): InputError {
  return new InputError(`line ${line}: ${message.toLowerCase()}`, source);
}

/**
 * Every column of a header must have a name when every column is read: pandas writes an
 * empty one for its index, and an index read as logits would shift every class.
 */
export function refuseUnnamed(header: CsvRow | undefined, source: string): void {
  const c = header?.cells.findIndex((cell) => cell.trim() === '') ?? -1;
  if (c !== -1) throw unnamedColumn(c, source);
}

/** The error for column `c` (0-based) of a header with no name. */
export function unnamedColumn(c: number, source: string): InputError {
  return new InputError(
    `column ${c + 1} (index ${c}) has no name in the header, as pandas writes its index: write the file with index=False (one table of logits and labels can drop it instead: --label-column <name> --drop-columns ${c})`,
    source,
  );
}

/**
 * Walks the rows of delimited text, skipping blank lines and '#' comments, holding the first
 * row back until the second says whether it is a header. Returns the number of data rows.
 */
export function scanCsv(text: string, source: string, opts: CsvOptions, sink: RowSink): number {
  const fail = (message: string): never => {
    throw new InputError(message, source);
  };
  const delimiter = opts.delimiter ?? ',';
  if (delimiter === '' || /[\r\n"#]/.test(delimiter) || delimiter === '\uFEFF') {
    throw new UsageError(`delimiter ${JSON.stringify(delimiter)} cannot separate fields: it must not be empty, a quote, '#' or a line break`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') fail('empty file');

  const lines = lineCounter(text);
  let rows = 0;
  let columns = 0;
  let first: CsvRow | undefined; // held back until the next row says whether it is a header
  let caught: unknown; // thrown inside papaparse's callback, rethrown after it stops
  let lastCursor = 0;

  /** The first row is the header, or the first data row. */
  const start = (first: CsvRow, header: boolean): void => {
    sink.begin(header ? first : undefined, columns);
    if (header) return;
    if (opts.header === undefined && first.cells.some(isName)) first.guessed = true;
    append(first);
  };
  const append = (row: CsvRow): void => {
    if (row.cells.length !== columns) throw raggedRow(row.line, row.cells.length, columns, source);
    sink.row(row);
    rows++;
  };

  Papa.parse<string[]>(text, {
    delimiter,
    comments: '#',
    step: (result, parser) => {
      const cursor = result.meta.cursor;
      const cells = result.data;
      try {
        if (result.errors.length > 0) {
          const e = result.errors[0];
          const at = typeof e.index === 'number' ? e.index : lastCursor;
          throw parserError(lines(at), e.message, source);
        }
        if (cells.length === 1 && cells[0].trim() === '') return; // a blank line
        // The row ends at its last cell's line; quoted newlines inside cells move its start up.
        const end = cursor > 0 && /[\r\n]/.test(text[cursor - 1]) ? cursor - 1 : cursor;
        const line = lines(end) - cells.reduce((n, cell) => n + newlines(cell), 0);
        const row = { cells, line };
        if (columns === 0) {
          first = row;
          columns = cells.length;
        } else {
          if (first !== undefined) {
            start(first, opts.header ?? isHeader(first.cells, cells));
            first = undefined;
          }
          append(row);
        }
      } catch (e) {
        caught ??= e;
        parser.abort();
      } finally {
        lastCursor = cursor;
      }
    },
  });
  if (caught !== undefined) throw caught;
  if (first !== undefined) {
    // a single row: a header with nothing under it if every cell is a name, otherwise data
    if (opts.header ?? first.cells.every(isName)) fail('only a header row, no data');
    start(first, false);
  }
  if (rows === 0) fail('no data: only blank lines and comments');
  return rows;
}

/** 1-based line of a character offset; offsets must not decrease between calls. */
function lineCounter(text: string): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (; at < offset && at < text.length; at++) {
      const ch = text.charCodeAt(at);
      if (ch === 10 || (ch === 13 && text.charCodeAt(at + 1) !== 10)) line++; // \n, \r\n, lone \r
    }
    return line;
  };
}

function newlines(cell: string): number {
  let n = 0;
  for (let i = 0; i < cell.length; i++) {
    const ch = cell.charCodeAt(i);
    if (ch === 10 || (ch === 13 && cell.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/**
 * np.savetxt separates with spaces by default: say so when a cell is several numbers. A first
 * row of numbers and names may be a header the rule cannot tell from data: say how to say so.
 */
function hint(row: Pick<CsvRow, 'line' | 'guessed'>, cell: string, opts: CsvOptions): string {
  if (isNumberList(cell)) return ` (the delimiter is ${JSON.stringify(opts.delimiter ?? ',')}; is the file space-separated?)`;
  return row.guessed && cell.trim() !== '' ? ` (if line ${row.line} is a header, give --header)` : '';
}

function describe(cell: string): string {
  if (cell.trim() === '') return 'an empty cell';
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 37)}...` : cell);
}
