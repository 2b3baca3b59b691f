/**
 * JSON reader: nesting of any depth, empty arrays, non-finite spellings (including Python's
 * bare NaN/Infinity), and errors that name the element path and the line/column.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseJson } from '../../src/io/json.js';
import { inputErrorSync } from './helpers.js';
import { expectTensor, fixtureText, manifest } from './manifest.js';

const parse = (text: string): { shape: number[]; values: number[] } => {
  const t = parseJson(text, 't.json');
  expect(t.data).toBeInstanceOf(Float64Array);
  expect(t.dtype).toBe('float64');
  return { shape: t.shape, values: Array.from(t.data as Float64Array) };
};

function jsonError(text: string): string {
  try {
    parseJson(text, 't.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).source).toBe('t.json');
    return (e as InputError).message;
  }
  throw new Error('expected parseJson to throw');
}

describe('parseJson', () => {
  it("reads Python's json.dumps of a 3-D list, bare NaN and -Infinity included", () => {
    expectTensor(parseJson(fixtureText('pydump.json'), 'pydump.json'), manifest.files['pydump.json'], 'float64');
  });

  it.each([
    ['2.5', [], [2.5]],
    ['[1, 2, 3]', [3], [1, 2, 3]],
    ['[[1, 2, 3], [4, 5, 6]]', [2, 3], [1, 2, 3, 4, 5, 6]],
    ['[[[1], [2]], [[3], [4]]]', [2, 2, 1], [1, 2, 3, 4]],
    ['[[[[7]]]]', [1, 1, 1, 1], [7]],
    ['[]', [0], []],
    ['[[], []]', [2, 0], []],
    ['[[[]]]', [1, 1, 0], []],
  ])('%s has shape %j', (text, shape, values) => {
    expect(parse(text)).toEqual({ shape, values });
  });

  it('reads booleans as 0/1, exponents, -0 and the non-finite strings', () => {
    expect(parse('[true, false, -0, 1e-3, 2E+2, -1.5e-300]').values).toEqual([1, 0, -0, 0.001, 200, -1.5e-300]);
    expect(parse('["NaN", "Infinity", "-Infinity", "nan", "inf", "-inf"]').values).toEqual([NaN, Infinity, -Infinity, NaN, Infinity, -Infinity]);
    expect(parse('[NaN, Infinity, -Infinity]').values).toEqual([NaN, Infinity, -Infinity]);
    expect(parse('"inf"')).toEqual({ shape: [], values: [Infinity] });
  });

  it('accepts whitespace, newlines and a BOM', () => {
    expect(parse('\uFEFF \n[\r\n [1,\t2] ,\n [3, 4]\n]\n\n')).toEqual({ shape: [2, 2], values: [1, 2, 3, 4] });
  });

  it('nests as deep as a tensor can (64 dims), and refuses deeper nesting early', () => {
    const t = parseJson('['.repeat(64) + '1' + ']'.repeat(64), 'deep.json');
    expect(t.shape.length).toBe(64);
    expect(Array.from(t.data as Float64Array)).toEqual([1]);
    expect(() => parseJson('['.repeat(20000) + '1' + ']'.repeat(20000), 'deep.json')).toThrow(
      'arrays nested more than 64 deep: a tensor has at most 64 dims',
    );
  });

  it('grows past its initial buffer', () => {
    const n = 5000;
    const t = parseJson(JSON.stringify(Array.from({ length: n }, (_, i) => [i, -i])), 'big.json');
    expect(t.shape).toEqual([n, 2]);
    expect([t.data[0], t.data[2 * n - 2], t.data[2 * n - 1]]).toEqual([0, n - 1, -(n - 1)]);
  });
});

describe('parseJson errors', () => {
  it('ragged arrays name the path', () => {
    expect(jsonError('[[1,2,3,4,5],[1,2,3,4,5],[1,2,3,4,5],[1,2,3,4]]')).toBe('ragged array at [3]: 4 elements, expected 5 (line 1, column 38)');
    expect(jsonError('[[1, 2], [3]]')).toBe('ragged array at [1]: 1 element, expected 2 (line 1, column 10)');
    expect(jsonError('[[1, 2], []]')).toBe('ragged array at [1]: 0 elements, expected 2 (line 1, column 10)');
    expect(jsonError('[[[1, 2], [3, 4]],\n [[5, 6], [7, 8, 9]]]')).toBe('ragged array at [1][1]: 3 elements, expected 2 (line 2, column 11)');
    expect(jsonError('[[1, 2], 3]')).toBe('ragged array at [1]: a number where a list was expected (line 1, column 10)');
    expect(jsonError('[1, [2]]')).toBe('ragged array at [1]: a list where a number was expected (line 1, column 5)');
    expect(jsonError('[[], [1]]')).toBe('ragged array at [1]: 1 element, expected 0 (line 1, column 6)');
  });

  it('non-numeric values name the path', () => {
    expect(jsonError('[[1, 2], [3, "abc"]]')).toBe('[1][1]: "abc" is not a number (line 1, column 14)');
    expect(jsonError('[[1, 2], [null, 4]]')).toBe('[1][0]: null is not a number (line 1, column 11)');
    expect(jsonError('[1, {"a": 2}]')).toBe('[1]: an object is not a number (line 1, column 5)');
    expect(jsonError('[1, "1.5"]')).toBe('[1]: "1.5" is not a number (line 1, column 5)');
    expect(jsonError('[1, "constructor"]')).toBe('[1]: "constructor" is not a number (line 1, column 5)');
    expect(jsonError('"abc"')).toBe('the top level: "abc" is not a number (line 1, column 1)');
  });

  it('an object inside an array', () => {
    expect(jsonError('[{"logits": [1, 2]}]')).toBe('[0]: an object is not a number (line 1, column 2)');
  });

  it('invalid JSON gives line and column', () => {
    expect(jsonError('[1, 2,\n 3,, 4]')).toBe('invalid JSON: unexpected ",", expected a value (line 2, column 4)');
    expect(jsonError('[1, 2')).toBe("invalid JSON: expected ',' or ']' after an array element (line 1, column 6)");
    expect(jsonError('[1, 2]]')).toBe('invalid JSON: unexpected text after the end of the data (line 1, column 7)');
    expect(jsonError('[1 2]')).toBe("invalid JSON: expected ',' or ']' after an array element (line 1, column 4)");
    expect(jsonError('[1, 2,]')).toBe('invalid JSON: unexpected "]", expected a value (line 1, column 7)');
    expect(jsonError('[.5]')).toBe('invalid JSON: unexpected ".", expected a value (line 1, column 2)');
    expect(jsonError('[-]')).toBe('invalid JSON: unexpected "-", expected a value (line 1, column 2)');
    expect(jsonError('[1, tru]')).toBe('invalid JSON: unexpected "tru", expected a value (line 1, column 5)');
    expect(jsonError('[1, "abc]')).toBe('invalid JSON: unterminated string (line 1, column 5)');
    expect(jsonError('["\\q"]')).toBe('invalid JSON: invalid string (line 1, column 2)');
    expect(jsonError('[')).toBe('invalid JSON: unexpected end of input, expected a value (line 1, column 2)');
  });

  it('an empty file', () => {
    expect(jsonError('')).toBe('empty file');
    expect(jsonError(' \n\t')).toBe('empty file');
  });
});

describe('parseJson on a JSON object: arrays by key', () => {
  const { keys } = manifest.containers['dump.json'];
  const listed = keys.map((k) => JSON.stringify(k)).join(', ');

  it.each(keys)("reads json.dump's object by key %s", (key) => {
    expectTensor(parseJson(fixtureText('dump.json'), 'dump.json', key), manifest.files[`dump.json:${key}`], 'float64');
  });

  it('needs no key when the object holds one array', () => {
    expectTensor(parseJson(fixtureText('single_key.json'), 'single_key.json'), manifest.files['single_key.json'], 'float64');
  });

  it('lists the keys when none or an unknown one is given', () => {
    const text = fixtureText('dump.json');
    expect(inputErrorSync(() => parseJson(text, 'dump.json'), 'dump.json').message).toBe(
      `the JSON object holds ${keys.length} arrays: pick one as dump.json:<key>; the keys are ${listed}`,
    );
    expect(inputErrorSync(() => parseJson(text, 'dump.json', 'logits'), 'dump.json').message).toBe(
      `no array "logits" in the JSON object; the keys are ${listed}`,
    );
    // strings, booleans and objects are not arrays
    for (const key of ['name', 'meta', 'meta.ok', 'meta.scores']) {
      expect(inputErrorSync(() => parseJson(text, 'dump.json', key), 'dump.json').message).toMatch(/^no array /);
    }
    expect(inputErrorSync(() => parseJson(text, 'dump.json', ''), 'dump.json').message).toBe(
      `an empty key after ':' in the JSON object; the keys are ${listed}`,
    );
  });

  it('walks nested objects, skipping strings with brackets and escapes', () => {
    const text = '{"s": "[{\\"}", "a": {"b": {"c": [[1, 2]]}, "d": -Infinity}, "e": [], "f": [{"x": 1}]}';
    const t = parseJson(text, 'n.json', 'a.b.c');
    expect([t.shape, Array.from(t.data)]).toEqual([[1, 2], [1, 2]]);
    expect(Array.from(parseJson(text, 'n.json', 'a.d').data)).toEqual([-Infinity]);
    expect(parseJson(text, 'n.json', 'e').shape).toEqual([0]);
    expect(inputErrorSync(() => parseJson(text, 'n.json', 'f'), 'n.json:f').message).toBe('[0]: an object is not a number (line 1, column 76)');
  });

  it('names file:key and the line of an error inside the array', () => {
    const e = inputErrorSync(() => parseJson('{"a": [1, 2],\n "b": [[1, 2], [3]]}', 't.json', 'b'), 't.json:b');
    expect(e.message).toBe('ragged array at [1]: 1 element, expected 2 (line 2, column 16)');
  });

  it('an object with no arrays', () => {
    expect(inputErrorSync(() => parseJson('{}', 't.json'), 't.json').message).toBe('the JSON object holds no arrays');
    expect(inputErrorSync(() => parseJson('{"a": "x"}', 't.json', 'a'), 't.json').message).toBe('no array "a" in the JSON object; the JSON object holds no arrays');
  });

  it('a key for an array or a number', () => {
    expect(inputErrorSync(() => parseJson('[1, 2]', 't.json', 'a'), 't.json').message).toBe("a JSON array has no keys (got ':a'); only a JSON object does");
    expect(inputErrorSync(() => parseJson('3', 't.json', 'a'), 't.json').message).toBe("a JSON number has no keys (got ':a'); only a JSON object does");
  });

  it.each([
    ['{"a" [1]}', "invalid JSON: expected ':' after an object key (line 1, column 6)"],
    ['{"a": [1] "b": 2}', "invalid JSON: expected ',' or '}' after an object member (line 1, column 11)"],
    ['{"a": [1],}', 'invalid JSON: expected a string key (line 1, column 11)'],
    ['{a: [1]}', "invalid JSON: expected a string key or '}' (line 1, column 2)"],
    ['{"a": [1, [2}', "invalid JSON: expected ',' or ']' after an array element (line 1, column 13)"],
    ['{"a": [1, 2', "invalid JSON: expected ',' or ']' after an array element (line 1, column 12)"],
    ['{"a": [1]}\n[2]', 'invalid JSON: unexpected text after the end of the data (line 2, column 1)'],
    ['{"a": [1], "a": [2]}', 'duplicate key "a" (line 1, column 17)'],
    ['{"a": "x\n"}', 'invalid JSON: unterminated string (line 1, column 7)'],
  ])('malformed object %j', (text, message) => {
    expect(inputErrorSync(() => parseJson(text, 't.json', 'a'), 't.json').message).toBe(message);
  });
});
