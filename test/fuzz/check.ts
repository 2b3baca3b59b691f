/**
 * What every reader must do with any bytes: return a well-formed tensor, or throw an
 * InputError with a non-empty one-line message naming the input, within a time bound and
 * without allocating far beyond what the file holds; and never return a zip entry whose data
 * a mutation changed behind its CRC-32 (numbers that are not the file's). Anything else is a finding.
 */
import { writeFileSync } from 'node:fs';
import { InputError } from '../../src/errors.js';
import { openCsvFile } from '../../src/io/csv-file.js';
import { jsonFiles, openJsonFile } from '../../src/io/json-file.js';
import { decodeText, delimiterOf, parseInput } from '../../src/io/format.js';
import { openNpyFile, streaming } from '../../src/io/npy-file.js';
import { parseTable, type Table } from '../../src/io/table.js';
import { MAX_REPEATED_BYTES } from '../../src/io/torch/tensors.js';
import { looksLikeTorch } from '../../src/io/torch/torch.js';
import type { Tensor } from '../../src/tensor.js';
import type { Values } from '../../src/values.js';
import { fullDiskProbe, type FullDisk } from './full-disk.js';
import type { FuzzCase } from './generate.js';
import { STORAGE } from '../storage.js';

export type FindingKind =
  | 'exception' // something other than an InputError was thrown
  | 'bad-message' // an InputError with an empty, multi-line or control-character message
  | 'no-source' // an InputError that does not name the input
  | 'long-message' // a note, not a failure: an InputError message too long to read (it quotes the input at length)
  | 'bad-tensor' // a result that breaks the Tensor invariants
  | 'slow' // one call over the time bound
  | 'memory' // an allocation far beyond the input's size
  | 'mutated-input' // the reader changed the caller's bytes
  | 'inconsistent' // a streaming file reader (NPY, CSV) and parseInput disagree on the same bytes
  | 'dropped-row' // a tensor with another number of rows than the text has (a row dropped as a header)
  | 'silently-wrong' // an entry whose data no longer matches its CRC-32 was returned as a tensor
  | 'hang' // a call the watchdog had to kill
  | 'crash' // the worker died (out of memory, native crash)
  | 'full-disk'; // the CLI with stdout on /dev/full did not end with exit 2 and one line (full-disk.ts)

/** Kinds that are reported but do not fail a run. */
export const NOTES: readonly FindingKind[] = ['long-message'];

export interface Finding {
  kind: FindingKind;
  /** Which call: parseInput or parseTable. */
  call: string;
  /** The error's class and message, or what is wrong with the result. */
  detail: string;
  /** The top stack frames, when something was thrown. */
  stack?: string;
  /** The thrown message with numbers and quoted text masked, for grouping. */
  pattern?: string;
}

export interface Outcome {
  /** 'tensor', or the InputError's message pattern (numbers and quoted text masked) for statistics. */
  results: string[];
  findings: Finding[];
  /** The slowest call, in ms. */
  ms: number;
  /** How the case's run through the CLI with stdout on /dev/full ended, if it had one. */
  fullDisk?: 'wrote' | 'error';
}

export interface Limits {
  /** A single call slower than this is a finding. */
  callMs: number;
  /** Measure ArrayBuffer memory around each call (process-wide, so only large jumps count). */
  memory: boolean;
  /** ArrayBuffer growth allowed in a call beyond 8x what the result may hold (64 MB: other threads allocate too). */
  slackBytes?: number;
  /** A file this thread may write NPY cases to, for the streaming reader; none: not run. */
  scratch?: string;
  /** Some cases also run through the CLI with stdout on /dev/full; none: not run. */
  fullDisk?: FullDisk;
}


/**
 * Bytes a result may hold: per input byte, deflate expands up to 1032:1, then float16 doubles;
 * a torch.save view that repeats elements (stride 0) adds up to a fixed cap.
 */
function resultBound(c: FuzzCase): number {
  const perByte = c.group === 'npz' || c.bytes[0] === 0x50 ? 2 * 1032 : 8;
  // a torch.save view may repeat its storage's elements (stride 0), up to a fixed cap
  const repeats = c.options.format === 'pt' || looksLikeTorch(c.bytes) ? MAX_REPEATED_BYTES : 0;
  return 1024 + c.bytes.length * perByte + repeats;
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

/** Longer messages quote too much of the input to be read on a terminal line. */
const MAX_MESSAGE = 1000;

function checkError(e: unknown, call: string, source: string, findings: Finding[]): string {
  if (!(e instanceof InputError)) {
    const pattern = e instanceof Error ? `${e.constructor.name}: ${messagePattern(e.message)}` : 'non-Error';
    findings.push({ kind: 'exception', call, detail: errorDetail(e), stack: topFrames(e), pattern });
    return 'exception';
  }
  const m = e.message;
  const pattern = typeof m === 'string' ? messagePattern(m) : '';
  const stack = topFrames(e);
  if (typeof m !== 'string' || m.trim() === '') {
    findings.push({ kind: 'bad-message', call, detail: `empty message`, stack, pattern: 'empty' });
  } else if (m.includes('\n')) {
    findings.push({ kind: 'bad-message', call, detail: `message spans lines: ${JSON.stringify(m.slice(0, 300))}`, stack, pattern: `line break in: ${pattern}` });
  } else if (/[\x00-\x08\x0b-\x1f]/.test(m)) {
    // raw control characters (a carriage return, ESC) from the input garble the one-line message on a terminal
    findings.push({ kind: 'bad-message', call, detail: `message holds control characters: ${JSON.stringify(m.slice(0, 300))}`, stack, pattern: `control character in: ${pattern}` });
  }
  if (typeof m === 'string' && m.length > MAX_MESSAGE) {
    findings.push({ kind: 'long-message', call, detail: `a message of ${m.length} characters: ${JSON.stringify(m.slice(0, 200))}...`, stack, pattern: 'long' });
  }
  if (typeof e.source !== 'string' || (e.source !== source && !e.source.startsWith(`${source}:`))) {
    findings.push({ kind: 'no-source', call, detail: `source ${JSON.stringify(e.source)} for ${source}: ${m}`, stack, pattern });
  }
  return messagePattern(m);
}

interface Probe {
  /** 'tensor', 'exception', or the InputError's message pattern. */
  result: string;
  ms: number;
  value?: unknown;
  error?: unknown;
}

/** Runs `call`, classifying what it does; errors must name `source`. */
function probe(name: string, c: FuzzCase, source: string, limits: Limits, findings: Finding[], call: () => unknown, problem: (r: unknown) => string | undefined): Probe {
  const before = c.bytes.slice();
  const memBefore = limits.memory ? process.memoryUsage().arrayBuffers : 0;
  const t0 = performance.now();
  let out: Probe;
  try {
    const value = call();
    out = { result: 'tensor', ms: 0, value };
    const p = problem(value);
    if (p !== undefined) {
      const kind = (['memory', 'inconsistent', 'dropped-row'] as const).find((k) => p.startsWith(k)) ?? 'bad-tensor';
      findings.push({ kind, call: name, detail: p });
    }
  } catch (e) {
    out = { result: checkError(e, name, source, findings), ms: 0, error: e };
  }
  out.ms = performance.now() - t0;
  if (out.ms > limits.callMs) {
    // slow cases by reader and outcome, so that different causes stay apart
    const ending = out.result === 'tensor' || out.result === 'exception' ? out.result : 'input error';
    const slow = `took ${Math.round(out.ms)} ms (bound ${limits.callMs} ms) on ${c.bytes.length} bytes of ${c.group}, ending in ${ending}`;
    findings.push({ kind: 'slow', call: name, detail: slow, pattern: `${c.group} ${ending}` });
  }
  if (limits.memory) {
    const grown = process.memoryUsage().arrayBuffers - memBefore;
    const bound = (limits.slackBytes ?? 64 << 20) + 8 * resultBound(c);
    if (grown > bound) findings.push({ kind: 'memory', call: name, detail: `ArrayBuffer memory grew by ${grown} bytes on a ${c.bytes.length}-byte input` });
  }
  if (!Buffer.from(before.buffer, before.byteOffset, before.length).equals(c.bytes)) {
    findings.push({ kind: 'mutated-input', call: name, detail: 'the reader changed the bytes it was given' });
  }
  return out;
}

/** Block sizes for the streaming reader: tiny ones cross every boundary, the default none. */
const BLOCK_BYTES = [1, 3, 8, 24, 64, 1000, 4096, 4 << 20];

interface Streamed {
  shape: number[];
  dtype: string;
  bytes: Uint8Array;
}

/** Everything a file reader streams, block by block, as a kernel reads it (a batch row per unit). */
function stream(open: () => Values | undefined, blockBytes: number): Streamed | undefined {
  const saved = streaming.blockBytes;
  streaming.blockBytes = blockBytes;
  try {
    const v = open();
    if (v === undefined) return undefined;
    const count = v.shape.reduce((a, d) => a * d, 1);
    const row = v.shape.length === 0 ? 1 : v.shape.slice(1).reduce((a, d) => a * d, 1);
    const unit = row > 0 ? row : 1;
    const chunks: Uint8Array[] = [];
    let next = 0;
    if (count > 0) {
      v.read(unit, 0, count / unit, (data, first, n) => {
        if (first !== next) throw new Error(`fuzz: block at unit ${first}, expected ${next}`);
        if (data.length !== n * unit) throw new Error(`fuzz: block of ${data.length} values for ${n} units of ${unit}`);
        next += n;
        chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
      });
      if (next !== count / unit) throw new Error(`fuzz: ${next} units read of ${count / unit}`);
    }
    return { shape: v.shape, dtype: v.dtype, bytes: Buffer.concat(chunks) };
  } finally {
    streaming.blockBytes = saved;
  }
}

/**
 * The same message, where one that names the file (`fuzz.json`, or the scratch file's longer
 * path) and runs past what a message holds was shortened (' ... ') at other places.
 */
function sameMessage(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.includes(' ... ') || !b.includes(' ... ')) return false;
  const [x, y] = [a.split(' ... ')[0], b.split(' ... ')[0]];
  return x.startsWith(y) || y.startsWith(x);
}

/** `open` with every JSON file read in blocks, however small. */
function inBlocksAlways<T>(open: () => T): T {
  jsonFiles.wholeBytes = 0;
  try {
    return open();
  } finally {
    jsonFiles.wholeBytes = undefined;
  }
}

/** The streaming reader must agree with the whole-file reader on the same bytes, to the bit. */
function streamProblem(r: unknown, whole: Probe): string | undefined {
  if (r === undefined) return undefined; // not streamable: read whole instead
  const s = r as Streamed;
  if (whole.error !== undefined) return `inconsistent: streamed shape [${s.shape}] ${s.dtype}, but parseInput threw: ${String((whole.error as Error).message).slice(0, 300)}`;
  const t = whole.value as Tensor;
  if (s.dtype !== t.dtype || s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) {
    return `inconsistent: streamed shape [${s.shape}] ${s.dtype}, parseInput [${t.shape}] ${t.dtype}`;
  }
  const b = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (!b.equals(s.bytes)) {
    let i = 0;
    while (i < b.length && b[i] === s.bytes[i]) i++;
    const k = Math.floor(i / t.data.BYTES_PER_ELEMENT);
    const streamedValue = new (t.data.constructor as new (b: ArrayBufferLike) => ArrayLike<unknown>)(s.bytes.slice().buffer)[k];
    return `inconsistent: streamed values differ from parseInput's at element ${k}: ${String(streamedValue)} vs ${String(t.data[k])} (shape [${s.shape}] ${s.dtype})`;
  }
  return undefined;
}

/**
 * A mutation that keeps every row (c.rows) makes any tensor read as CSV with its delimiter
 * have that many rows: fewer is a row dropped without a word, as a header.
 */
function rowsProblem(c: FuzzCase, t: Tensor | undefined, format: string | undefined, delimiter: string | undefined): string | undefined {
  if (c.rows === undefined || t === undefined || c.options.key !== undefined) return undefined;
  if (format !== undefined && format !== 'csv' && format !== 'tsv') return undefined;
  if (delimiterOf(format === 'tsv' ? 'tsv' : 'csv', delimiter) !== c.rows.delimiter) return undefined;
  const rows = t.shape.length === 0 ? 1 : t.shape[0];
  return rows === c.rows.count ? undefined : `dropped-row: read ${rows} rows of a text with ${c.rows.count} (shape [${t.shape}])`;
}

export function runCase(c: FuzzCase, limits: Limits): Outcome {
  const findings: Finding[] = [];
  const maxBytes = resultBound(c);
  const a = probe('parseInput', c, c.source, limits, findings, () => parseInput(c.bytes, c.source, c.options), (r) =>
    tensorProblem(r, maxBytes) ?? rowsProblem(c, r as Tensor, c.options.format, c.options.delimiter));
  const results = [a.result];
  let ms = a.ms;
  if (a.error === undefined && c.corrupted !== undefined && readsEntry(c.bytes, c.options.key, c.corrupted)) {
    findings.push({ kind: 'silently-wrong', call: 'parseInput', detail: `entry ${JSON.stringify(c.corrupted)}, changed behind its CRC-32, was read as a tensor` });
  }
  if (c.table) {
    const table = c.table;
    const b = probe('parseTable', c, c.source, limits, findings, () => parseTable(decodeText(c.bytes), c.source, table), (r) =>
      tableProblem(r, maxBytes) ?? rowsProblem(c, (r as Table).labels, 'csv', table.delimiter));
    results.push(b.result);
    ms = Math.max(ms, b.ms);
  }
  const { format, key } = c.options;
  const json = format === 'json' || format === 'jsonl' || format === undefined; // undefined: JSON by the first bytes
  if (limits.scratch !== undefined && (json || (key === undefined && (format === 'npy' || format === 'csv' || format === 'tsv')))) {
    // the CLI streams NPY, plain CSV and JSON logits from the file (io/npy-file.ts,
    // io/csv-file.ts, io/json-file.ts) instead of parsing their bytes whole: both ways must agree
    const path = limits.scratch;
    writeFileSync(path, c.bytes);
    const blockBytes = BLOCK_BYTES[c.iteration % BLOCK_BYTES.length];
    const name = format === 'npy' ? 'openNpyFile' : json ? 'openJsonFile' : 'openCsvFile';
    const open =
      format === 'npy'
        ? () => openNpyFile(path)
        : json
          ? () => inBlocksAlways(() => openJsonFile(path, format, key))
          : () => openCsvFile(path, format, delimiterOf(format!, c.options.delimiter));
    const s = probe(name, c, path, limits, findings, () => stream(open, blockBytes), (r) => streamProblem(r, a));
    ms = Math.max(ms, s.ms);
    // a message that names the file (a key to pick) names the file read here
    const streamError = s.error instanceof InputError ? s.error.message.replaceAll(path, c.source) : undefined;
    const wholeError = a.error instanceof InputError ? a.error.message : undefined;
    if (streamError !== undefined && a.error === undefined) {
      findings.push({ kind: 'inconsistent', call: name, detail: `inconsistent: parseInput read shape [${(a.value as Tensor).shape}], ${name} (blocks of ${blockBytes} bytes) threw: ${streamError.slice(0, 300)}` });
    } else if (format !== 'npy' && streamError !== undefined && wholeError !== undefined && !sameMessage(streamError, wholeError)) {
      // csv-file.ts and json-file.ts promise the ordinary reader's error, word for word
      findings.push({ kind: 'inconsistent', call: name, detail: `inconsistent errors: ${name} (blocks of ${blockBytes} bytes) threw ${JSON.stringify(streamError.slice(0, 200))}, parseInput ${JSON.stringify(wholeError.slice(0, 200))}`, pattern: 'different errors' });
    }
  }
  const fullDisk = limits.fullDisk && fullDiskProbe(c, limits.fullDisk, a.result === 'tensor');
  if (fullDisk) findings.push(...fullDisk.findings);
  return { results, findings, ms, fullDisk: fullDisk && (fullDisk.wrote ? 'wrote' : 'error') };
}

/**
 * Whether a container read with `key` returns `entry`: the key names it (an npz key is the
 * entry's name without .npy), or no key was given and a tensor came back, so it was the only one.
 */
function readsEntry(bytes: Uint8Array, key: string | undefined, entry: string): boolean {
  // a torch.save zip: its pickle and byte order are always read; which storages a key reads,
  // only the pickle knows, and records it does not know (a mutated name) it leaves alone
  if (looksLikeTorch(bytes)) return /^[^/]*\/(data\.pkl|byteorder)$/.test(entry);
  return key === undefined || key === (entry.endsWith('.npy') ? entry.slice(0, -4) : entry);
}

const HELPERS = /^(fail|failAt|syntax|field|expect|new \w+|Object\.\w+|<anonymous>)$/;

/** The first stack frame that is not an error helper, as `function (file)`: where a message was made. */
function site(stack: string | undefined): string {
  for (const frame of stack?.split(' < ') ?? []) {
    const m = /^(.*?) \(([^():]*)[:)]/.exec(frame) ?? /^()([^():]*)/.exec(frame);
    if (m && !HELPERS.test(m[1])) return `${m[1]} (${m[2]})`;
  }
  return '';
}

/**
 * What makes findings the same: the kind and where they come from. A bad message by the
 * function that made it (whichever reader called it); an exception by its class, message and
 * file (a stack overflow surfaces in any of its functions); anything else by its detail.
 */
export function signature(f: Finding): string {
  const top = f.stack?.split(' < ')[0] ?? '';
  switch (f.kind) {
    case 'bad-message':
      return `bad-message ${f.pattern?.replace(/ in: [\s\S]*$/, '')} from ${site(f.stack)}`;
    case 'long-message':
      return `long-message from ${site(f.stack)}`;
    case 'no-source':
      return `no-source ${f.call} ${f.pattern} from ${site(f.stack)}`;
    case 'exception':
      return `exception ${f.pattern} @ ${/(src|node_modules|test)\/[^\s:()]*/.exec(f.stack ?? '')?.[0] ?? top}`;
    case 'slow':
      return `slow ${f.call} ${f.pattern ?? ''}`;
    case 'full-disk':
      return `full-disk ${f.pattern}`;
    default:
      return `${f.kind} ${f.call} ${messagePattern(f.detail)}`;
  }
}
