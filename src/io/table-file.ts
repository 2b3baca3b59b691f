/**
 * A --label-column table (table.ts) read in blocks: the logits' columns and the label column
 * as two float64 Values over the same file, each reading its own cells of every row through
 * the byte-level reader (csv-file.ts); dropped columns are never parsed. Undefined when the
 * file must be read whole by parseTable, which then says what is wrong (csv-scan.ts says
 * when); a column the table does not have is its error, thrown at the open.
 */
import { fstatSync, openSync } from 'node:fs';
import type { Values } from '../values.js';
import { whitespace } from './csv-cells.js';
import { blockDelimiter, csvValues, readBytes, use } from './csv-file.js';
import { scanLayout } from './csv-scan.js';
import { decodeText } from './format.js';
import { chooseColumns, parseTable, type Table, type TableOptions } from './table.js';

export function openTableFile(path: string, opts: TableOptions & { delimiter: string }): { logits: Values; labels: Values } | undefined {
  const { delimiter } = opts;
  if (!blockDelimiter(delimiter)) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // the ordinary reader says why
  }
  const delim = delimiter.charCodeAt(0);
  let chosen = { keep: [] as number[], label: 0 };
  const layout = use(fd, () =>
    scanLayout(fd, fstatSync(fd), path, delim, whitespace(delim), opts.header, (header, columns) => {
      chosen = chooseColumns(header?.map((cell) => cell.trim()), columns, opts, path);
      const read = new Uint8Array(columns);
      for (const c of [chosen.label, ...chosen.keep]) read[c] = 1;
      return read;
    }),
  );
  if (layout === undefined) return undefined;
  let table: Table | undefined; // read whole once, for the error of a row that does not parse
  const whole = (): Table => (table ??= parseTable(decodeText(readBytes(path)), path, opts));
  const { keep, label } = chosen;
  const logits = new Int32Array(layout.columns).fill(-1);
  keep.forEach((c, k) => (logits[c] = k));
  const labels = new Int32Array(layout.columns).fill(-1);
  labels[label] = 0;
  return {
    logits: csvValues(path, delimiter, layout, { width: keep.length, pick: logits }, () => whole().logits),
    labels: csvValues(path, delimiter, layout, { width: 1, pick: labels }, () => whole().labels),
  };
}
