/**
 * Walking JSON text without building values: skipping a value, the members of an object
 * (whose arrays json.ts then parses by key), and line/column positions for messages.
 */
import { InputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Container } from './container.js';

/** The offset just past the JSON value at `start` (after spaces), checked only for balance. */
export function skipJsonValue(text: string, start: number, source: string): number {
  const syntax = (at: number, what: string): never => failAt(text, source, at, `invalid JSON: ${what}`);
  const closers: string[] = [];
  let pos = start;
  for (;;) {
    pos = skipSpace(text, pos, text.length);
    const ch = text[pos];
    if (ch === '[' || ch === '{') {
      closers.push(ch === '[' ? ']' : '}');
      pos++;
      continue;
    }
    if (ch === ',' || ch === ':') {
      if (closers.length === 0) syntax(pos, `unexpected ${JSON.stringify(ch)}, expected a value`);
      pos++;
      continue;
    }
    if (ch === ']' || ch === '}') {
      if (closers.pop() !== ch) syntax(pos, `unexpected ${JSON.stringify(ch)}`);
      pos++;
    } else if (ch === '"') {
      pos = stringEnd(text, pos, syntax);
    } else {
      TOKEN.lastIndex = pos;
      const m = TOKEN.exec(text);
      if (!m) syntax(pos, pos >= text.length ? 'unexpected end of input, expected a value' : `unexpected ${JSON.stringify(ch)}`);
      pos += m![0].length;
    }
    if (closers.length === 0) return pos;
  }
}

const TOKEN = /[^\s,:[\]{}"]+/y;

/** Past the closing quote of the string at `start`. */
export function stringEnd(text: string, start: number, syntax: (at: number, what: string) => never): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  if (text[i] !== '"') syntax(start, 'unterminated string');
  return i + 1;
}

/**
 * The object at `start` as a container: where each array or number value starts, by dotted
 * key; `readAt` parses the one picked. Nested objects are walked with an explicit stack,
 * other values are only skipped.
 */
export function jsonObject(text: string, source: string, start: number, readAt: (start: number, source: string) => Tensor): Container {
  const syntax = (at: number, what: string): never => failAt(text, source, at, `invalid JSON: ${what}`);
  const values = new Map<string, number>();
  const prefixes: string[] = []; // the dotted names of the open objects; '' for the top one
  let pos = start + 1;
  prefixes.push('');
  let first = true; // just after '{', where '}' may close the object
  for (;;) {
    pos = skipSpace(text, pos, text.length);
    if (first && text[pos] === '}') {
      pos++;
      prefixes.pop();
    } else {
      if (text[pos] !== '"') syntax(pos, first ? "expected a string key or '}'" : 'expected a string key');
      const keyEnd = stringEnd(text, pos, syntax);
      let key: string;
      try {
        key = JSON.parse(text.slice(pos, keyEnd)) as string;
      } catch {
        return syntax(pos, 'invalid string');
      }
      pos = skipSpace(text, keyEnd, text.length);
      if (text[pos] !== ':') syntax(pos, "expected ':' after an object key");
      pos = skipSpace(text, pos + 1, text.length);
      const name = prefixes.length === 1 ? key : `${prefixes[prefixes.length - 1]}.${key}`;
      if (text[pos] === '{') {
        prefixes.push(name);
        pos++;
        first = true;
        continue;
      }
      if (/^(?:[[\-\d]|NaN|Infinity)/.test(text.slice(pos, pos + 8))) {
        if (values.has(name)) failAt(text, source, pos, `duplicate key ${JSON.stringify(name)}`);
        values.set(name, pos);
      }
      pos = skipJsonValue(text, pos, source);
    }
    // a member or an object just ended: close objects until one continues with a comma
    for (;;) {
      if (prefixes.length === 0) {
        pos = skipSpace(text, pos, text.length);
        if (pos < text.length) syntax(pos, 'unexpected text after the end of the data');
        return {
          kind: 'JSON object',
          keys: [...values.keys()],
          read: (key, keySource) => readAt(values.get(key)!, keySource),
        };
      }
      pos = skipSpace(text, pos, text.length);
      if (text[pos] === ',') {
        pos++;
        first = false;
        break;
      }
      if (text[pos] !== '}') syntax(pos, "expected ',' or '}' after an object member");
      pos++;
      prefixes.pop();
    }
  }
}

export function skipSpace(text: string, pos: number, end: number): number {
  for (; pos < end; pos++) {
    const ch = text.charCodeAt(pos);
    if (ch !== 0x20 && ch !== 0x0a && ch !== 0x0d && ch !== 0x09) break;
  }
  return pos;
}

export function failAt(text: string, source: string, at: number, message: string): never {
  throw new InputError(`${message} (${lineColumn(text, at)})`, source);
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
