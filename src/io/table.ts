/**
 * One CSV with everything: the logits' columns, a label column, and columns to drop (ids,
 * pandas' index). A column is named by a `ColumnRef`:
 *
 * - a number is a 0-based index; negative counts from the end (-1 is the last column); so is
 *   a string written as an integer ("3", "-1"), always, even where a header cell reads "3"
 *   (pandas' column numbers are positions too), so flag values work as given;
 * - any other string is a header name (compared without surrounding spaces).
 *
 * Every column that is neither the label nor dropped must be numeric; so must the labels.
 * Dropped columns are not read at all. A header cell with no name (pandas writes one for
 * its index) must be dropped: an index column silently read as logits would shift every
 * class. Logits are (N, C), or (N) for a single column; labels are float64 (N).
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { cellNumber, scanCsv, type CsvOptions, type CsvRow } from './csv.js';
import { Float64Buffer } from './float64-buffer.js';

export type ColumnRef = string | number;

export interface TableOptions extends CsvOptions {
  /** The column holding the labels (targets); none when the labels are a file of their own (--id-column alone). */
  labelColumn?: ColumnRef;
  /** Columns that are not data, such as ids. */
  dropColumns?: readonly ColumnRef[];
  /** The column of sample ids (--id-column): left out of the logits as a dropped column, read again when saving. */
  idColumn?: ColumnRef;
}

export interface Table {
  logits: Tensor;
  labels: Tensor;
  /** The logits' columns by name, in order, when the table has a header. */
  classes?: string[];
}

export function parseTable(text: string, source: string, opts: TableOptions): Table {
  const logits = new Float64Buffer();
  const labels = new Float64Buffer();
  let keep: number[] = [];
  let label = 0;
  let named: string[] = []; // ' ("name")' after a column's number in messages, when there is a header
  let classes: string[] | undefined;
  const rows = scanCsv(text, source, opts, {
    begin: (header, columns) => {
      const names = header?.cells.map((cell) => cell.trim());
      named = Array.from({ length: columns }, (_, c) => (names === undefined ? '' : ` (${JSON.stringify(names[c])})`));
      ({ keep, label } = chooseColumns(names, columns, opts, source));
      classes = names && keep.map((c) => names[c]);
    },
    row: (row: CsvRow) => {
      if (label >= 0) labels.push(cellNumber(row, label, source, opts, named[label]));
      for (const c of keep) logits.push(cellNumber(row, c, source, opts, named[c]));
    },
  });
  return {
    logits: { data: logits.values(), shape: keep.length === 1 ? [rows] : [rows, keep.length], dtype: 'float64' },
    labels: { data: labels.values(), shape: [rows], dtype: 'float64' },
    ...(classes && { classes }),
  };
}

/**
 * Throws unless every shard's header names the logits' columns as the first one does, in the
 * same order: shards are joined by position, and a column order of their own would swap
 * classes without a word (pandas' concat would align them by name).
 */
export function checkShardClasses(tables: readonly { table: { classes?: string[] }; source: string }[]): void {
  const [first] = tables;
  for (const { table, source } of tables.slice(1)) {
    const [a, b] = [first.table.classes, table.classes];
    if (a === undefined || b === undefined || (a.length === b.length && a.every((n, i) => n === b[i]))) continue;
    const list = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');
    throw new InputError(
      `its logits' columns are ${list(b)}, but ${first.source}'s are ${list(a)}: shards must name the same columns in the same order`,
      source,
    );
  }
}

/** The logits' columns, the label column and the id column (-1 when there is none). */
export function chooseColumns(names: string[] | undefined, columns: number, opts: TableOptions, source: string): { keep: number[]; label: number; id: number } {
  const fail = (message: string): never => {
    throw new InputError(message, source);
  };
  const label = opts.labelColumn === undefined ? -1 : resolveColumn(opts.labelColumn, 'label column', names, columns, fail);
  const id = opts.idColumn === undefined ? -1 : resolveColumn(opts.idColumn, 'id column', names, columns, fail);
  if (id >= 0 && id === label) fail(`the id column ${describeColumn(id, names)} is also the label column`);
  const dropped = new Set<number>(id >= 0 ? [id] : []);
  for (const ref of opts.dropColumns ?? []) {
    const c = resolveColumn(ref, 'column to drop', names, columns, fail);
    if (c === label) fail(`the label column ${describeColumn(c, names)} is also among the columns to drop`);
    dropped.add(c);
  }
  const keep: number[] = [];
  for (let c = 0; c < columns; c++) {
    if (c === label || dropped.has(c)) continue;
    if (names !== undefined && names[c] === '') {
      fail(`column ${c + 1} (index ${c}) has no name in the header, as pandas writes its index: drop it (--drop-columns ${c}), or name it`);
    }
    keep.push(c);
  }
  if (keep.length === 0) {
    const labelled = label >= 0 ? 'one is the label column and ' : '';
    fail(`no columns left for the logits: the table has ${columns}, ${labelled}${dropped.size} ${dropped.size === 1 ? 'is' : 'are'} dropped`);
  }
  return { keep, label, id };
}

/** The 0-based index `ref` names; `what` says which column it is in messages. */
function resolveColumn(ref: ColumnRef, what: string, names: string[] | undefined, columns: number, fail: (m: string) => never): number {
  if (typeof ref === 'string') {
    const wanted = ref.trim();
    if (/^[+-]?\d+$/.test(wanted)) return resolveColumn(Number(wanted), what, names, columns, fail);
    if (names === undefined) fail(`the ${what} ${JSON.stringify(ref)} is a name, but the table has no header row; give a 0-based index`);
    const found = names!.flatMap((n, c) => (n === wanted ? [c] : []));
    if (found.length > 1) fail(`the ${what} ${JSON.stringify(ref)} is ambiguous: it is the name of columns ${found.join(' and ')} (0-based)`);
    if (found.length === 0) fail(`the ${what} ${JSON.stringify(ref)} is not in the header; the columns are ${names!.map((n) => JSON.stringify(n)).join(', ')}`);
    return found[0];
  }
  if (!Number.isInteger(ref)) fail(`the ${what} ${ref} is not a column index: expected an integer`);
  const c = ref < 0 ? columns + ref : ref;
  if (c < 0 || c >= columns) fail(`the ${what} index ${ref} is out of range: the table has ${columns} columns (0-based indices 0 to ${columns - 1}, or -1 to -${columns} from the end)`);
  return c;
}

function describeColumn(c: number, names: string[] | undefined): string {
  return names === undefined || names[c] === '' ? `(index ${c})` : `${JSON.stringify(names[c])} (index ${c})`;
}
