/**
 * Worker threads started at the very start of a run, before the CLI's bundle is loaded (the
 * bin runs main.ts's small bundle first), when the command line names a file large enough for
 * threads: a worker takes tens of milliseconds to be ready, which it then spends beside the
 * main thread's loading and reading instead of after it. The run adopts them (parallel.ts
 * Workers) or ends them as soon as it knows it will not use them, and whatever is left is
 * ended when the run returns (cli.ts); idle, they never keep the process alive.
 *
 * The guess is cheap and never reads a file: a loss mode other than check, no --help, and
 * operands that are regular files (or `file:key`) large enough together (worthThreads), by a
 * stat of each operand. Standard input is not looked at, and
 * a FIFO or a device counts as no file (a stat of one neither opens nor reads it).
 * The bin's and the CLI's bundles hold two copies of this module: they share the workers through a global.
 */
import { statSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { debuglog } from 'node:util';
import { MODE_ALIASES, MODES } from './modes.js';
import { binaryFormat, formatOfPath } from './io/extensions.js';
import { NS_PER_VALUE, PARALLEL_MIN_NS } from './threads.js';
import { startWorkerThread, type WorkerThread } from './worker-thread.js';

const STARTED = Symbol.for('losscalc.earlyWorkers');
type Global = typeof globalThis & { [STARTED]?: WorkerThread[] };

const log = (format: string, ...args: unknown[]) => debuglog('losscalc')(format, ...args);

/** Starts the workers a run of `argv` will likely use; how many it started. */
export function startEarlyWorkers(argv: readonly string[], cores = availableParallelism()): number {
  const count = earlyWorkerCount(argv, cores);
  const started: WorkerThread[] = ((globalThis as Global)[STARTED] = []);
  try {
    while (started.length < count) started.push(startWorkerThread());
  } catch {
    // a guess that cannot start a thread is no error: the run starts its workers when it needs them
    endEarlyWorkers();
    return 0;
  }
  if (count > 0) log('started %d worker thread(s) early', count);
  return count;
}

/** Up to `count` of the workers started early, for the run to use; the others are ended. */
export function takeEarlyWorkers(count: number): WorkerThread[] {
  const started = (globalThis as Global)[STARTED] ?? [];
  const taken = started.splice(0, count);
  if (taken.length > 0) log('adopted %d worker thread(s) started early', taken.length);
  endEarlyWorkers();
  return taken;
}

/** Whether workers were started early and wait for the run to take them. */
export function startedEarly(): boolean {
  return ((globalThis as Global)[STARTED] ?? []).length > 0;
}

/** Ends the workers started early that the run did not take. */
export function endEarlyWorkers(): void {
  const started = (globalThis as Global)[STARTED] ?? [];
  if (started.length > 0) log('ended %d worker thread(s) started early, unused', started.length);
  for (const { worker } of started.splice(0)) void worker.terminate();
}

/** How many workers a run of `argv` will likely use: what -j asks or every core (up to 8), less the main thread; 0 unless it names a large file. */
export function earlyWorkerCount(argv: readonly string[], cores: number): number {
  const mode = MODE_ALIASES[argv[0]] ?? argv[0];
  if (!MODES.includes(mode as never) || mode === 'check') return 0;
  let asked: number | undefined;
  const operands: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    // a table read with its labels, and help, run on this thread
    if (a === '-h' || a === '--help' || a === '--label-column' || a.startsWith('--label-column=')) return 0;
    const threads = /^(?:-j|--threads)(?:=?(.*))$/.exec(a);
    if (threads) {
      const n = threads[1] !== '' ? threads[1] : argv[++i];
      asked = /^\d+$/.test(n ?? '') ? Number(n) : 0;
    } else if (!a.startsWith('-')) operands.push(a);
  }
  const workers = Math.min(asked ?? Math.min(cores, 8), cores) - 1;
  return workers > 0 && worthThreads(operands) ? workers : 0;
}

/**
 * Whether the files the operands name hold enough values to be worth threads (threads.ts), by
 * their sizes, the logits' and the labels' together: a text file's value takes a byte at
 * least, a binary file's (by its extension) is taken as float32 and read by the kernel.
 */
function worthThreads(operands: readonly string[]): boolean {
  let ns = 0;
  for (const operand of operands) {
    const file = fileOf(operand);
    if (!file) continue;
    const format = formatOfPath(file.path);
    const binary = format !== undefined && binaryFormat(format);
    ns += binary ? (file.bytes / 4) * NS_PER_VALUE.kernel : file.bytes * NS_PER_VALUE.text;
  }
  return ns >= PARALLEL_MIN_NS;
}

/** The regular file `spec` names (`file:key` too, a key holding colons or not) and its size. */
function fileOf(spec: string): { path: string; bytes: number } | undefined {
  for (let end = spec.length; end > 0; end = spec.lastIndexOf(':', end - 1)) {
    const path = spec.slice(0, end);
    const stats = statOrUndefined(path);
    if (stats) return stats.isFile() ? { path, bytes: stats.size } : undefined;
  }
  return undefined;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // the run says what is wrong with it
  }
}
