/**
 * A pickle interpreter for what torch.save writes (protocol 2 by default; the data opcodes of
 * protocols 0 to 5 are read too): it builds values (values.ts) and calls nothing but the
 * allow-listed globals (globals.ts) through REDUCE, NEWOBJ and BUILD. Opcodes that import or
 * call anything else (INST, OBJ, EXT*, out-of-band buffers) are refused, as is any opcode it
 * does not know. Every length a pickle claims is checked against the bytes that are left
 * before anything is allocated. Opcodes: CPython's Lib/pickletools.py.
 */
import { InputError } from '../../errors.js';
import type { ByteSource } from '../byte-source.js';
import { Cursor } from './cursor.js';
import { findGlobal } from './globals.js';
import { PyDict, PyGlobal, PyList, PySet, PyTuple, TensorRef, type PyValue } from './values.js';

export interface PickleOptions {
  /** What BINPERSID / PERSID build from a persistent id. */
  persistentLoad(pid: PyValue, at: string): PyValue;
  /** How messages name the pickle: "data.pkl", "the pickle". */
  name: string;
}

/** An integer longer than this (in bytes, or decimal digits for text opcodes) is no size, offset or count. */
const MAX_INT_BYTES = 64;
/**
 * The object pickled in bytes [start, end) of `src`, and where its STOP opcode ends (the
 * legacy format puts several pickles one after the other). Errors name `source` and the byte.
 */
export function unpickle(src: ByteSource, start: number, end: number, source: string, opts: PickleOptions): { value: PyValue; end: number } {
  try {
    return interpret(src, start, end, source, opts);
  } catch (e) {
    throw e instanceof InputError && e.source === undefined ? e.withSource(source) : e;
  }
}

function interpret(src: ByteSource, start: number, end: number, source: string, opts: PickleOptions): { value: PyValue; end: number } {
  let opAt = start;
  const at = (): string => `${opts.name} byte ${opAt - start}`;
  const fail = (what: string): never => {
    throw new InputError(`${at()}: ${what}`, source);
  };
  const cur = new Cursor(src, start, end, fail);
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length === marks[marks.length - 1])) fail('pops an empty stack');
    return stack.pop()!;
  };
  const top = (): PyValue => {
    const v = pop();
    stack.push(v);
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to');
    return stack.splice(m!);
  };
  const get = (i: number): PyValue => {
    if (!memo.has(i)) fail(`memo ${i} was never stored`);
    return memo.get(i)!;
  };
  const call = (callee: PyValue, args: PyValue, how: string): PyValue => {
    if (!(callee instanceof PyGlobal) || callee.call === undefined) fail(`${how} on ${describe(callee)}, not an allowed function`);
    if (!(args instanceof PyTuple)) fail(`${how} arguments are ${describe(args)}, not a tuple`);
    return (callee as PyGlobal).call!((args as PyTuple).items, at());
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) fail(`SETITEMS on ${describe(dict)}, not a dict`);
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (dict as PyDict).set(items[i], items[i + 1]);
  };
  const append = (list: PyValue, items: PyValue[]): void => {
    if (!(list instanceof PyList || list instanceof PySet)) fail(`APPENDS on ${describe(list)}, not a list`);
    for (const item of items) (list as PyList | PySet).items.push(item); // not push(...items): a million arguments overflow the stack
  };
  const text = (): string => cur.line(MAX_INT_BYTES);
  const utf8 = (n: number): string => new TextDecoder('utf-8').decode(cur.bytes(n));
  const length = (n: number): number => {
    const view = cur.view(n);
    const v = n === 1 ? BigInt(view.getUint8(0)) : n === 4 ? BigInt(view.getUint32(0, true)) : view.getBigUint64(0, true);
    if (v > BigInt(end - cur.pos)) fail(`truncated pickle: an argument of ${v} bytes, and ${end - cur.pos} are left`);
    return Number(v);
  };

  for (;;) {
    opAt = cur.pos;
    const op = cur.byte();
    switch (op) {
      case 0x80: // PROTO
        if (cur.byte() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME: a length hint only
        cur.bytes(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: cur.pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (stack.length > 0 && marks.length > 0 && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push(op === 0x88);
        break;
      case 0x49: {
        // INT: text; "01"/"00" are True/False
        const s = text();
        stack.push(s === '01' ? true : s === '00' ? false : parseInteger(s, fail));
        break;
      }
      case 0x4c: // LONG: text with an 'L'
        stack.push(parseInteger(text().replace(/L$/, ''), fail));
        break;
      case 0x4a: // BININT
        stack.push(BigInt(cur.view(4).getInt32(0, true)));
        break;
      case 0x4b: // BININT1
        stack.push(BigInt(cur.byte()));
        break;
      case 0x4d: // BININT2
        stack.push(BigInt(cur.view(2).getUint16(0, true)));
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = length(op === 0x8a ? 1 : 4);
        if (n > MAX_INT_BYTES) fail(`an integer of ${n} bytes, too large for a size or a value`);
        stack.push(littleSigned(cur.bytes(n)));
        break;
      }
      case 0x46: {
        // FLOAT: text
        const s = text();
        const v = Number(s);
        if (s.trim() === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s))) fail(`FLOAT ${JSON.stringify(s)} is not a number`);
        stack.push(v);
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        stack.push(cur.view(8).getFloat64(0, false));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(length(4)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(length(1)));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(length(8)));
        break;
      case 0x56: // UNICODE: raw-unicode-escape text
        stack.push(text());
        break;
      case 0x53: // STRING: a quoted repr
        stack.push(text().replace(/^(['"])(.*)\1$/, '$2'));
        break;
      case 0x54: // BINSTRING
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(cur.bytes(length(op === 0x55 ? 1 : 4))));
        break;
      case 0x42: // BINBYTES
      case 0x43: // SHORT_BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(cur.bytes(length(op === 0x43 ? 1 : op === 0x42 ? 4 : 8)).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push(new PyList([]));
        break;
      case 0x6c: // LIST
        stack.push(new PyList(popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const items: PyValue[] = [];
        for (let i = op - 0x84; i > 0; i--) items.unshift(pop());
        stack.push(new PyTuple(items));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PySet([]));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new PySet(popMark()));
        break;
      case 0x70: // PUT
        memo.set(memoIndex(text(), fail), top());
        break;
      case 0x71: // BINPUT
        memo.set(cur.byte(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(cur.view(4).getUint32(0, true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(get(memoIndex(text(), fail)));
        break;
      case 0x68: // BINGET
        stack.push(get(cur.byte()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(cur.view(4).getUint32(0, true)));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = cur.line(256);
        stack.push(findGlobal(module, cur.line(256), source));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL of values that are not strings');
        stack.push(findGlobal(module as string, name as string, source));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        stack.push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof PyDict) || kwargs.items.size > 0) fail('NEWOBJ_EX with keyword arguments');
        stack.push(call(pop(), args, 'NEWOBJ_EX'));
        break;
      }
      case 0x62: {
        // BUILD: set the state of a dict (OrderedDict's _metadata) or a tensor (its __dict__): kept apart, unused
        pop();
        const obj = top();
        if (!(obj instanceof PyDict || obj instanceof TensorRef)) fail(`BUILD on ${describe(obj)}`);
        break;
      }
      case 0x50: // PERSID
        stack.push(opts.persistentLoad(text(), at()));
        break;
      case 0x51: // BINPERSID
        stack.push(opts.persistentLoad(pop(), at()));
        break;
      default:
        fail(op in REFUSED ? `refuses the pickle opcode ${REFUSED[op]}: losscalc reads tensors only` : `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** Opcodes that import or call what no allow-list can vouch for. */
const REFUSED: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

function parseInteger(s: string, fail: (what: string) => never): bigint {
  if (!/^[-+]?\d+$/.test(s)) fail(`${JSON.stringify(s)} is not an integer`);
  return BigInt(s);
}

function memoIndex(s: string, fail: (what: string) => never): number {
  if (!/^\d{1,10}$/.test(s)) fail(`memo index ${JSON.stringify(s)} is not a number`);
  return Number(s);
}

/** Two's complement, little-endian (LONG1, LONG4). */
function littleSigned(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes.length > 0 && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** A value as messages name it. */
export function describe(v: PyValue | undefined): string {
  if (v === null) return 'None';
  if (v instanceof PyGlobal) return v.name;
  if (v instanceof TensorRef) return 'a tensor';
  if (v instanceof PyList) return 'a list';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyDict) return 'a dict';
  if (v instanceof PySet) return 'a set';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v === 'bigint' ? 'an int' : typeof v === 'number' ? 'a float' : typeof v === 'string' ? 'a str' : typeof v === 'boolean' ? 'a bool' : 'a storage';
}
