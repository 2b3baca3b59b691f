/**
 * One parseInput call in a worker thread (bundled by esbuild, see bounded.ts), so that a test
 * can give up on an input that makes the reader run for minutes.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../src/errors.js';
import { parseInput, type ParseOptions } from '../../src/io/format.js';

export type ParseResult = { kind: 'tensor'; shape: number[] } | { kind: 'input-error' | 'error'; message: string };

const { path, options } = workerData as { path: string; options: ParseOptions };
let result: ParseResult;
try {
  result = { kind: 'tensor', shape: parseInput(readFileSync(path), path, options).shape };
} catch (e) {
  result = { kind: e instanceof InputError ? 'input-error' : 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}
parentPort!.postMessage(result);
