/**
 * The tensor value of a JSON text, checked in one pass over its bytes (json-cursor.ts: the
 * whole text in memory, or a file in chunks): the nesting is checked and the shape inferred
 * as arrays close, so errors name both the element path ([3][1]) and the line/column. Beyond
 * JSON it accepts Python's json.dumps spellings NaN, Infinity and -Infinity. The pass keeps
 * the values, or only counts them and notes where some of them start (Seen), so that
 * json-file.ts can read a file's values later, in blocks, from there.
 */
import { InputError } from '../errors.js';
import { MAX_DIMS, type Tensor } from '../tensor.js';
import type { Float64Buffer } from './float64-buffer.js';
import { END, failAt, NL, skipBom, type Cursor } from './json-cursor.js';
import { numberAt } from './json-number.js';
import { bareAt, charAt, readString, skipSpace, startsNumber, wordAt, type Fail } from './json-scan.js';
import { beyond2p53, Written } from './written.js';

/** Strings that stand for non-finite values (lower-cased). */
export const NON_FINITE_STRINGS = new Map([
  ['nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);
/** What a pass saw of the values: how many, where some start, the integers beyond 2^53; the values when kept. */
export class Seen {
  count = 0;
  /** Byte offsets of the values at `markIndices`: every `markEvery`-th value. */
  readonly markOffsets: number[] = [];
  readonly markIndices: number[] = [];
  readonly written = new Written();

  constructor(
    readonly markEvery: number,
    readonly values?: Float64Buffer,
  ) {}

  add(value: number, offset: number): void {
    if (this.count % this.markEvery === 0) {
      this.markOffsets.push(offset);
      this.markIndices.push(this.count);
    }
    this.values?.push(value);
    this.count++;
  }

  /** The values kept, as a tensor of `shape`. */
  tensor(shape: number[]): Tensor {
    const written = this.written.result();
    return { data: this.values!.values(), shape, dtype: 'float64', ...(written && { written }) };
  }
}

export interface ScanOptions {
  /** Nothing but spaces may follow the value (up to the end, or the line's end). */
  whole: boolean;
  /** The value is one line of JSON Lines: a newline ends it. */
  line?: boolean;
}

/**
 * Reads the tensor value at the cursor into `seen` and returns its shape; errors name
 * `source` and the line and column.
 */
export function scanTensor(c: Cursor, source: string, seen: Seen, options: ScanOptions): number[] {
  return new TensorScan(c, source, seen, options.whole, options.line ?? false).parse();
}

class TensorScan {
  /** Elements seen so far in each open array, outermost first: also the path of the next value. */
  private readonly open: number[] = [];
  /** Where each open array started, for errors about its length. */
  private readonly openedAt: number[] = [];
  /** Length of the arrays at each depth, fixed by the first one to close. */
  private readonly shape: number[] = [];
  /** Depth of the numbers, fixed by the first number or innermost empty array. */
  private ndim: number | undefined;
  private readonly first: number;

  constructor(
    private readonly c: Cursor,
    private readonly source: string,
    private readonly seen: Seen,
    private readonly whole: boolean,
    private readonly line: boolean,
  ) {
    skipBom(c);
    this.first = seen.count;
  }

  parse(): number[] {
    const { c, open } = this;
    this.skipSpace();
    if (this.atEnd()) this.fail('empty file');
    for (;;) {
      // a value is expected at the cursor
      this.skipSpace();
      if (c.peek() === 0x5b) {
        this.openArray();
        this.skipSpace();
        if (c.peek() !== 0x5d) continue;
        this.closeArray();
      } else {
        this.leaf();
      }
      // a value just ended: close arrays until one continues with a comma
      for (;;) {
        const newline = this.skipSpace();
        if (open.length === 0) {
          if (this.whole && !this.atEnd()) {
            this.syntax(newline ? 'a second value after the end of the data; JSON Lines need a .jsonl name or the jsonl format' : 'unexpected text after the end of the data');
          }
          return this.result();
        }
        const b = this.atEnd() ? END : c.peek();
        if (b === 0x2c) {
          open[open.length - 1]++;
          c.pos++;
          break;
        }
        if (b !== 0x5d) this.syntax("expected ',' or ']' after an array element");
        open[open.length - 1]++;
        this.closeArray();
      }
    }
  }

  private atEnd(): boolean {
    const b = this.c.peek();
    return b === END || (this.line && b === NL);
  }

  private skipSpace(): boolean {
    return skipSpace(this.c, this.line);
  }

  private openArray(): void {
    const at = this.c.offset;
    if (this.open.length >= MAX_DIMS) this.fail(`arrays nested more than ${MAX_DIMS} deep: a tensor has at most ${MAX_DIMS} dims`, at);
    if (this.ndim !== undefined && this.open.length >= this.ndim) {
      this.fail(`ragged array at ${this.path()}: a list where a number was expected`, at);
    }
    this.openedAt.push(at);
    this.open.push(0);
    this.c.pos++;
  }

  /** At the ']' of the innermost open array; its element count is already in `open`. */
  private closeArray(): void {
    const length = this.open.pop()!;
    const at = this.openedAt.pop()!;
    const depth = this.open.length;
    this.c.pos++;
    if (length === 0 && this.ndim === undefined) this.ndim = depth + 1;
    const expected = this.shape[depth];
    if (expected === undefined) this.shape[depth] = length;
    else if (length !== expected) {
      this.fail(`ragged array at ${this.path()}: ${plural(length)}, expected ${expected}`, at);
    }
  }

  private leaf(): void {
    const start = this.c.offset;
    const value = this.scalar();
    const depth = this.open.length;
    this.ndim ??= depth;
    if (depth !== this.ndim) this.fail(`ragged array at ${this.path()}: a number where a list was expected`, start);
    this.seen.add(value, start);
  }

  private scalar(): number {
    const { c } = this;
    const start = c.offset;
    if (this.atEnd()) this.syntax(`unexpected end of ${this.line ? 'line' : 'input'}, expected a value`);
    const b = c.peek();
    if (b === 0x22) {
      const s = readString(c, this.failAt);
      const v = NON_FINITE_STRINGS.get(s.toLowerCase());
      return v ?? this.fail(`${this.path()}: ${describe(s)} is not a number`, start);
    }
    const bare = bareAt(c);
    if (bare !== undefined) return bare;
    const word = startsNumber(c) ? undefined : wordAt(c);
    if (word === 'null') this.fail(`${this.path()}: null is not a number`, start);
    if (b === 0x7b) {
      if (this.open.length === 0) this.fail('a JSON object is not supported: expected nested arrays of numbers, or a number', start);
      this.fail(`${this.path()}: an object is not a number`, start);
    }
    const number = numberAt(c, this.seen.values !== undefined);
    if (!number) return this.syntax(`unexpected ${JSON.stringify(word ?? charAt(c))}, expected a value`);
    if (number.integer && beyond2p53(number.value)) this.seen.written.note(this.seen.count, c.ascii(number.length));
    c.pos += number.length;
    return number.value;
  }

  private result(): number[] {
    const dims = this.shape.slice(0, this.ndim);
    const count = this.seen.count - this.first;
    if (dims.reduce((a, b) => a * b, 1) !== count) throw new Error(`internal: ${count} values for shape [${dims.join(', ')}]`);
    return dims;
  }

  private path(): string {
    return this.open.length === 0 ? 'the top level' : this.open.map((i) => `[${i}]`).join('');
  }

  private syntax(what: string): never {
    return this.fail(`invalid JSON: ${what}`, this.c.offset);
  }

  private readonly failAt: Fail = (at, message) => this.fail(message, at);

  private fail(message: string, at?: number): never {
    if (at === undefined) throw new InputError(message, this.source);
    return failAt(this.c.src, this.source, at, message);
  }
}

function plural(n: number): string {
  return n === 1 ? '1 element' : `${n} elements`;
}

function describe(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}
