/**
 * JSON Lines: json.dumps per line (rows of a matrix, numbers, nested rows), blank lines,
 * CRLF, a BOM; errors that name the line.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonLines } from '../../src/io/jsonl.js';
import { inputErrorSync } from './helpers.js';
import { expectTensor, fact, fixtureText, manifest } from './manifest.js';

const error = (text: string): string => inputErrorSync(() => parseJsonLines(text, 't.jsonl'), 't.jsonl').message;

describe('parseJsonLines on Python-written files', () => {
  it.each(['rows.jsonl', 'numbers.jsonl', 'nested.jsonl'])('%s', (name) => {
    expectTensor(parseJsonLines(fixtureText(name), name), manifest.files[name], 'float64');
  });
});

describe('parseJsonLines', () => {
  it('stacks the rows: (N, ...) from rows, (N) from numbers', () => {
    expect(parseJsonLines('[1, 2]\n[3, 4]\n', 't').shape).toEqual([2, 2]);
    expect(parseJsonLines('1\n2\n3', 't').shape).toEqual([3]);
    expect(parseJsonLines('[[1], [2]]\n[[3], [4]]\n', 't').shape).toEqual([2, 2, 1]);
    expect(parseJsonLines('[]\n[]\n', 't').shape).toEqual([2, 0]);
  });

  it('takes blank lines, CRLF, a BOM, spaces and the non-finite spellings', () => {
    const t = parseJsonLines('\uFEFF  [1, NaN]  \r\n\r\n \t \r\n["-inf", 4e1]\r\n\r\n', 't');
    expect([t.shape, Array.from(t.data)]).toEqual([[2, 2], [1, NaN, -Infinity, 40]]);
  });

  it('a line of Unicode spaces (NBSP, U+2028, a BOM) is blank, as String.trim sees it', () => {
    const t = parseJsonLines('[1]\n\u00a0\u2028 \uFEFF\n[2]\n\u3000', 't');
    expect([t.shape, Array.from(t.data)]).toEqual([[2, 1], [1, 2]]);
    expect(error('[1]\n\u00a0[2]\n')).toBe('invalid JSON: unexpected "\u00a0", expected a value (line 2, column 1)');
  });

  it('rows of different shapes name both lines', () => {
    const name = 'ragged.jsonl';
    const e = inputErrorSync(() => parseJsonLines(fixtureText(name), name), name);
    expect(e.message).toBe(`line ${fact(name, 'line')}: a row of shape (${fact<number[]>(name, 'shape')},), but line 1 has (${fact<number[]>(name, 'first_shape')},)`);
    expect(error('1\n[1]\n')).toBe('line 2: a row of shape (1,), but line 1 has ()');
  });

  it('a bad value names its line and column in the file', () => {
    const name = 'bad_value.jsonl';
    const e = inputErrorSync(() => parseJsonLines(fixtureText(name), name), name);
    expect(e.message).toBe(`[1]: "x" is not a number (line ${fact(name, 'line')}, column ${fact(name, 'column')})`);
  });

  it('a value may not run onto the next line', () => {
    expect(error('[1,\n2]\n')).toBe('invalid JSON: unexpected end of line, expected a value (line 1, column 4)');
    expect(error('[1, 2\n]\n')).toBe("invalid JSON: expected ',' or ']' after an array element (line 1, column 6)");
    expect(error('[1] [2]\n')).toBe('invalid JSON: unexpected text after the end of the data (line 1, column 5)');
  });

  it('objects and empty input', () => {
    expect(error('[1]\n{"a": 1}\n')).toBe('a JSON object is not supported: expected nested arrays of numbers, or a number (line 2, column 1)');
    expect(error('')).toBe('empty file');
    expect(error('\n \r\n\n')).toBe('empty file');
  });
});
