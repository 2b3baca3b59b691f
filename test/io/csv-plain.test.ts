/**
 * The bulk fast paths over plain rows (io/csv-plain.ts): plainRows parses many rows in one
 * call and countRows moves past many while counting their cells, each stopping at the first
 * row it must leave to the reader of cells (a comment, a blank row, a quote, a ragged row, a
 * row past `stopAt` or across the buffer's end), with the lines and CRLF breaks counted as the
 * row-at-a-time path counts them.
 */
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { whitespace } from '../../src/io/csv-cells.js';
import { CsvRows } from '../../src/io/csv-rows.js';
import { csvTestHooks, file } from './csv-check.js';

csvTestHooks();

const COMMA = 44;

/** A reader over `content` (its first `chunk` bytes read first), the file closed after `run`. */
function over<T>(content: string, run: (rows: CsvRows) => T, chunk = 4096): T {
  const path = file(content);
  const fd = openSync(path, 'r');
  try {
    const rows = new CsvRows(fd, 0, chunk, path, COMMA, whitespace(COMMA), true);
    expect(rows.startRow()).toBe(true); // the buffer filled, pos at the first row
    return run(rows);
  } finally {
    closeSync(fd);
  }
}

/** The text from pos to the end of its line. */
function rest(rows: CsvRows): string {
  const { buf, pos, len } = rows.w;
  const nl = buf.indexOf(10, pos);
  return buf.toString('latin1', pos, nl === -1 || nl > len ? len : nl);
}

describe('where they stop', () => {
  it.each([
    ['plainRows', 'a comment', '1,2\n3,4\n5,6\n# note\n7,8\n', 3, '# note'],
    ['plainRows', 'a blank row', '1,2\n3,4\n\n5,6\n', 2, ''],
    ['plainRows', 'a row of spaces', '1,2\n3,4\n  \n5,6\n', 2, '  '],
    ['plainRows', 'a quoted cell', '1,2\n3,4\n"5",6\n', 2, '"5",6'],
    ['plainRows', 'a ragged row', '1,2\n3,4\n5,6,7\n8,9\n', 2, '5,6,7'],
    ['plainRows', 'a short row', '1,2\n3\n', 1, '3'],
    ['plainRows', 'a cell that is no number', '1,2\n3,x\n', 1, '3,x'],
    ['countRows', 'a comment', '1,2\n3,4\n# note\n5,6\n', 2, '# note'],
    ['countRows', 'a blank row', '1,2\n\n3,4\n', 1, ''],
    ['countRows', 'a row led by a space', '1,2\n 3,4\n', 1, ' 3,4'],
    ['countRows', 'a row led by a byte beyond ASCII', '1,2\n\u00a03,4\n', 1, '\u00c2\u00a03,4'],
    ['countRows', 'a row with a quote', '1,2\n3,"4"\n', 1, '3,"4"'],
    ['countRows', 'a quote that is text inside a cell', '1,2\n3,4"\n', 1, '3,4"'],
    ['countRows', 'a ragged row', '1,2\n3,4\n5\n6,7\n', 2, '5'],
    ['countRows', 'a long row', '1,2\n3,4,5\n', 1, '3,4,5'],
  ])('%s stops at %s, pos at its start; plainRows parsed the rows before it', (method, _, content, count, stopsAt) => {
    over(content, (rows) => {
      const out = new Float64Array(20).fill(-1);
      expect(method === 'plainRows' ? rows.plainRows(out, 0, 10, 2) : rows.countRows(10, 2, Infinity)).toBe(count);
      expect(rest(rows)).toBe(stopsAt);
      expect(rows.line).toBe(1 + count);
      const want = content.split('\n').slice(0, count).join(',').split(',').map(Number);
      if (method === 'plainRows') expect(Array.from(out.subarray(0, 2 * count))).toEqual(want);
    });
  });
});

describe('plainRows', () => {
  it('parses at most `rows` rows, none that starts at stopAt or later, none across the buffer\'s end', () => {
    const content = '1,2\n3,4\n5,6\n7,8\n';
    over(content, (rows) => expect(rows.plainRows(new Float64Array(8), 0, 2, 2)).toBe(2));
    over(content, (rows) => expect(rows.plainRows(new Float64Array(8), 0, 10, 2, 8)).toBe(2));
    over(content, (rows) => expect(rows.plainRows(new Float64Array(8), 0, 10, 2, 9)).toBe(3));
    // 18 of 20 bytes read: the buffer ends inside the fifth row
    over(`${content}9,0\n`, (rows) => expect(rows.plainRows(new Float64Array(10), 0, 10, 2)).toBe(4), 18);
  });

  it('counts line breaks and CRLF breaks as row() does; a file\'s last row without a line break is no break', () => {
    over('1,2\r\n3,4\r\n5,6', (rows) => {
      const out = new Float64Array(6);
      rows.w.reach(rows.w.len); // read to the end: the file is given its last line break
      expect(rows.plainRows(out, 0, 10, 2)).toBe(3);
      expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
      expect([rows.line, rows.breaks, rows.crBreaks]).toEqual([3, 2, 2]);
    });
  });
});

describe('countRows', () => {
  it('counts cells by delimiters, not numbers; at most `rows`, none from stopAt on; CRLF breaks counted', () => {
    over('a,b\nc,d\ne,f\n', (rows) => expect(rows.countRows(10, 2, Infinity)).toBe(3));
    over('1,2\n3,4\n5,6\n', (rows) => expect(rows.countRows(2, 2, Infinity)).toBe(2));
    over('1,2\n3,4\n5,6\n', (rows) => expect(rows.countRows(10, 2, 4)).toBe(1));
    over('1,2\r\n3,4\r\n', (rows) => {
      expect(rows.countRows(10, 2, Infinity)).toBe(2);
      expect([rows.breaks, rows.crBreaks]).toEqual([2, 2]);
    });
  });
});
