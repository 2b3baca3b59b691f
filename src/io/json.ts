/**
 * JSON tensors: nested arrays of numbers of any depth, or a bare number (shape ()). A small
 * single-pass parser writes the values straight into a Float64Array and infers the shape as
 * arrays close, so errors name both the element path ([3][1]) and the line/column. Beyond
 * JSON it accepts Python's json.dumps spellings NaN, Infinity and -Infinity.
 *
 * A JSON object is a container: its arrays (and numbers) are picked by key, nested objects'
 * with dots (`meta.scores.auc`). Only the picked value is parsed as a tensor; the rest is
 * skipped, so strings, booleans and null may sit beside the arrays.
 */
import { InputError } from '../errors.js';
import { MAX_DIMS, type Tensor } from '../tensor.js';
import { pickArray, type Container } from './container.js';
import { Float64Buffer } from './float64-buffer.js';
import { beyond2p53, Written } from './written.js';
import { failAt, jsonObject, skipSpace, stringEnd } from './json-scan.js';


const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** Strings that stand for non-finite values (lower-cased). */
const NON_FINITE_STRINGS = new Map([
  ['nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);
/** Unquoted words: JSON's booleans and Python's non-finite spellings. */
const BARE = new Map([
  ['true', 1],
  ['false', 0],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
]);

/** The tensor in a JSON text; for a JSON object, the array `key` names (or its only one). */
export function parseJson(text: string, source: string, key?: string): Tensor {
  const container = jsonContainer(text, source);
  if (container) return pickArray(container, key, source);
  const start = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0, text.length);
  if (key !== undefined && start < text.length) {
    throw new InputError(`a JSON ${text[start] === '[' ? 'array' : 'number'} has no keys (got ':${key}'); only a JSON object does`, source);
  }
  return new JsonTensorParser(text, source, 0, text.length).parse();
}

/** The arrays of a JSON text that is an object, by key; undefined for any other JSON text. */
export function jsonContainer(text: string, source: string): Container | undefined {
  const start = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0, text.length);
  if (text[start] !== '{') return undefined;
  return jsonObject(text, source, start, (at, keySource) => new JsonTensorParser(text, keySource, at, text.length, false).parse());
}

/**
 * The value starting at `start` and ending by `end`: a tensor, nothing but spaces after it.
 * `end` bounds the search, so a line of JSON Lines is parsed where it sits and errors count
 * lines and columns in the whole text.
 */
export function parseJsonValue(text: string, source: string, start: number, end: number, where = 'input'): Tensor {
  return new JsonTensorParser(text, source, start, end, true, where).parse();
}

class JsonTensorParser {
  private pos: number;
  private readonly values: Float64Buffer;
  private readonly written = new Written();
  /** Elements seen so far in each open array, outermost first: also the path of the next value. */
  private readonly open: number[] = [];
  /** Where each open array started, for errors about its length. */
  private readonly openedAt: number[] = [];
  /** Length of the arrays at each depth, fixed by the first one to close. */
  private readonly shape: number[] = [];
  /** Depth of the numbers, fixed by the first number or innermost empty array. */
  private ndim: number | undefined;

  /**
   * Parses the value at `start`; `whole` requires nothing but spaces from its end to `end`,
   * `where` names what `end` is in messages ("input", "line").
   */
  constructor(
    private readonly text: string,
    private readonly source: string,
    start: number,
    private readonly end: number,
    private readonly whole = true,
    private readonly where = 'input',
  ) {
    this.pos = start === 0 && text.charCodeAt(0) === 0xfeff ? 1 : start;
    // a value is at least one character, and all but the last are followed by a comma
    this.values = new Float64Buffer(Math.min(1024, (end - start + 1) >> 1));
  }

  parse(): Tensor {
    const { text, open } = this;
    this.skipSpace();
    if (this.pos >= this.end) this.fail('empty file');
    for (;;) {
      // a value is expected at this.pos
      this.skipSpace();
      if (text[this.pos] === '[' && this.pos < this.end) {
        this.openArray();
        this.skipSpace();
        if (text[this.pos] !== ']' || this.pos >= this.end) continue;
        this.closeArray();
      } else {
        this.leaf();
      }
      // a value just ended: close arrays until one continues with a comma
      for (;;) {
        const valueEnd = this.pos;
        this.skipSpace();
        if (open.length === 0) {
          if (this.whole && this.pos < this.end) {
            const nextLine = text.slice(valueEnd, this.pos).includes('\n');
            this.syntax(nextLine ? 'a second value after the end of the data; JSON Lines need a .jsonl name or the jsonl format' : 'unexpected text after the end of the data');
          }
          return this.result();
        }
        const ch = this.pos < this.end ? text[this.pos] : undefined;
        if (ch === ',') {
          open[open.length - 1]++;
          this.pos++;
          break;
        }
        if (ch !== ']') this.syntax("expected ',' or ']' after an array element");
        open[open.length - 1]++;
        this.closeArray();
      }
    }
  }

  private openArray(): void {
    if (this.open.length >= MAX_DIMS) this.fail(`arrays nested more than ${MAX_DIMS} deep: a tensor has at most ${MAX_DIMS} dims`, this.pos);
    if (this.ndim !== undefined && this.open.length >= this.ndim) {
      this.fail(`ragged array at ${this.path()}: a list where a number was expected`, this.pos);
    }
    this.openedAt.push(this.pos);
    this.open.push(0);
    this.pos++;
  }

  /** At the ']' of the innermost open array; its element count is already in `open`. */
  private closeArray(): void {
    const length = this.open.pop()!;
    const at = this.openedAt.pop()!;
    const depth = this.open.length;
    this.pos++;
    if (length === 0 && this.ndim === undefined) this.ndim = depth + 1;
    const expected = this.shape[depth];
    if (expected === undefined) this.shape[depth] = length;
    else if (length !== expected) {
      this.fail(`ragged array at ${this.path()}: ${plural(length)}, expected ${expected}`, at);
    }
  }

  private leaf(): void {
    const start = this.pos;
    const value = this.scalar();
    const depth = this.open.length;
    this.ndim ??= depth;
    if (depth !== this.ndim) this.fail(`ragged array at ${this.path()}: a number where a list was expected`, start);
    if (beyond2p53(value)) this.written.note(this.values.length, this.text.slice(start, this.pos));
    this.values.push(value);
  }

  private scalar(): number {
    const { text } = this;
    const start = this.pos;
    if (start >= this.end) this.syntax(`unexpected end of ${this.where}, expected a value`);
    const ch = text[start];
    if (ch === '"') {
      const s = this.string();
      const v = NON_FINITE_STRINGS.get(s.toLowerCase());
      return v ?? this.fail(`${this.path()}: ${describe(s)} is not a number`, start);
    }
    const c = text.charCodeAt(start);
    const numeric = (c >= 0x30 && c <= 0x39) || (c === 0x2d && text[start + 1] !== 'I'); // a digit, or '-' not before Infinity
    const word = numeric ? undefined : /^-?[A-Za-z]+/.exec(text.slice(start, start + 10))?.[0];
    const bare = word === undefined ? undefined : BARE.get(word);
    if (bare !== undefined) {
      this.pos += word!.length;
      return bare;
    }
    if (word === 'null') this.fail(`${this.path()}: null is not a number`, start);
    if (ch === '{') {
      if (this.open.length === 0) this.fail('a JSON object is not supported: expected nested arrays of numbers, or a number', start);
      this.fail(`${this.path()}: an object is not a number`, start);
    }
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(text);
    if (!m || m[0] === '-') this.syntax(`unexpected ${JSON.stringify(word ?? ch)}, expected a value`);
    this.pos += m![0].length;
    return Number(m![0]);
  }

  /** A JSON string starting at this.pos, decoded by JSON.parse once its end is found. */
  private string(): string {
    const start = this.pos;
    this.pos = stringEnd(this.text, start, (at, what) => this.fail(`invalid JSON: ${what}`, at));
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      this.pos = start;
      return this.syntax('invalid string');
    }
  }

  private skipSpace(): void {
    this.pos = skipSpace(this.text, this.pos, this.end);
  }

  private result(): Tensor {
    const { values, shape } = this;
    const dims = shape.slice(0, this.ndim);
    if (dims.reduce((a, b) => a * b, 1) !== values.length) throw new Error(`internal: ${values.length} values for shape [${dims.join(', ')}]`);
    const written = this.written.result();
    return { data: values.values(), shape: dims, dtype: 'float64', ...(written && { written }) };
  }

  private path(): string {
    return this.open.length === 0 ? 'the top level' : this.open.map((i) => `[${i}]`).join('');
  }

  private syntax(what: string): never {
    return this.fail(`invalid JSON: ${what}`, this.pos);
  }

  private fail(message: string, at?: number): never {
    if (at === undefined) throw new InputError(message, this.source);
    return failAt(this.text, this.source, at, message);
  }
}

function plural(n: number): string {
  return n === 1 ? '1 element' : `${n} elements`;
}

function describe(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}
