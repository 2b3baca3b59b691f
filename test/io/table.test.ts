/**
 * One CSV with everything: the label column taken out of the logits' table, dropped
 * columns, and errors that name the column and line.
 */
import { describe, expect, it } from 'vitest';
import { parseTable, type TableOptions } from '../../src/io/table.js';
import { inputErrorSync } from './helpers.js';
import { expectTensor, fact, fixtureText, manifest } from './manifest.js';

const PANDAS = fixtureText('pandas_index.csv');
const error = (text: string, opts: TableOptions): string => inputErrorSync(() => parseTable(text, 't.csv', opts), 't.csv').message;
const values = (text: string, opts: TableOptions): [number[], number[]] => {
  const { logits, labels } = parseTable(text, 't.csv', opts);
  return [Array.from(logits.data), Array.from(labels.data)];
};

describe('parseTable on files written like pandas and numpy', () => {
  it.each(Object.keys(manifest.tables))('%s', (name) => {
    const exp = manifest.tables[name];
    const delimiter = name.endsWith('.tsv') ? '\t' : undefined;
    const { logits, labels } = parseTable(fixtureText(name), name, { labelColumn: exp.labelColumn, dropColumns: exp.dropColumns, delimiter });
    expectTensor(logits, exp.logits, 'float64');
    expectTensor(labels, exp.labels, 'float64');
  });
});

describe('naming columns', () => {
  const exp = manifest.tables['pandas_index.csv'];
  const same = (opts: TableOptions): void => {
    const { logits, labels } = parseTable(PANDAS, 'p.csv', opts);
    expectTensor(logits, exp.logits, 'float64');
    expectTensor(labels, exp.labels, 'float64');
  };

  it('by header name, 0-based index, negative index, or an index given as a string', () => {
    for (const labelColumn of ['label', ' label ', 4, -1, '4', '-1']) same({ labelColumn, dropColumns: [0] });
    for (const dropColumns of [['0'], [-5], ['-5']]) same({ labelColumn: 'label', dropColumns });
  });

  it('a number is an index, always, even where a header cell reads as one', () => {
    // pandas' header with a named column first: "0" names column 1, but 0 is the index of "id"
    expect(values('id,0,1\n7,0.5,1.5\n', { labelColumn: '0' })).toEqual([[0.5, 1.5], [7]]);
    expect(values('id,0,1\n7,0.5,1.5\n', { labelColumn: 'id', dropColumns: ['1'] })).toEqual([[1.5], [7]]);
    expect(values('x,0,1\n5,6,7\n', { labelColumn: '-3', header: true })).toEqual([[6, 7], [5]]);
    expect(error('x,0,1\n5,6,7\n', { labelColumn: '0', dropColumns: ['x'], header: true })).toBe('the label column "x" (index 0) is also among the columns to drop');
  });

  it('a first row of numbers and text is data, unless --header says it is a header', () => {
    const repro = '0.1,0.2,abc,1\n0.3,0.4,0.5,2\n0.6,0.1,0.2,0\n';
    expect(error(repro, { labelColumn: -1 })).toBe('line 1, column 3: "abc" is not a number (if line 1 is a header, give --header)');
    expect(values(repro, { labelColumn: -1, header: true })).toEqual([[0.3, 0.4, 0.5, 0.6, 0.1, 0.2], [2, 0]]);
    expect(error('a,b\n1,2\n', { labelColumn: 1, header: false })).toBe('line 1, column 2: "b" is not a number');
    // a text id column that is dropped may be text in the first row too
    expect(values('x-1,1,0\ny-2,2,1\n', { labelColumn: -1, dropColumns: [0] })).toEqual([[1, 2], [0, 1]]);
  });

  it('a single remaining column gives 1-D logits; labels are always (N)', () => {
    const { logits, labels } = parseTable('y,x\n1,0.5\n0,-2\n', 't.csv', { labelColumn: 'y' });
    expect([logits.shape, labels.shape, logits.dtype, labels.dtype]).toEqual([[2], [2], 'float64', 'float64']);
  });

  it('without a header, by index only', () => {
    expect(values('1,2,0\n3,4,1\n', { labelColumn: -1 })).toEqual([[1, 2, 3, 4], [0, 1]]);
    expect(error('1,2,0\n3,4,1\n', { labelColumn: 'label' })).toBe('the label column "label" is a name, but the table has no header row; give a 0-based index');
  });

  it('string ids in a dropped column are never read; labels may be probabilities', () => {
    expect(values('id,a,p\nx-1,1,0.25\n"y,2",2,1\n', { labelColumn: 'p', dropColumns: ['id'] })).toEqual([[1, 2], [0.25, 1]]);
  });
});

describe('parseTable errors', () => {
  it('a column that is neither numeric nor dropped, by name and line', () => {
    const name = 'bad_table.csv';
    const e = inputErrorSync(() => parseTable(fixtureText(name), name, { labelColumn: 'label', dropColumns: [0] }), name);
    expect(e.message).toBe(
      `line ${fact(name, 'line')}, column ${fact(name, 'column')} ("${fact<string>(name, 'name')}"): "${fact<string>(name, 'cell')}" is not a number`,
    );
    expect(error('id,a,y\nx,1,0\n', { labelColumn: 'y' })).toBe('line 2, column 1 ("id"): "x" is not a number');
    expect(error('a,y\n1,0\n2,cat\n', { labelColumn: 'y' })).toBe('line 3, column 2 ("y"): "cat" is not a number');
    expect(error('1,0\n2,cat\n', { labelColumn: 1 })).toBe('line 2, column 2: "cat" is not a number');
  });

  it("pandas' unnamed index column must be dropped", () => {
    expect(error(PANDAS, { labelColumn: 'label' })).toBe('column 1 (index 0) has no name in the header, as pandas writes its index: drop it (--drop-columns 0), or name it');
  });

  it('unknown names list the columns', () => {
    expect(error(PANDAS, { labelColumn: 'target', dropColumns: [0] })).toBe('the label column "target" is not in the header; the columns are "", "f0", "f1", "f2", "label"');
    expect(error(PANDAS, { labelColumn: 'label', dropColumns: [0, 'id'] })).toBe('the column to drop "id" is not in the header; the columns are "", "f0", "f1", "f2", "label"');
  });

  it('indices out of range or not integers', () => {
    expect(error(PANDAS, { labelColumn: 5 })).toBe('the label column index 5 is out of range: the table has 5 columns (0-based indices 0 to 4, or -1 to -5 from the end)');
    expect(error(PANDAS, { labelColumn: '-6' })).toBe('the label column index -6 is out of range: the table has 5 columns (0-based indices 0 to 4, or -1 to -5 from the end)');
    expect(error(PANDAS, { labelColumn: 1.5 })).toBe('the label column 1.5 is not a column index: expected an integer');
  });

  it('the label column dropped, nothing left, a name twice', () => {
    expect(error(PANDAS, { labelColumn: 'label', dropColumns: [0, -1] })).toBe('the label column "label" (index 4) is also among the columns to drop');
    expect(error('a,b\n1,2\n', { labelColumn: 'a', dropColumns: ['b'] })).toBe('no columns left for the logits: the table has 2, one is the label column and 1 is dropped');
    expect(error('a,b,a\n1,2,3\n', { labelColumn: 'a' })).toBe('the label column "a" is ambiguous: it is the name of columns 0 and 2 (0-based)');
  });

  it('ragged rows and empty tables, as for any CSV', () => {
    expect(error('a,y\n1,0\n2\n', { labelColumn: 'y' })).toBe('line 3 has 1 columns, expected 2');
    expect(error('a,y\n', { labelColumn: 'y' })).toBe('only a header row, no data');
  });
});
