/**
 * What every reader must do with any bytes: return a well-formed tensor, or throw an
 * InputError with a non-empty one-line message naming the input, within a time bound and
 * without allocating far beyond what the file holds. Anything else is a finding.
 */
import { InputError } from '../../src/errors.js';
import { decodeText, parseInput } from '../../src/io/format.js';
import { parseTable, type Table } from '../../src/io/table.js';
import type { Tensor } from '../../src/tensor.js';
import type { FuzzCase } from './generate.js';

export type FindingKind =
  | 'exception' // something other than an InputError was thrown
  | 'bad-message' // an InputError with an empty, multi-line or control-character message
  | 'no-source' // an InputError that does not name the input
  | 'bad-tensor' // a result that breaks the Tensor invariants
  | 'slow' // one call over the time bound
  | 'memory' // an allocation far beyond the input's size
  | 'mutated-input' // the reader changed the caller's bytes
  | 'hang' // a call the watchdog had to kill
  | 'crash'; // the worker died (out of memory, native crash)

export interface Finding {
  kind: FindingKind;
  /** Which call: parseInput or parseTable. */
  call: string;
  /** The error's class and message, or what is wrong with the result. */
  detail: string;
  /** The top stack frames, when something was thrown. */
  stack?: string;
}

export interface Outcome {
  /** 'tensor', or the InputError's message pattern (numbers and quoted text masked) for statistics. */
  results: string[];
  findings: Finding[];
  /** The slowest call, in ms. */
  ms: number;
}

export interface Limits {
  /** A single call slower than this is a finding. */
  callMs: number;
  /** Measure ArrayBuffer memory around each call (process-wide, so only large jumps count). */
  memory: boolean;
}

/** The typed array each dtype is stored in; the 16-bit floats widen to float32. */
const STORAGE: Record<string, string> = {
  float16: 'Float32Array',
  bfloat16: 'Float32Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
  int8: 'Int8Array',
  int16: 'Int16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint8: 'Uint8Array',
  uint16: 'Uint16Array',
  uint32: 'Uint32Array',
  uint64: 'BigUint64Array',
  bool: 'Uint8Array',
};

/** Bytes a result may hold per input byte: deflate expands up to 1032:1, then float16 doubles. */
function resultBound(c: FuzzCase): number {
  const perByte = c.group === 'npz' || c.bytes[0] === 0x50 ? 2 * 1032 : 8;
  return 1024 + c.bytes.length * perByte;
}

/** What is wrong with `t` as a tensor, or undefined. */
export function tensorProblem(t: unknown, maxBytes: number): string | undefined {
  if (t === null || typeof t !== 'object') return `result is ${String(t)}, not a tensor`;
  const { data, shape, dtype } = t as Partial<Tensor>;
  if (!Array.isArray(shape)) return `shape is ${String(shape)}, not an array`;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `shape [${shape.join(', ')}] has a dim that is not a non-negative safe integer`;
  if (typeof dtype !== 'string' || !(dtype in STORAGE)) return `dtype ${String(dtype)} is unknown`;
  if (!ArrayBuffer.isView(data) || data instanceof DataView) return `data is ${Object.prototype.toString.call(data)}, not a typed array`;
  if (data.constructor.name !== STORAGE[dtype]) return `dtype ${dtype} stored in a ${data.constructor.name}, expected ${STORAGE[dtype]}`;
  const count = shape.reduce((a, d) => a * BigInt(d), 1n);
  if (count !== BigInt(data.length)) return `data.length ${data.length} is not the product ${count} of shape [${shape.join(', ')}]`;
  if (data.byteLength > maxBytes) return `memory: the result holds ${data.byteLength} bytes`;
  if (dtype === 'bool' && !(data as Uint8Array).every((v) => v === 0 || v === 1)) return 'a bool tensor holds values other than 0 and 1';
  return undefined;
}

function tableProblem(t: unknown, maxBytes: number): string | undefined {
  if (t === null || typeof t !== 'object') return `result is ${String(t)}, not a table`;
  const { logits, labels } = t as Partial<Table>;
  const p = tensorProblem(logits, maxBytes) ?? tensorProblem(labels, maxBytes);
  if (p !== undefined) return p;
  if (logits!.dtype !== 'float64' || labels!.dtype !== 'float64') return `a table read as ${logits!.dtype} and ${labels!.dtype}, expected float64`;
  if (labels!.shape.length !== 1 || (logits!.shape.length !== 1 && logits!.shape.length !== 2)) return `table shapes [${logits!.shape}] and [${labels!.shape}]`;
  if (logits!.shape[0] !== labels!.shape[0]) return `logits have ${logits!.shape[0]} rows and labels ${labels!.shape[0]}`;
  return undefined;
}

/** The message with numbers and quoted text masked: one pattern per kind of error. */
export function messagePattern(message: string): string {
  return message
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, 'Q')
    .replace(/\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, 'N')
    .replace(/\([^()]*\)/g, '(..)')
    .slice(0, 160);
}

/** The top frames of a stack, shortened to file:line inside the repository. */
export function topFrames(e: unknown, n = 4): string | undefined {
  if (!(e instanceof Error) || typeof e.stack !== 'string') return undefined;
  return e.stack
    .split('\n')
    .filter((l) => l.trim().startsWith('at '))
    .slice(0, n)
    .map((l) => l.trim().replace(/^at /, '').replace(/(file:\/\/)?\/[^\s()]*\/(src|node_modules|test)\//, '$2/'))
    .join(' < ');
}

function errorDetail(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.length > 300 ? `${e.message.slice(0, 300)}...` : e.message}`;
  return `non-Error thrown: ${typeof e} ${String(e).slice(0, 200)}`;
}

function checkError(e: unknown, call: string, source: string, findings: Finding[]): string {
  if (!(e instanceof InputError)) {
    findings.push({ kind: 'exception', call, detail: errorDetail(e), stack: topFrames(e) });
    return 'exception';
  }
  const m = e.message;
  if (typeof m !== 'string' || m.trim() === '') {
    findings.push({ kind: 'bad-message', call, detail: `empty message`, stack: topFrames(e) });
  } else if (/[\r\n\u2028\u2029]/.test(m)) {
    findings.push({ kind: 'bad-message', call, detail: `message spans lines: ${JSON.stringify(m.slice(0, 300))}`, stack: topFrames(e) });
  } else if (/[\x00-\x08\x0b-\x1f\x7f]/.test(m)) {
    findings.push({ kind: 'bad-message', call, detail: `message holds control characters: ${JSON.stringify(m.slice(0, 300))}`, stack: topFrames(e) });
  }
  if (typeof e.source !== 'string' || (e.source !== source && !e.source.startsWith(`${source}:`))) {
    findings.push({ kind: 'no-source', call, detail: `source ${JSON.stringify(e.source)} for ${source}: ${m}`, stack: topFrames(e) });
  }
  return messagePattern(m);
}

/** Runs `call`, classifying what it does. */
function probe(name: string, c: FuzzCase, limits: Limits, findings: Finding[], call: () => unknown, problem: (r: unknown) => string | undefined): { result: string; ms: number } {
  const before = c.bytes.slice();
  const memBefore = limits.memory ? process.memoryUsage().arrayBuffers : 0;
  const t0 = performance.now();
  let result: string;
  try {
    const r = call();
    const p = problem(r);
    if (p !== undefined) findings.push({ kind: p.startsWith('memory') ? 'memory' : 'bad-tensor', call: name, detail: p });
    result = 'tensor';
  } catch (e) {
    result = checkError(e, name, c.source, findings);
  }
  const ms = performance.now() - t0;
  if (ms > limits.callMs) findings.push({ kind: 'slow', call: name, detail: `took ${Math.round(ms)} ms (bound ${limits.callMs} ms) on ${c.bytes.length} bytes` });
  if (limits.memory) {
    const grown = process.memoryUsage().arrayBuffers - memBefore;
    const bound = 256 * 1024 * 1024 + 8 * resultBound(c);
    if (grown > bound) findings.push({ kind: 'memory', call: name, detail: `ArrayBuffer memory grew by ${grown} bytes on a ${c.bytes.length}-byte input` });
  }
  if (!Buffer.from(before.buffer, before.byteOffset, before.length).equals(c.bytes)) {
    findings.push({ kind: 'mutated-input', call: name, detail: 'the reader changed the bytes it was given' });
  }
  return { result, ms };
}

export function runCase(c: FuzzCase, limits: Limits): Outcome {
  const findings: Finding[] = [];
  const maxBytes = resultBound(c);
  const a = probe('parseInput', c, limits, findings, () => parseInput(c.bytes, c.source, c.options), (r) => tensorProblem(r, maxBytes));
  const results = [a.result];
  let ms = a.ms;
  if (c.table) {
    const table = c.table;
    const b = probe('parseTable', c, limits, findings, () => parseTable(decodeText(c.bytes), c.source, table), (r) => tableProblem(r, maxBytes));
    results.push(b.result);
    ms = Math.max(ms, b.ms);
  }
  return { results, findings, ms };
}

/** One line per distinct finding: its kind, call and detail with numbers masked, and where it was thrown. */
export function signature(f: Finding): string {
  const where = f.stack?.split(' < ')[0]?.replace(/:\d+:\d+\)?$/, '') ?? '';
  return `${f.kind} ${f.call} ${messagePattern(f.detail)} @ ${where}`;
}
