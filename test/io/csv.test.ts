/**
 * CSV reader: numpy's savetxt output, header detection, line endings, BOM, quoting, numpy's
 * text tokens, and errors that name line and column.
 */
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { parseCsv, parseNumber } from '../../src/io/csv.js';
import { parseTable } from '../../src/io/table.js';
import { expectTensor, fact, fixtureText, manifest } from './manifest.js';

const values = (text: string, delimiter?: string, header?: boolean): number[] =>
  Array.from(parseCsv(text, 't.csv', { delimiter, header }).data as Float64Array);
const shape = (text: string): number[] => parseCsv(text, 't.csv').shape;
const tableOf = (text: string, labelColumn: string, dropColumns?: string[]) => {
  const t = parseTable(text, 't.csv', { labelColumn, dropColumns });
  return { logits: Array.from(t.logits.data as Float64Array), labels: Array.from(t.labels.data as Float64Array) };
};

function csvError(text: string, delimiter?: string, header?: boolean): string {
  try {
    parseCsv(text, 't.csv', { delimiter, header });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).source).toBe('t.csv');
    return (e as InputError).message;
  }
  throw new Error('expected parseCsv to throw');
}

describe('parseNumber', () => {
  // a long cell of digits that is not a number must not backtrack through every split of its
  // digits (found by the fuzzer: a 1 MB cell took minutes); this finishes in the test's timeout
  it('rejects a long almost-number in linear time', () => {
    for (const tail of ['x', '.5.', 'e', '-']) expect(parseNumber('9'.repeat(300_000) + tail)).toBeUndefined();
    expect(parseNumber('9'.repeat(300_000) + '.5')).toBe(Infinity);
  });

  it.each([
    ['1', 1],
    [' -2.5 ', -2.5],
    ['+3', 3],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['-1.5E-3', -0.0015],
    ['6.02e+23', 6.02e23],
    ['-0', -0],
    ['nan', NaN],
    ['NaN', NaN],
    ['-nan', NaN],
    ['inf', Infinity],
    ['+inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['-INFINITY', -Infinity],
    ['1.000000000000000056e-01', 0.1],
  ])('%j is %d', (cell, expected) => {
    expect(parseNumber(cell)).toBe(expected);
  });

  it.each(['', ' ', 'abc', '1,5', '0x10', '1_000', '1e', 'e3', '--1', '1 2', 'infinit', 'nana', 'true'])('%j is not a number', (cell) => {
    expect(parseNumber(cell)).toBeUndefined();
  });
});

describe('parseCsv on numpy-written text', () => {
  it('reads savetxt output with a # header and nan/inf', () => {
    expectTensor(parseCsv(fixtureText('savetxt.csv'), 'savetxt.csv'), manifest.files['savetxt.csv'], 'float64');
  });

  it('reads tab-separated savetxt output', () => {
    expectTensor(parseCsv(fixtureText('savetxt.tsv'), 'savetxt.tsv', { delimiter: '\t' }), manifest.files['savetxt.tsv'], 'float64');
  });

  it('reads TSV written by csv.writer: a BOM, every field quoted, CRLF, a header', () => {
    expectTensor(parseCsv(fixtureText('quoted_bom.tsv'), 'q.tsv', { delimiter: '\t' }), manifest.files['quoted_bom.tsv'], 'float64');
  });

  it('reads another delimiter', () => {
    expectTensor(parseCsv(fixtureText('semicolon.txt'), 's.txt', { delimiter: ';' }), manifest.files['semicolon.txt'], 'float64');
  });

  it('reads a single column as a 1-D tensor', () => {
    expectTensor(parseCsv(fixtureText('savetxt_column.csv'), 'c.csv'), manifest.files['savetxt_column.csv'], 'float64');
  });
});

describe("parseCsv on pandas' to_csv output", () => {
  it('skips the header of column numbers above floats', () => {
    expectTensor(parseCsv(fixtureText('pandas_columns.csv'), 'p.csv'), manifest.files['pandas_columns.csv'], 'float64');
  });

  it('reads the header "0" above integer labels as data, unless told it is a header', () => {
    const text = fixtureText('pandas_labels.csv');
    expectTensor(parseCsv(text, 'p.csv', { header: true }), manifest.files['pandas_labels.csv'], 'float64');
    // as np.savetxt(fmt='%d') writes labels 0, ...: the rule cannot tell, so it reads every row
    const labels = manifest.files['pandas_labels.csv'].values;
    expect(values(text)).toEqual([0, ...labels]);
  });

  it("refuses pandas' unnamed index column, which would be read as a class", () => {
    const name = 'pandas_columns_index.csv';
    const c = fact<number>(name, 'column');
    expect(csvError(fixtureText(name))).toBe(
      `column ${c} (index ${c - 1}) has no name in the header, as pandas writes its index: write the file with index=False (one table of logits and labels can drop it instead: --label-column <name> --drop-columns ${c - 1})`,
    );
  });
});

describe('the header rule', () => {
  it('a first row that mixes numbers and text is data, and its text cell an error', () => {
    expect(csvError('0.1,0.2,abc,1\n0.3,0.4,0.5,2\n0.6,0.1,0.2,0\n')).toBe('line 1, column 3: "abc" is not a number (if line 1 is a header, give --header)');
    expect(csvError('id,1,2\n1,2,3\n')).toBe('line 1, column 1: "id" is not a number (if line 1 is a header, give --header)');
    expect(csvError('# c\n\n1,x\n2,3\n')).toBe('line 3, column 2: "x" is not a number (if line 3 is a header, give --header)');
    expect(csvError('1.5,x\n')).toBe('line 1, column 2: "x" is not a number (if line 1 is a header, give --header)');
  });

  it('a row of names only is a header', () => {
    expect(values('a,b\n1,2\n')).toEqual([1, 2]);
    expect(values('label\n1\n2\n')).toEqual([1, 2]);
    expect(values('nan?,x y\n1,2\n')).toEqual([1, 2]);
  });

  it("pandas' header of column numbers: 0..k-1 in order, with names around, above a row that is not all integers", () => {
    expect(values('0,1,2\n0.5,1.0,1e-05\n2.5,-1.0,inf\n')).toEqual([0.5, 1, 1e-5, 2.5, -1, Infinity]);
    expect(values('0\n1.5\n2.5\n')).toEqual([1.5, 2.5]);
    // integers below: np.savetxt(fmt='%d') writes such rows too, so they are data
    expect(values('0,1\n1,0\n0,1\n')).toEqual([0, 1, 1, 0, 0, 1]);
    expect(values('0\n1\n2\n')).toEqual([0, 1, 2]);
    // not pandas' numbering: data
    expect(values('1,0\n0.5,1.5\n')).toEqual([1, 0, 0.5, 1.5]);
    expect(values('0,2\n0.5,1.5\n')).toEqual([0, 2, 0.5, 1.5]);
    expect(values('0.0,1.0\n0.5,1.5\n')).toEqual([0, 1, 0.5, 1.5]);
    // a lone row is data
    expect(values('0,1,2\n')).toEqual([0, 1, 2]);
  });

  it("pandas' header with a name among its numbers is a header, even above integers", () => {
    expect(tableOf('0,1,2,label\n3,-1,2,1\n0,4,-2,2\n', 'label')).toEqual({ logits: [3, -1, 2, 0, 4, -2], labels: [1, 2] });
    expect(tableOf(',0,1\n0,3,1\n1,2,0\n', '-1', ['0'])).toEqual({ logits: [3, 2], labels: [1, 0] });
  });

  it('--header and --no-header decide instead', () => {
    expect(values('1,2\n3,4\n', undefined, true)).toEqual([3, 4]);
    expect(values('0,1\n1,0\n', undefined, true)).toEqual([1, 0]);
    expect(values('0,1\n0.5,1.5\n', undefined, false)).toEqual([0, 1, 0.5, 1.5]);
    expect(csvError('a,b\n1,2\n', undefined, false)).toBe('line 1, column 1: "a" is not a number');
    expect(csvError('1,2\n', undefined, true)).toBe('only a header row, no data');
    expect(csvError('# c\n1,2\n\n', undefined, true)).toBe('only a header row, no data');
  });
});

describe('parseCsv', () => {
  it('gives (N, C) for several columns and (N,) for one', () => {
    expect(shape('1,2,3\n4,5,6\n')).toEqual([2, 3]);
    expect(shape('1\n2\n3\n4\n')).toEqual([4]);
    expect(shape('7')).toEqual([1]);
    expect(shape('1,2,3')).toEqual([1, 3]);
    expect(parseCsv('1,2\n', 't.csv').data).toBeInstanceOf(Float64Array);
    expect(parseCsv('1,2\n', 't.csv').dtype).toBe('float64');
  });

  it('detects and skips a header row', () => {
    expect(values('a,b,c\n1,2,3\n4,5,6\n')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(shape('a,b,c\n1,2,3\n4,5,6\n')).toEqual([2, 3]);
    expect(shape('label\n0\n2\n1\n')).toEqual([3]);
    expect(values('"x","y"\n1,2\n')).toEqual([1, 2]);
  });

  it('does not take a numeric first row for a header', () => {
    expect(values('1,2\n3,4\n')).toEqual([1, 2, 3, 4]);
  });

  it('accepts CRLF, a BOM, trailing newlines and blank trailing lines', () => {
    expect(values('\uFEFFa,b\r\n1,2\r\n3,4\r\n')).toEqual([1, 2, 3, 4]);
    expect(values('\uFEFF1,2\r\n3,4')).toEqual([1, 2, 3, 4]);
    expect(values('1,2\n3,4\n\n\n')).toEqual([1, 2, 3, 4]);
    expect(values('1,2\r\n3,4\r\n\r\n  \r\n')).toEqual([1, 2, 3, 4]);
    expect(values('1\r2\r')).toEqual([1, 2]);
  });

  it('skips blank lines and # comment lines anywhere, as numpy.loadtxt does', () => {
    expect(values('# made by hand\n1,2\n\n# more\n3,4\n')).toEqual([1, 2, 3, 4]);
  });

  it('reads quoted numbers, spaces around cells, exponents and nan/inf tokens', () => {
    expect(values('"1.5","-2e3"\n" 3 ",4\n')).toEqual([1.5, -2000, 3, 4]);
    expect(values(' 1 , 2 \n3,\t4\n')).toEqual([1, 2, 3, 4]);
    expect(values('nan,inf,-inf,+inf\nInfinity,NaN,-Infinity,1E-2\n')).toEqual([NaN, Infinity, -Infinity, Infinity, Infinity, NaN, -Infinity, 0.01]);
  });

  it('takes another delimiter', () => {
    expect(values('1\t2\n3\t4\n', '\t')).toEqual([1, 2, 3, 4]);
    expect(values('1;2\n3;4\n', ';')).toEqual([1, 2, 3, 4]);
  });

  it('grows past its initial buffer', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},${-i}`).join('\n');
    const t = parseCsv(rows, 'big.csv');
    expect(t.shape).toEqual([3000, 2]);
    expect(t.data.length).toBe(6000);
    expect([t.data[0], t.data[5998], t.data[5999]]).toEqual([0, 2999, -2999]);
  });
});

describe('parseCsv errors', () => {
  it('names line and column of a non-numeric cell', () => {
    expect(csvError('a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,2,3\n1,2,3\n1,2,abc\n')).toBe('line 7, column 3: "abc" is not a number');
    expect(csvError('1,2\r\n3,4\r\n5,x\r\n')).toBe('line 3, column 2: "x" is not a number');
    expect(csvError('1,2\n\n\n3,4\nx,5\n')).toBe('line 5, column 1: "x" is not a number');
    expect(csvError('# c\n1,2\n# c\n3,?\n')).toBe('line 4, column 2: "?" is not a number');
    expect(csvError('\uFEFF1,2\nfoo,4\n')).toBe('line 2, column 1: "foo" is not a number');
  });

  it('counts lines inside quoted multi-line cells', () => {
    expect(csvError('1,2,3\n4,"5\n",x\n')).toBe('line 3, column 3: "x" is not a number');
    expect(csvError('1,2,3\n4,"5\n",6\n7,8,y\n')).toBe('line 4, column 3: "y" is not a number');
    expect(csvError('1,2,3\n"4\n\n",5,6\n7,8\n')).toBe('line 5 has 2 columns, expected 3');
  });

  it('reports a bad first data row rather than calling it a header', () => {
    expect(csvError('1,x\n2,y\n')).toBe('line 1, column 2: "x" is not a number (if line 1 is a header, give --header)');
    expect(csvError('1,\n2,3\n')).toBe('line 1, column 2: an empty cell is not a number');
  });

  it('names an empty cell', () => {
    expect(csvError('1,2\n3,\n')).toBe('line 2, column 2: an empty cell is not a number');
    expect(csvError('1,2\n,\n')).toBe('line 2, column 1: an empty cell is not a number');
  });

  it('ragged rows', () => {
    expect(csvError('a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n')).toBe('line 5 has 3 columns, expected 4');
    expect(csvError('1,2\n3,4,5\n')).toBe('line 2 has 3 columns, expected 2');
    expect(csvError('1,2,3,\n')).toBe('line 1, column 4: an empty cell is not a number');
  });

  it('empty file, header only, comments only', () => {
    expect(csvError('')).toBe('empty file');
    expect(csvError('\uFEFF')).toBe('empty file');
    expect(csvError('\n\r\n  \n')).toBe('empty file');
    expect(csvError('a,b,c\n')).toBe('only a header row, no data');
    expect(csvError('logit\n\n')).toBe('only a header row, no data');
    expect(csvError('# nothing here\n')).toBe('no data: only blank lines and comments');
  });

  it('an unterminated quote', () => {
    expect(csvError('1,2\n"3,4\n')).toBe('line 2: quoted field unterminated');
  });

  it('hints at space-separated values', () => {
    expect(csvError('1.0 2.0\n3.0 4.0\n')).toBe(
      'line 1, column 1: "1.0 2.0" is not a number (the delimiter is ","; is the file space-separated?)',
    );
    expect(csvError('1 2 3\n')).toBe('line 1, column 1: "1 2 3" is not a number (the delimiter is ","; is the file space-separated?)');
    expect(csvError('a b\n1 2\n')).toBe('line 2, column 1: "1 2" is not a number (the delimiter is ","; is the file space-separated?)');
  });

  it('refuses a delimiter that cannot separate fields', () => {
    for (const delimiter of ['', '"', '\n', '\r\n', '#']) {
      expect(() => parseCsv('1,2\n', 't.csv', { delimiter })).toThrow(UsageError);
    }
  });

  it('a long cell is shortened in the message', () => {
    expect(csvError(`1\n${'z'.repeat(100)}\n`)).toBe(`line 2, column 1: "${'z'.repeat(37)}..." is not a number`);
  });
});
