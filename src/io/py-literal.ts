/**
 * The Python literal in an NPY header: dicts, tuples, lists, strings, ints, True/False/None,
 * as `ast.literal_eval` reads them (numpy's own reader), without evaluating anything.
 */

const MAX_DEPTH = 32;
/** Python's own limit on the digits of an int read from text (sys.get_int_max_str_digits). */
const MAX_DIGITS = 4300;
/** An int (3, -3, 3L) or a name, from the current position. */
const WORD = /-?\d+L?|[A-Za-z_]\w*/y;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
export type PyValue = string | bigint | boolean | null | PyTuple | PyValue[] | Map<PyValue, PyValue>;

/** Parses one Python literal followed only by whitespace; `fail(pos, what)` must throw. */
export function parsePyLiteral(text: string, fail: (pos: number, what: string) => never): PyValue {
  let pos = 0;
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const got = (): string => (pos < text.length ? `got ${JSON.stringify(text[pos])}` : 'got the end of the header');
  const expect = (ch: string, what: string): void => {
    skip();
    if (text[pos] !== ch) fail(pos, `expected ${what}, ${got()}`);
    pos++;
  };
  /** Items up to `close`, comma separated, trailing comma allowed; reports whether a comma was seen. */
  const items = (close: string, item: () => void): boolean => {
    let comma = false;
    for (;;) {
      skip();
      if (text[pos] === close) {
        pos++;
        return comma;
      }
      item();
      skip();
      if (text[pos] === ',') {
        pos++;
        comma = true;
      } else if (text[pos] !== close) {
        fail(pos, `expected ',' or '${close}', ${got()}`);
      }
    }
  };
  // numpy's headers nest three deep; anything far deeper is not a header (and would exhaust the stack)
  let depth = 0;
  const value = (): PyValue => {
    skip();
    const start = pos;
    const ch = text[pos];
    if ((ch === '{' || ch === '(' || ch === '[') && depth >= MAX_DEPTH) fail(pos, `nested more than ${MAX_DEPTH} deep`);
    depth++;
    try {
      return nested(start, ch);
    } finally {
      depth--;
    }
  };
  const nested = (start: number, ch: string): PyValue => {
    if (ch === '{') {
      pos++;
      const map = new Map<PyValue, PyValue>();
      items('}', () => {
        const keyAt = pos;
        const key = value();
        if (typeof key !== 'string') fail(keyAt, 'expected a string key');
        if (map.has(key)) fail(keyAt, `duplicate key ${pyRepr(key)}`);
        expect(':', "':' after a dict key");
        map.set(key, value());
      });
      return map;
    }
    if (ch === '(' || ch === '[') {
      pos++;
      const list: PyValue[] = [];
      const comma = items(ch === '(' ? ')' : ']', () => list.push(value()));
      if (ch === '[') return list;
      return list.length === 1 && !comma ? list[0] : new PyTuple(list); // (3) is 3, (3,) a tuple
    }
    if (ch === "'" || ch === '"') return pyString();
    WORD.lastIndex = pos;
    const word = WORD.exec(text)?.[0];
    if (word === undefined) return fail(start, `expected a value, ${got()}`);
    if (/^-?\d/.test(word) && word.length > MAX_DIGITS) return fail(start, `an integer of more than ${MAX_DIGITS} digits`);
    pos += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if (/^-?\d/.test(word)) return BigInt(word.replace('L', '')); // 3L: written by Python 2's numpy
    return fail(start, `unexpected name ${JSON.stringify(word)}`);
  };
  const pyString = (): string => {
    const quote = text[pos];
    const start = pos++;
    let s = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\n') break;
      if (text[pos] === '\\' && pos + 1 < text.length) pos++;
      s += text[pos++];
    }
    if (text[pos] !== quote) fail(start, 'unterminated string');
    pos++;
    return s;
  };
  const result = value();
  skip();
  if (pos < text.length) fail(pos, `unexpected ${JSON.stringify(text[pos])} after the dict`);
  return result;
}

export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return String(v);
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}
