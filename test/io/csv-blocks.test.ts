/**
 * CSV/TSV files of any content read in blocks (io/csv-file.ts, csv-rows.ts) against the
 * whole-text reader (parseCsv): quoted cells, UTF-8 text, CRLF and rows wider than a block,
 * with block boundaries at every byte: inside a row, a quoted cell, a multi-byte character
 * and a CRLF. The same values to the bit, or the same error.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { csvChecks, openCsvFile } from '../../src/io/csv-file.js';
import { csvValues } from '../../src/io/csv-values.js';
import { firstError } from '../../src/io/csv-errors.js';
import { scanLayout } from '../../src/io/csv-scan.js';
import { whitespace } from '../../src/io/csv-cells.js';
import { CsvRows } from '../../src/io/csv-rows.js';
import { streaming } from '../../src/io/npy-file.js';
import { BLOCKS, check, csvTestHooks, file, readAll, readError, reference } from './csv-check.js';
import { FIXTURES } from './manifest.js';

csvTestHooks();

describe('files read in blocks whatever they hold, as parseCsv reads them', () => {
  it.each([
    ['quoted cells', '"1","2"\n"3","4"\n'],
    ['a quoted header', '"a","b"\n1,2\n3,4\n'],
    ['a quoted multi-line cell', '1,"2\n"\n3,4\n'],
    ['quoted cells with delimiters, escaped quotes and CRLF inside', '"a,b","c""d"\r\n"1\r\n", 2\r\n3,"\n4 "\r\n'],
    ['spaces after a closing quote', '"1"  ,"2"\t\n3,"4" \n'],
    ['a quoted blank row', '1,2\n""\n" "\n3,4\n'],
    ['a closing quote as the last byte', '1,2\n3,"4"'],
    ['non-ASCII text in a comment', '# café\n1,2\n3,4\n'],
    ['non-ASCII names in the header', '\uFEFFclé,naïve 🙂\n1,2\n3,4\n'],
    ['a non-breaking space around a number', '1,2\n3,\u00a04\n'],
    ['a line of Unicode spaces', '1,2\n\u00a0\u2003\n3,4\n'],
    ['one data row', '1,2\n'],
    ['one wide row', `${Array.from({ length: 300 }, (_, i) => i / 7).join(',')}\n`],
  ])('%s', (_, content) => {
    const path = file(content);
    expect(reference(path, 'csv')).not.toBeInstanceOf(Error);
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      expect(check(path)).toBe(true);
    }
  });

  it.each([
    ['a quote in a number', '1,2\n3,4\n5,6"\n'],
    ['an unterminated quote', '1,2\n3,4\n5,"6\n'],
    ['text after a closing quote', '1,2\n3,4\n5,"6"x\n'],
    ['spaces after a closing quote at the end of the file', '1,2\n3,4\n5,"6" '],
    ['a non-ASCII cell', '1,2\n3,4\n5,é\n'],
    ['a quoted cell that is no number', '1,2\n3,4\n5,"6,7"\n'],
    ['a ragged quoted row', '1,2\n3,4\n"5"\n'],
  ])('%s: the same error', (_, content) => {
    csvChecks.openBytes = 0;
    const path = file(content);
    expect(reference(path, 'csv')).toBeInstanceOf(InputError);
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      const taken = check(path);
      if (!/quote/.test(_)) expect(taken).toBe(true);
    }
  });

  it('the quoted fixtures', () => {
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      expect(check(join(FIXTURES, 'quoted_bom.tsv'), 'tsv')).toBe(true);
      expect(check(join(FIXTURES, '..', 'losses', 'fmt_csv_quoted_crlf_bom_mean', 'logits.csv'))).toBe(true);
    }
  });
});


describe('block boundaries at every byte', () => {
  // a header with non-ASCII names, quoted cells holding the delimiter, "" and line breaks, a
  // multi-byte space around a number, a comment in UTF-8, CRLF line breaks
  const text =
    '\uFEFF"clé ""a""",naïve,"x\r\ny"\r\n' +
    '# commentaire: été\r\n' +
    '1.5,"  -2.25e-3 ",\u00a03\u2003\r\n' +
    '"4","5\r\n",nan\r\n' +
    '\r\n' +
    '-inf,"7",0.125\r\n';

  it('every block size from 16 to the file size reads what parseCsv reads', () => {
    const path = file(text);
    expect(reference(path, 'csv')).not.toBeInstanceOf(Error);
    const size = Buffer.byteLength(text);
    for (let bytes = 16; bytes <= size + 1; bytes++) {
      streaming.blockBytes = bytes;
      csvChecks.openBytes = bytes % 2 === 0 ? 0 : 4 << 20; // rows checked at the open, or only when read
      expect(check(path), `blocks of ${bytes}`).toBe(true);
    }
  });

  it('a row wider than the block: every block size, and a bad cell found in it', () => {
    const cells = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `"${i / 3}"` : String(-i / 8)));
    const row = cells.join(',');
    const path = file(`${row}\n${row}\n`);
    const bad = [...cells];
    bad[33] = '"3é"';
    const wrong = file(`${row}\n${row}\n${bad.join(',')}\n`);
    expect(reference(wrong, 'csv')).toBeInstanceOf(InputError);
    for (let bytes = 16; bytes <= 2 * row.length + 3; bytes += 7) {
      streaming.blockBytes = bytes;
      expect(check(path), `blocks of ${bytes}`).toBe(true);
      csvChecks.openBytes = 0;
      expect(check(wrong), `blocks of ${bytes}`).toBe(true);
      csvChecks.openBytes = 4 << 20;
      expect(check(wrong), `blocks of ${bytes}`).toBe(true); // the error at the open
    }
  });
});

describe('a row wider than the buffer costs no more than its cells', () => {
  it('the buffer stays at its size while a row of 300 cells is read a cell at a time', () => {
    const values = Array.from({ length: 300 }, (_, i) => Math.round(Math.sin(i) * 1e3) / 8); // cells of at most 8 bytes
    const path = file(`${values.join(',')}\n${values.map((v) => `"${v}" `).join(',')}\n`);
    const fd = openSync(path, 'r');
    try {
      const delim = ','.charCodeAt(0);
      const rows = new CsvRows(fd, 0, 16, path, delim, whitespace(delim));
      const out = new Float64Array(300);
      for (let r = 0; r < 2; r++) {
        expect(rows.row(out, 0, 300)).toBe(true);
        expect(Array.from(out)).toEqual(values); // String(v) reads back as v
        expect(rows.w.buf.length).toBe(16);
      }
      expect(rows.row(out, 0, 300)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });

  it('a 100 000-cell row, as the one row of a file: shape (1, C), in blocks of 64 bytes', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => ((i * 7919) % 1000) / 64 - 7);
    const path = file(`${values.join(',')}\n`);
    streaming.blockBytes = 64;
    const v = openCsvFile(path, 'csv', ',')!;
    expect(v.shape).toEqual([1, 100_000]);
    const want = (reference(path, 'csv') as { data: Float64Array }).data;
    expect(readAll(v, 100_000, 0, 1)).toEqual(want);
    expect(readAll(v, 1000, 7, 100)).toEqual(want.subarray(7000));
  });
});

describe('errors found without reading the file whole', () => {
  /**
   * The error of the file in blocks, its rows checked only when read, with a whole reader that
   * must not be used: at the open (a bad quote ends the open's pass), or when read.
   */
  function errorInBlocks(path: string): Error | undefined {
    const delim = ','.charCodeAt(0);
    const fd = openSync(path, 'r');
    const layout = (() => {
      try {
        return scanLayout(fd, fstatSync(fd), path, delim, whitespace(delim), undefined)!;
      } finally {
        closeSync(fd);
      }
    })();
    const rules = { opts: { delimiter: ',' }, headed: layout.headed, columns: layout.columns, guessed: layout.guessed, crlf: layout.crlf };
    const whole = (): never => {
      throw new Error('the file was read whole');
    };
    if (layout.bad) return firstError(path, rules);
    return readError(csvValues(path, ',', layout, { width: layout.columns }, { error: () => firstError(path, rules), whole }));
  }

  it.each([
    ['a word', '1,2\n3,4\n5,abc\n'],
    ['a word, CRLF', '1,2\r\n3,4\r\n5,abc\r\n'],
    ['a ragged row after a bad cell in it', '1,2\n3,4\n5,x,7\n'],
    ['a quoted cell over two lines, then a bad one', '1,"2\n"\n3,4\n5,"a\nb"\n'],
    ['a bad quote after a bad cell in its row', '1,2\n3,4\nx,"5"y\n'],
    ['an unterminated quote', '1,2\n3,4\n5,"6\n'],
    ['a space-separated cell', '1,2\n3,4\n5 6,7\n'],
    ['a long non-ASCII cell', `1,2\n3,4\n5,${'é'.repeat(50)}\n`],
    ['a wide row with a bad cell', `${'1,'.repeat(99)}1\n${'2,'.repeat(99)}2\n${'3,'.repeat(70)}x,${'3,'.repeat(28)}3\n`],
  ])('%s', (_, content) => {
    const path = file(content);
    const expected = reference(path, 'csv');
    expect(expected).toBeInstanceOf(InputError);
    csvChecks.openBytes = 0; // no row checked at the open
    csvChecks.guessBytes = 0; // a bad quote anywhere is past papaparse's guess
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      expect(errorInBlocks(path)?.message).toBe((expected as Error).message);
    }
  });
});
