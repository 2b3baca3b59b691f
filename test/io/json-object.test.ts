/**
 * The members of a JSON object that are not picked: a key twice in one object is an error
 * whatever its values, and a value only skipped is checked as the tensor reader checks the
 * same value on its own (same message, same place), in memory and in a file read in chunks
 * of a few bytes.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openJsonContainer, openJsonFile } from '../../src/io/json-file.js';
import { jsonContainer, parseJson } from '../../src/io/json.js';
import { streaming } from '../../src/io/npy-file.js';
import { runCli } from '../helpers.js';
import { everyJsonFileInBlocks, tempFiles } from './json-check.js';

const file = tempFiles('json-object');

everyJsonFileInBlocks();
const SIZES = [4, 5, 7, 8, 13, 64];

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.message;
  }
  return 'no error';
}

/** The error of `text` (for array `key`) in memory, and the same from a file in chunks of every size. */
function errorsOf(text: string, key?: string): string[] {
  const found = [errorOf(() => parseJson(text, 't.json', key))];
  const path = file(text);
  const saved = streaming.blockBytes;
  for (const size of SIZES) {
    streaming.blockBytes = size;
    found.push(errorOf(() => openJsonFile(path, 'json', key)));
    found.push(errorOf(() => openJsonContainer(path, undefined)));
  }
  streaming.blockBytes = saved;
  return [...new Set(found)];
}

describe('a key twice in one JSON object', () => {
  it.each([
    ['{"x":{"logits": [[1,2]]}, "x": {"labels": [1]}}', 'x.labels', 'duplicate key "x" (line 1, column 32)'],
    ['{"logits": {"a": [[1,2]]}, "logits": {"b": [[5,0]]}, "labels": [1]}', 'logits.a', 'duplicate key "logits" (line 1, column 38)'],
    ['{"a": {"b": [[1,2]]}, "a": 3}', 'a.b', 'duplicate key "a" (line 1, column 28)'],
    ['{"a": 3, "a": {"b": [[1,2]]}}', 'a.b', 'duplicate key "a" (line 1, column 15)'],
    ['{"a": {"b": [[1,2]]}, "a": "s"}', 'a.b', 'duplicate key "a" (line 1, column 28)'],
    ['{"a": null, "a": [1]}', 'a', 'duplicate key "a" (line 1, column 18)'],
    ['{"m": {"a": {}, "b": [1], "a": true}}', 'm.b', 'duplicate key "m.a" (line 1, column 32)'],
  ])('%j is an error', (text, key, message) => {
    expect(errorsOf(text, key)).toEqual([message]);
  });

  it('one key in two objects, or in an object closed before, is no duplicate', () => {
    const text = '{"a": {"x": [1], "y": {"x": [2]}}, "b": {"x": [3], "y": {"x": [4]}}, "x": [5]}';
    const container = jsonContainer(text, 't.json')!;
    expect(container.keys).toEqual(['a.x', 'a.y.x', 'b.x', 'b.y.x', 'x']);
    expect(container.keys.map((k) => Array.from(container.read(k, k).data))).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('exits 2 with the one line on stderr', async () => {
    const path = file('{"x":{"logits": [[1,2]]}, "x": {"labels": [1]}}');
    const { code, stdout, stderr } = await runCli(['ce', path, '-q']);
    expect([code, stdout, stderr]).toEqual([2, '', `losscalc: ${path}: duplicate key "x" (line 1, column 32)\n`]);
  });
});

describe('a value that is skipped is checked', () => {
  it.each([
    ['{"logits":[[1,2]], "labels":[1], "junk":[1,,2]}', 'invalid JSON: unexpected ",", expected a value (line 1, column 44)'],
    ['{"logits":[[1,2]], "labels":[1], "junk":{"a":[1,]}}', 'invalid JSON: unexpected "]", expected a value (line 1, column 49)'],
    ['{"logits": [[1, 2], [1,]3, 4], [5, 6]], "labels": [0, 1, 1]}', 'invalid JSON: unexpected "]", expected a value (line 1, column 24)'],
    ['{"logits":[[1,2]], "labels":[1], "s":"a\\qb"}', 'invalid JSON: invalid string (line 1, column 38)'],
    ['{"logits":[[1,2]], "labels":[1], "m":{"a" 1}}', "invalid JSON: expected ':' after an object key (line 1, column 43)"],
    ['{"logits":[[1,2]], "labels":[1], "m":[{"a": 1,}]}', 'invalid JSON: expected a string key (line 1, column 47)'],
    ['{"logits":[[1,2]], "labels":[1], "m":[{"a": 1 "b": 2}]}', "invalid JSON: expected ',' or '}' after an object member (line 1, column 47)"],
    ['{"logits":[[1,2]], "labels":[1], "m":[1 2]}', "invalid JSON: expected ',' or ']' after an array element (line 1, column 41)"],
    ['{"logits":[[1,2]], "labels":[1], "m":[1: 2]}', "invalid JSON: expected ',' or ']' after an array element (line 1, column 40)"],
    ['{"logits":[[1,2]], "labels":[1], "m":nul}', 'invalid JSON: unexpected "nul", expected a value (line 1, column 38)'],
  ])('%j', (text, message) => {
    expect(errorsOf(text, 'labels')).toEqual([message]);
  });

  // arrays with a syntax error: skipped on their own line inside an object, they give what
  // the tensor reader gives for them as a whole text, one line further down
  it.each([
    '[1, 2,\n 3,, 4]',
    '[1 2]',
    '[1, 2,]',
    '[.5]',
    '[1, -]',
    '[1, NaNa]',
    '[1, Infinityyyyy]',
    '[1, 1.]',
    '[1, 1e]',
    '[1, 01]',
    '[1, +1]',
    '[1, "abc]',
    '[1, "ab\\q"]',
    '[1, "a\\u12G4"]',
    '[1, "a\tb"]',
    '[1, \u00e9]',
    '[[1], [2}',
    '[[1], :2]',
    '[tru, 1]',
  ])('%j', (bad) => {
    const alone = errorOf(() => parseJson(bad, 't.json'));
    expect(alone).toMatch(/^invalid JSON: .* \(line \d+, column \d+\)$/);
    const oneLineDown = alone.replace(/\(line (\d+),/, (_, line: string) => `(line ${Number(line) + 1},`);
    expect(errorsOf(`{"labels": [1], "junk":\n${bad}\n}`, 'labels')).toEqual([oneLineDown]);
    expect(errorsOf(`{"labels": [1], "junk": {"deeper": [{"a": 1}, "s",\n${bad}\n]}}`, 'labels')).toEqual([oneLineDown]);
  });

  it('every kind of valid value is skipped, in memory and in chunks', () => {
    const text = String.raw`{"s": "x\"y\\\/\b\f\n\r\t\u00e9\uD83D\uDE00 é€😀", "t": true, "f": false, "n": null, "deep": {"e": {}, "a": [], "m": [1.5e3, -0, 0.25E-2, "s", [], {}, [true, null, {"k": [NaN, -Infinity]}]]}, "labels": [0, 1]}`;
    expect(JSON.parse(text.replace(/NaN|-Infinity/g, '0')).labels).toEqual([0, 1]);
    expect(errorsOf(text, 'labels')).toEqual(['no error']);
    expect(Array.from(parseJson(text, 't.json', 'labels').data)).toEqual([0, 1]);
  });
});
