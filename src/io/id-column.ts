/**
 * --id-column: the sample ids of a CSV/TSV table (the logits file, or the --label-column
 * table), one text cell a row. The column is left out of the logits when the file is opened
 * (table-file.ts, as a dropped column); the ids are read in a pass of their own when the
 * per-sample file is written, a row at a time through the cell reader (csv-cell-reader.ts),
 * never held together.
 */
import { InputError } from '../errors.js';
import { whitespace } from './csv-cells.js';
import { BAD, CsvRows, DELIMITER, ROW_END } from './csv-rows.js';
import { blockBytes } from './csv-scan.js';
import { openForBlocks } from './csv-window.js';
import { parserError, raggedRow } from './csv.js';
import { closeSync } from 'node:fs';

/** Where the ids are: the file, how it is split, and the column among how many. */
export interface IdColumn {
  path: string;
  delimiter: string;
  /** 0-based index of the id column. */
  column: number;
  columns: number;
  /** The first row is a header, not a sample. */
  headed: boolean;
}

/** The ids of the table's data rows, in order, one per next(). */
export class IdReader {
  private readonly rows: CsvRows;
  private readonly fd: number;
  private first = true;

  constructor(private readonly at: IdColumn) {
    const fd = openForBlocks(at.path);
    if (fd === undefined) throw new InputError('cannot be read again for the ids (--id-column)', at.path);
    this.fd = fd;
    const delim = at.delimiter.charCodeAt(0);
    this.rows = new CsvRows(fd, 0, blockBytes(), at.path, delim, whitespace(delim));
    this.rows.skipBom();
  }

  /** The next data row's id; blank rows and comments are skipped, as the logits' reader skips them. */
  next(): string {
    const { rows, at } = this;
    for (;;) {
      if (!rows.startRow()) throw new InputError(`has fewer rows than samples when read again for the ids (--id-column): changed while it was read?`, at.path);
      const line = rows.line;
      let cells = 0;
      let id = '';
      let end;
      do {
        end = rows.cell();
        if (end === BAD) throw parserError(rows.line, rows.bad, at.path);
        if (cells === 0 && end === ROW_END && rows.blank()) break;
        // an unquoted cell keeps no surrounding spaces (nor the CR of a CRLF line); a quoted one is as written
        if (cells === at.column) id = rows.quoted ? rows.text() : rows.text().trim();
        cells++;
      } while (end === DELIMITER);
      if (cells === 0) continue;
      if (cells !== at.columns) throw raggedRow(line, cells, at.columns, at.path);
      const header = this.first && at.headed;
      this.first = false;
      if (!header) return id;
    }
  }

  close(): void {
    this.rows.w.release();
    closeSync(this.fd);
  }
}
