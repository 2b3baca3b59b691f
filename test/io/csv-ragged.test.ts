/**
 * A ragged row past the rows parsed at the open (csv-scan.ts: a big file's later rows, here
 * reached with `csvChecks.openBytes` at 0 and tiny blocks) is the file's own error at the
 * open, in parseCsv's and parseTable's words, before any shape is compared: a last row cut
 * short, one row short or long in the middle, a last row with too many cells.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { csvChecks, openCsvFile } from '../../src/io/csv-file.js';
import { decodeText } from '../../src/io/format.js';
import { streaming } from '../../src/io/npy-file.js';
import { parseTable } from '../../src/io/table.js';
import { openTableFile } from '../../src/io/table-file.js';
import { BLOCKS, csvTestHooks, delimiterOf, file, reference, type Format } from './csv-check.js';
import { inputErrorSync } from './helpers.js';

csvTestHooks();

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');

/** `rows` rows of 7 numbers, as np.savetxt writes them; row r's cells through `cells`. */
function table(rows: number, cells: (r: number) => number = () => 7, sep = ',', eol = '\n'): string {
  let text = '';
  for (let r = 0; r < rows; r++) {
    text += Array.from({ length: cells(r) }, (_, c) => String(Math.sin(r * 7 + c) * 3)).join(sep) + eol;
  }
  return text;
}

const full = table(60);
/** The first `bytes` of `full`: its last row cut short. */
const cut = (bytes: number) => full.slice(0, bytes);

const CASES: [string, string, Format?][] = [
  ['a last row cut short, no line break', cut(full.length - 40)],
  ['a last row cut after a delimiter', cut(full.lastIndexOf(',', full.length - 40) + 1)],
  ['a short row in the middle', table(60, (r) => (r === 31 ? 2 : 7))],
  ['a long row in the middle', table(60, (r) => (r === 31 ? 8 : 7))],
  ['a last row with too many cells', table(60, (r) => (r === 59 ? 9 : 7))],
  ['a last row with too many cells, no line break', table(60, (r) => (r === 59 ? 9 : 7)).slice(0, -1)],
  ['a short row, CRLF', table(60, (r) => (r === 40 ? 6 : 7), ',', '\r\n')],
  ['a short row with a quoted cell', table(30) + '"1.5",2\n' + table(30)],
  ['a long row with a quoted cell', table(30) + '1,2,3,4,5,6,"7",8\n' + table(30)],
  ['a short TSV row', table(60, (r) => (r === 20 ? 3 : 7), '\t'), 'tsv'],
];

describe('a ragged row past the rows parsed at the open', () => {
  it.each(CASES)('%s: the open throws parseCsv error, in blocks of every size', (_, content, format = 'csv') => {
    const path = file(content, format);
    const expected = reference(path, format);
    expect(expected).toBeInstanceOf(InputError);
    expect((expected as Error).message).toMatch(/^line \d+ has \d+ columns, expected 7$/);
    csvChecks.openBytes = 0;
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      const e = inputErrorSync(() => openCsvFile(path, format, delimiterOf(format)), path);
      expect(e.message).toBe((expected as Error).message);
    }
  });

  it.each(CASES.filter(([, , format]) => format === undefined))('%s: a --label-column table throws parseTable error at the open', (_, content) => {
    const eol = content.includes('\r\n') ? '\r\n' : '\n'; // mixed line breaks are left to parseTable
    for (const header of ['', `label,a,b,c,d,e,f${eol}`]) {
      const path = file(header + content);
      const opts = { delimiter: ',', labelColumn: header ? 'label' : 0 };
      let expected: Error | undefined;
      try {
        parseTable(decodeText(readFileSync(path)), path, opts);
      } catch (e) {
        expected = e as Error;
      }
      expect(expected).toBeInstanceOf(InputError);
      expect(expected!.message).toMatch(/^line \d+ has \d+ columns, expected 7$/);
      csvChecks.openBytes = 0;
      for (const bytes of BLOCKS) {
        streaming.blockBytes = bytes;
        expect(inputErrorSync(() => openTableFile(path, opts), path).message).toBe(expected!.message);
      }
    }
  });

  it('the CLI names the CSV and its cut row, not the labels, whose count differs', () => {
    const logits = file(cut(full.length - 40));
    const lines = cut(full.length - 40).split('\n');
    const cells = lines[lines.length - 1].split(',').length;
    expect(cells).toBeLessThan(7);
    const labels = file(Array.from({ length: 300 }, (_, i) => i % 7).join('\n') + '\n');
    const r = spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-q', '-j', '1'], {
      encoding: 'utf8',
      env: { ...process.env, LOSSCALC_BLOCK_BYTES: '64', LOSSCALC_CSV_OPEN_BYTES: '256' },
    });
    expect(r.stderr).toBe(`losscalc: ${logits}: line ${lines.length} has ${cells} columns, expected 7\n`);
    expect(r.status).toBe(2);
  });
});
