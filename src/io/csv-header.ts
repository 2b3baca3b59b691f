/**
 * Whether the first row of CSV/TSV text is a header: one rule for every CSV reader (the
 * whole-text reader, the table reader, the streaming file reader and its threads).
 *
 * - `--header` / `--no-header` (`header: true | false`) decide, for every row whatever it holds.
 * - Otherwise the first row is a header when none of its cells is a number (names, or empty
 *   cells such as pandas' unnamed index), or when it is pandas' header of column numbers
 *   (`HeaderRule`). Any other row is data, so a text cell in it is an error at that cell:
 *   a corrupt first row is never dropped as if it were a header.
 * - A lone row is data unless every cell is a name.
 */
import { parseNumber } from './csv-cells.js';

/** The header rule for the first row, given the row below it. */
export function isHeader(first: readonly string[], below: readonly string[]): boolean {
  const rule = new HeaderRule();
  for (const cell of first) rule.first(cell);
  for (const cell of below) rule.below(() => cell);
  return rule.isHeader();
}

/**
 * The rule over cells given one at a time (the first row's, then the second's), so that a
 * row too wide to hold as strings is judged as it is read.
 *
 * pandas' `DataFrame.to_csv` writes the column labels as the first row, and columns made
 * without names are labelled 0, 1, 2, ...; an empty cell comes first for the index (unless
 * `index=False`), and named columns may stand among them (`0,1,2,label`, `,0,1,2`, and `0`
 * or `,0` for a Series). So the row is pandas' header when its cells that are numbers are
 * exactly 0, 1, ..., k-1 in order, written as plain integers, and the others are names.
 *
 * A row with a name among its numbers (`0,1,2,label`, or the index's empty cell) cannot be
 * data, so it is pandas' header. Integers alone cannot tell it from data: `0` above `1`, `2`
 * is also np.savetxt(fmt='%d') of the labels 0, 1, 2. So a row of numbers only is a header
 * when the row below has a cell that is not written as an integer (pandas writes floats as
 * 0.5, 1.0, 1e-05, inf). Integer rows under a `0,1,...` row are read as data; `--header` says
 * otherwise.
 */
export class HeaderRule {
  /** Names in the first row, and its numbers, which are 0, 1, ... in order while `counting`. */
  names = 0;
  private numbers = 0;
  private counting = true;
  private belowNotInteger = false;

  first(cell: string): void {
    if (isName(cell)) this.names++;
    else this.firstNumber(() => cell);
  }

  /** A cell of the first row known to be a number; its text is asked for only while it may be pandas' header. */
  firstNumber(text: () => string): void {
    if (this.counting && text().trim() !== String(this.numbers)) this.counting = false;
    this.numbers++;
  }

  /** A cell of the second row; its text is asked for only while no cell of the row was other than an integer. */
  below(text: () => string): void {
    if (!this.belowNotInteger && !INTEGER.test(text().trim())) this.belowNotInteger = true;
  }

  /** Whether the first row's numbers (`row` 0) or the second row's cells (1) still matter one by one; if not, only the count of the first row's numbers does. */
  wantsCells(row: 0 | 1): boolean {
    return row === 0 ? this.counting : !this.belowNotInteger;
  }

  /** `n` cells of the first row known to be numbers, once wantsCells(0) is false. */
  firstNumbers(n: number): void {
    this.numbers += n;
  }

  /** Every cell of the first row is a name (the rule for a lone row). */
  allNames(): boolean {
    return this.numbers === 0;
  }

  isHeader(): boolean {
    return this.allNames() || this.pandasHeader();
  }

  private pandasHeader(): boolean {
    if (!this.counting || this.numbers === 0) return false;
    // a name among the numbers (`0,1,2,label`, the index's empty cell) cannot be in a data row
    return this.names > 0 || this.belowNotInteger;
  }
}

const INTEGER = /^[+-]?\d+$/;

/** Neither a number nor several space-separated numbers (np.savetxt's default delimiter). */
export function isName(cell: string): boolean {
  return parseNumber(cell) === undefined && !isNumberList(cell);
}

export function isNumberList(cell: string): boolean {
  const parts = cell.trim().split(/\s+/);
  return parts.length > 1 && parts.every((p) => parseNumber(p) !== undefined);
}
