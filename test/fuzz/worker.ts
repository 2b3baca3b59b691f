/**
 * A fuzzing worker thread (bundled by esbuild from this file, see driver.ts): runs the cases
 * `start, start + stride, ...` below `end`, until the deadline. Before each case it writes the
 * iteration to shared memory, so that the main thread can name the case a hang or crash was in.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { runCase, signature, type Finding, type Limits } from './check.js';
import { CaseGenerator } from './generate.js';
import type { Seed } from './seeds.js';

export interface WorkerInput {
  seeds: Seed[];
  runSeed: number;
  start: number;
  stride: number;
  end: number;
  /** Date.now() after which no case starts. */
  deadline: number;
  limits: Limits;
  /** Int32Array view: [0] the iteration in progress, [1] 2 while it is made, 1 while it runs, 0 between; [2] cases done. */
  state: SharedArrayBuffer;
}

export interface GroupStats {
  cases: number;
  tensors: number;
  inputErrors: number;
  /** InputError message patterns and how often each was seen. */
  patterns: Record<string, number>;
}

export interface WorkerStats {
  cases: number;
  byGroup: Record<string, GroupStats>;
  slowestMs: number;
  /** Cases also run through the CLI with stdout on /dev/full, and how many of them had a result to write. */
  fullDisk: number;
  fullDiskWrote: number;
  slowestIteration: number;
}

export type WorkerMessage =
  | { type: 'finding'; iteration: number; findings: Finding[]; signatures: string[]; bytes: Uint8Array }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'done'; next: number }
  /** The fuzzer itself failed (making a case): a bug in test/fuzz, not in the readers. */
  | { type: 'harness'; iteration: number; error: string };

function main(): void {
  const input = workerData as WorkerInput;
  const state = new Int32Array(input.state);
  const generator = new CaseGenerator(input.seeds);
  const scratch = join(tmpdir(), `losscalc-fuzz-${process.pid}-${threadId}.npy`);
  const fullDisk = input.limits.fullDisk && { ...input.limits.fullDisk, dir: join(tmpdir(), `losscalc-fuzz-${process.pid}-${threadId}`) };
  const limits: Limits = { ...input.limits, scratch, fullDisk };
  let stats: WorkerStats = { cases: 0, byGroup: {}, slowestMs: 0, slowestIteration: -1, fullDisk: 0, fullDiskWrote: 0 };
  /** Statistics go out every so often, so that those of a worker killed in a hang are not lost. */
  const flush = (): void => {
    const message: WorkerMessage = { type: 'stats', stats };
    parentPort!.postMessage(message);
    stats = { cases: 0, byGroup: {}, slowestMs: 0, slowestIteration: -1, fullDisk: 0, fullDiskWrote: 0 };
  };
  let i = input.start;
  for (; i < input.end; i += input.stride) {
    if (Date.now() > input.deadline) break;
    Atomics.store(state, 0, i);
    Atomics.store(state, 1, 2); // making the case
    let c;
    try {
      c = generator.make(input.runSeed, i);
    } catch (e) {
      const harness: WorkerMessage = { type: 'harness', iteration: i, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
      parentPort!.postMessage(harness);
      return;
    }
    Atomics.store(state, 1, 1); // the readers at work
    const outcome = runCase(c, limits);
    Atomics.store(state, 1, 0);
    Atomics.add(state, 2, 1);
    stats.cases++;
    if (outcome.fullDisk) stats.fullDisk++;
    if (outcome.fullDisk === 'wrote') stats.fullDiskWrote++;
    const g = (stats.byGroup[c.group] ??= { cases: 0, tensors: 0, inputErrors: 0, patterns: {} });
    g.cases++;
    for (const r of outcome.results) {
      if (r === 'tensor') g.tensors++;
      else if (r !== 'exception') {
        g.inputErrors++;
        g.patterns[r] = (g.patterns[r] ?? 0) + 1;
      }
    }
    if (outcome.ms > stats.slowestMs) {
      stats.slowestMs = outcome.ms;
      stats.slowestIteration = i;
    }
    if (stats.cases >= 200) flush();
    if (outcome.findings.length > 0) {
      const message: WorkerMessage = { type: 'finding', iteration: i, findings: outcome.findings, signatures: outcome.findings.map(signature), bytes: c.bytes };
      parentPort!.postMessage(message);
    }
  }
  rmSync(scratch, { force: true });
  if (fullDisk) rmSync(fullDisk.dir, { recursive: true, force: true });
  flush();
  const done: WorkerMessage = { type: 'done', next: i };
  parentPort!.postMessage(done);
}

main();
