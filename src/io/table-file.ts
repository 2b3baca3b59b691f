/**
 * A --label-column table (table.ts) read in blocks: the logits' columns and the label column
 * as two float64 Values over the same file, each reading its own cells of every row through
 * the byte-level reader (csv-file.ts); dropped columns (and --id-column's, whose ids
 * id-column.ts reads when saving) are never parsed. With --id-column and no label column, the
 * logits alone. Undefined when the
 * file must be read whole by parseTable, which then says what is wrong (csv-scan.ts says
 * when); a column the table does not have is its error, thrown at the open.
 */
import { fstatSync } from 'node:fs';
import type { InputError } from '../errors.js';
import type { Values } from '../values.js';
import type { IdColumn } from './id-column.js';
import { whitespace } from './csv-cells.js';
import { blockDelimiter, readBytes } from './csv-file.js';
import { csvValues } from './csv-values.js';
import { openForBlocks, use } from './csv-window.js';
import { scanLayout } from './csv-scan.js';
import { firstError, type RowRules } from './csv-errors.js';
import { decodeText } from './format.js';
import { chooseColumns, parseTable, type Table, type TableOptions } from './table.js';

export interface OpenedTable {
  logits: Values;
  /** None without a label column (--id-column alone: the labels are a file of their own). */
  labels?: Values;
  classes?: string[];
  /** Where --id-column's ids are, read again when saving (id-column.ts). */
  ids?: IdColumn;
}

export function openTableFile(path: string, opts: TableOptions & { delimiter: string }): OpenedTable | undefined {
  const { delimiter } = opts;
  if (!blockDelimiter(delimiter)) return undefined;
  const fd = openForBlocks(path);
  if (fd === undefined) return undefined; // the ordinary reader says why
  const delim = delimiter.charCodeAt(0);
  let chosen = { keep: [] as number[], label: 0, id: -1 };
  let names: string[] | undefined;
  const layout = use(fd, () =>
    scanLayout(fd, fstatSync(fd), path, delim, whitespace(delim), opts.header, (header, columns) => {
      names = header?.map((cell) => cell.trim());
      chosen = chooseColumns(names, columns, opts, path);
      const read = new Uint8Array(columns);
      for (const c of [chosen.label, ...chosen.keep]) if (c >= 0) read[c] = 1;
      return read;
    }),
  );
  if (layout === undefined) return undefined;
  const { keep, label, id } = chosen;
  const rules: RowRules = {
    opts,
    headed: layout.headed,
    columns: layout.columns,
    guessed: layout.guessed,
    crlf: layout.crlf,
    order: label >= 0 ? [label, ...keep] : keep,
    name: (c) => (names === undefined ? '' : ` (${JSON.stringify(names[c])})`),
  };
  const error = (): InputError | undefined => firstError(path, rules);
  if (layout.bad) {
    const e = error();
    if (e === undefined) return undefined; // no error in its rows after all: parseTable reads it
    throw e;
  }
  let table: Table | undefined; // read whole once, if a row does not parse and has no error
  const whole = (): Table => (table ??= parseTable(decodeText(readBytes(path)), path, opts));
  const logits = new Int32Array(layout.columns).fill(-1);
  keep.forEach((c, k) => (logits[c] = k));
  const labels = new Int32Array(layout.columns).fill(-1);
  if (label >= 0) labels[label] = 0;
  return {
    logits: csvValues(path, delimiter, layout, { width: keep.length, pick: logits }, { error, whole: () => whole().logits }),
    ...(label >= 0 && { labels: csvValues(path, delimiter, layout, { width: 1, pick: labels }, { error, whole: () => whole().labels }) }),
    ...(names && { classes: keep.map((c) => names![c]) }),
    ...(id >= 0 && { ids: { path, delimiter, column: id, columns: layout.columns, headed: layout.headed } }),
  };
}
