/**
 * JSON tensors: nested arrays of numbers of any depth, or a bare number (shape ()). A small
 * single-pass parser writes the values straight into a Float64Array and infers the shape as
 * arrays close, so errors name both the element path ([3][1]) and the line/column. Beyond
 * JSON it accepts Python's json.dumps spellings NaN, Infinity and -Infinity.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';

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

export function parseJson(text: string, source: string): Tensor {
  return new JsonTensorParser(text, source).parse();
}

class JsonTensorParser {
  private pos = 0;
  private values = new Float64Array(1024);
  private count = 0;
  /** Elements seen so far in each open array, outermost first: also the path of the next value. */
  private readonly open: number[] = [];
  /** Where each open array started, for errors about its length. */
  private readonly openedAt: number[] = [];
  /** Length of the arrays at each depth, fixed by the first one to close. */
  private readonly shape: number[] = [];
  /** Depth of the numbers, fixed by the first number or innermost empty array. */
  private ndim: number | undefined;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  parse(): Tensor {
    const { text, open } = this;
    this.skipSpace();
    if (this.pos === text.length) this.fail('empty file');
    for (;;) {
      // a value is expected at this.pos
      this.skipSpace();
      if (text[this.pos] === '[') {
        this.openArray();
        this.skipSpace();
        if (text[this.pos] !== ']') continue;
        this.closeArray();
      } else {
        this.leaf();
      }
      // a value just ended: close arrays until one continues with a comma
      for (;;) {
        this.skipSpace();
        if (open.length === 0) {
          if (this.pos < text.length) this.syntax('unexpected text after the end of the data');
          return this.result();
        }
        const ch = text[this.pos];
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
    if (this.count === this.values.length) {
      const grown = new Float64Array(2 * this.values.length);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  private scalar(): number {
    const { text } = this;
    const start = this.pos;
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
    if (!m || m[0] === '-') {
      if (start === text.length) this.syntax('unexpected end of input, expected a value');
      this.syntax(`unexpected ${JSON.stringify(word ?? ch)}, expected a value`);
    }
    this.pos += m![0].length;
    return Number(m![0]);
  }

  /** A JSON string starting at this.pos, decoded by JSON.parse once its end is found. */
  private string(): string {
    const { text } = this;
    const start = this.pos;
    let i = start + 1;
    while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    if (text[i] !== '"') this.syntax('unterminated string');
    this.pos = i + 1;
    try {
      return JSON.parse(text.slice(start, i + 1)) as string;
    } catch {
      this.pos = start;
      return this.syntax('invalid string');
    }
  }

  private skipSpace(): void {
    const { text } = this;
    for (;;) {
      const ch = text.charCodeAt(this.pos);
      if (ch !== 0x20 && ch !== 0x0a && ch !== 0x0d && ch !== 0x09) return;
      this.pos++;
    }
  }

  private result(): Tensor {
    const { values, count, shape } = this;
    const dims = shape.slice(0, this.ndim);
    if (dims.reduce((a, b) => a * b, 1) !== count) throw new Error(`internal: ${count} values for shape [${dims.join(', ')}]`);
    return { data: count === values.length ? values : values.slice(0, count), shape: dims, dtype: 'float64' };
  }

  private path(): string {
    return this.open.length === 0 ? 'the top level' : this.open.map((i) => `[${i}]`).join('');
  }

  private syntax(what: string): never {
    return this.fail(`invalid JSON: ${what}`, this.pos);
  }

  private fail(message: string, at?: number): never {
    throw new InputError(at === undefined ? message : `${message} (${lineColumn(this.text, at)})`, this.source);
  }
}

function lineColumn(text: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

function plural(n: number): string {
  return n === 1 ? '1 element' : `${n} elements`;
}

function describe(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}
