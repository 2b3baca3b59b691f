/** Shared by the tests: run the CLI in-process, read the PyTorch-made fixtures, compare. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { run } from '../src/cli.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = {},
  isTTY = false,
  stdin?: Uint8Array,
): Promise<RunOutput> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    isTTY,
    stdin,
  });
  return { code, stdout, stderr };
}

/** Values as the fixtures write them: numbers, or "NaN" / "Infinity" / "-Infinity". */
export type Expected = number | string | Expected[];

export function toNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`not a number in fixture: ${v}`);
}

export function flatten(v: Expected): number[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [toNumber(v)];
}

export function shapeOf(v: Expected): number[] {
  return Array.isArray(v) ? [v.length, ...(v.length > 0 ? shapeOf(v[0]) : [])] : [];
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * `-j` for tests that run on several threads: 3, or the machine's cores when fewer (more than
 * the cores is clamped with a warning on stderr, which these tests do not expect).
 */
export const THREADS = String(Math.min(3, availableParallelism()));

/** A seeded generator (mulberry32) of numbers in [0, 1): generated inputs are the same on every run. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * That a run was split among threads, by its NODE_DEBUG=losscalc line (parallel.ts, "N threads
 * on M claims"): two threads at least (the cores here may be fewer than -j), a claim at least
 * each. A test of "-j n gives the same bits" asserts it, so that it cannot pass on one thread.
 */
export function expectSplit(stderr: string, what: string): void {
  const m = /LOSSCALC \d+: (\d+) threads on (\d+) claims of \d+ rows/.exec(stderr);
  expect(m && Math.min(Number(m[1]), Number(m[2])), `${what}: split among threads`).toBeGreaterThanOrEqual(2);
}
