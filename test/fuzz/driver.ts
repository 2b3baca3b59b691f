/**
 * The fuzzing run: bundles worker.ts with esbuild (worker threads cannot load TypeScript),
 * spreads the iterations over worker threads, watches each for a case that never returns
 * (the worker is terminated and the case reported as a hang) or a worker that dies, then
 * groups the findings by signature, shrinks each example, saves the inputs and reports.
 *
 * Settings come from the environment (see `configFromEnv`), so that the suite's short run and
 * `npm run fuzz`'s long one are the same code.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundle as buildBundle } from './bounded.js';
import { NOTES, runCase, signature, type Finding, type Limits } from './check.js';
import { hasFullDevice, type FullDisk } from './full-disk.js';
import { CaseGenerator, describeCase, type FuzzCase } from './generate.js';
import { parseSeed } from './prng.js';
import { loadSeeds, type Seed } from './seeds.js';
import type { GroupStats, WorkerInput, WorkerMessage, WorkerStats } from './worker.js';

export interface FuzzConfig {
  iterations: number;
  /** Wall-clock budget; no case starts after it. */
  seconds: number;
  runSeed: number;
  workers: number;
  /** A call slower than this is a finding. */
  callMs: number;
  /** A case still running after this long is killed and reported as a hang. */
  hangMs: number;
  /** Where failing inputs are written. */
  outDir: string;
  /** Progress lines every so many seconds (0: none). */
  progressSeconds: number;
  /** Shrink each finding's example (in the main thread), for at most this long in all. */
  minimize: boolean;
  minimizeSeconds: number;
  /** Every so many cases also run the CLI with stdout on /dev/full (full-disk.ts); 0: never. */
  fullDiskEvery: number;
}

/** The short run of `npm test`, unless FUZZ_* variables ask for more. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): FuzzConfig {
  const long = env.FUZZ_ITERATIONS !== undefined || env.FUZZ_SECONDS !== undefined;
  const num = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative number`);
    return n;
  };
  const seedText = env.FUZZ_SEED ?? '1';
  const runSeed = seedText === 'random' ? (Math.random() * 2 ** 32) >>> 0 : parseSeed(seedText);
  return {
    iterations: num('FUZZ_ITERATIONS', long ? Number.MAX_SAFE_INTEGER : 2000),
    seconds: num('FUZZ_SECONDS', long ? 24 * 3600 : 12),
    runSeed,
    workers: Math.max(1, Math.floor(num('FUZZ_WORKERS', long ? availableParallelism() : 1))),
    // the suite's run may share a loaded CI machine: a looser time bound there, and hung cases
    // (a known bug may hang) given up on soon
    callMs: num('FUZZ_CALL_MS', long ? 2000 : 3000),
    hangMs: num('FUZZ_HANG_MS', long ? 10000 : 3000),
    outDir: env.FUZZ_OUT ?? join(tmpdir(), `losscalc-fuzz-${runSeed}`),
    progressSeconds: num('FUZZ_PROGRESS', long ? 30 : 0),
    minimize: env.FUZZ_MINIMIZE !== '0',
    minimizeSeconds: num('FUZZ_MINIMIZE_SECONDS', long ? 60 : 5),
    // a run of the CLI costs as much as a few hundred cases of the readers
    fullDiskEvery: Math.floor(num('FUZZ_FULL_DISK_EVERY', long ? 500 : 100)),
  };
}

export interface Distinct {
  signature: string;
  finding: Finding;
  /** How many cases hit it, and in which readers. */
  count: number;
  calls: string[];
  /** The smallest example's case. */
  iteration: number;
  description: string;
  bytes: Uint8Array;
  /** Shrunk by deleting chunks while the signature stays. */
  minimized?: Uint8Array;
  file?: string;
}

export interface FuzzReport {
  config: FuzzConfig;
  cases: number;
  seconds: number;
  distinct: Distinct[];
  stats: WorkerStats;
  /** The last iteration reached (a budget may stop the run before `iterations`). */
  reached: number;
}

interface Slot {
  worker?: Worker;
  state: Int32Array;
  /** The first iteration a restarted worker takes. */
  next: number;
  watched: { iteration: number; busy: number; done: number; since: number };
  finished: boolean;
}

/**
 * Runs the fuzzer; `skipMinimize` says which findings need no shrinking (known bugs, whose
 * reproducing inputs are already in repro/).
 */
export async function fuzz(config: FuzzConfig, log: (line: string) => void = () => {}, skipMinimize: (d: Distinct) => boolean = () => false): Promise<FuzzReport> {
  const seeds = loadSeeds();
  const generator = new CaseGenerator(seeds);
  const limits: Limits = { callMs: config.callMs, memory: true, fullDisk: fullDiskLimits(config, 'main') };
  const bundle = buildBundle('worker.ts'); // worker threads cannot load TypeScript
  const t0 = Date.now();
  const deadline = t0 + config.seconds * 1000;
  const found = new Map<string, Distinct>();
  const stats: WorkerStats = { cases: 0, byGroup: {}, slowestMs: 0, slowestIteration: -1, fullDisk: 0, fullDiskWrote: 0 };
  let reached = 0;

  const record = (iteration: number, findings: Finding[], signatures: string[], bytes: Uint8Array | undefined): void => {
    findings.forEach((f, k) => {
      const sig = signatures[k];
      const d = found.get(sig);
      if (d === undefined) {
        const c = generator.make(config.runSeed, iteration);
        found.set(sig, { signature: sig, finding: f, count: 1, calls: [f.call], iteration, description: describeCase(c), bytes: bytes ?? c.bytes });
        log(`fuzz: new finding at case ${iteration}: ${f.kind} in ${f.call}: ${f.detail}`);
      } else {
        d.count++;
        if (!d.calls.includes(f.call)) d.calls.push(f.call);
        const b = bytes ?? generator.make(config.runSeed, iteration).bytes;
        if (b.length < d.bytes.length) Object.assign(d, { iteration, bytes: b, description: describeCase(generator.make(config.runSeed, iteration)) });
      }
    });
  };

  const merge = (s: WorkerStats): void => {
    stats.cases += s.cases;
    stats.fullDisk += s.fullDisk;
    stats.fullDiskWrote += s.fullDiskWrote;
    if (s.slowestMs > stats.slowestMs) Object.assign(stats, { slowestMs: s.slowestMs, slowestIteration: s.slowestIteration });
    for (const [g, gs] of Object.entries(s.byGroup)) {
      const m: GroupStats = (stats.byGroup[g] ??= { cases: 0, tensors: 0, inputErrors: 0, patterns: {} });
      m.cases += gs.cases;
      m.tensors += gs.tensors;
      m.inputErrors += gs.inputErrors;
      for (const [p, n] of Object.entries(gs.patterns)) m.patterns[p] = (m.patterns[p] ?? 0) + n;
    }
  };

  const slots: Slot[] = Array.from({ length: config.workers }, (_, k) => ({
    state: new Int32Array(new SharedArrayBuffer(12)),
    next: k,
    watched: { iteration: -1, busy: 0, done: 0, since: Date.now() },
    finished: false,
  }));

  const run = new Promise<void>((resolve, reject) => {
    let settled = false;
    const maybeDone = (): void => {
      if (!settled && slots.every((s) => s.finished)) {
        settled = true;
        clearInterval(watchdog);
        clearInterval(progress);
        resolve();
      }
    };
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      clearInterval(progress);
      for (const s of slots) void s.worker?.terminate();
      reject(e);
    };
    const start = (slot: Slot): void => {
      if (settled) return;
      if (slot.next >= config.iterations || Date.now() > deadline) {
        slot.finished = true;
        maybeDone();
        return;
      }
      const input: WorkerInput = { seeds: seeds as Seed[], runSeed: config.runSeed, start: slot.next, stride: config.workers, end: config.iterations, deadline, limits, state: slot.state.buffer as SharedArrayBuffer };
      // source maps on before the bundle loads, so that stack frames name src/ files and lines
      const boot = `process.setSourceMapsEnabled(true); require(${JSON.stringify(bundle)});`;
      const worker = new Worker(boot, { eval: true, workerData: input, resourceLimits: { maxOldGenerationSizeMb: 2048 }, stdout: false, stderr: false });
      slot.worker = worker;
      slot.watched = { iteration: -1, busy: 0, done: Atomics.load(slot.state, 2), since: Date.now() };
      let done = false;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'finding') record(m.iteration, m.findings, m.signatures, m.bytes);
        else if (m.type === 'harness') {
          done = true;
          fail(new Error(`fuzz harness failed making case ${m.iteration}: ${m.error}`));
        } else if (m.type === 'stats') {
          merge(m.stats);
        } else {
          done = true;
          reached = Math.max(reached, m.next - config.workers);
        }
      });
      const died = (why: string): void => {
        if (slot.worker !== worker) return; // already handled (a hang we terminated)
        slot.worker = undefined;
        if (done) {
          slot.finished = true;
          maybeDone();
          return;
        }
        const state = Atomics.load(slot.state, 1);
        const busy = state === 1;
        const iteration = Atomics.load(slot.state, 0);
        if (state === 2) {
          fail(new Error(`fuzz harness: the worker died making case ${iteration}: ${why}`));
          return;
        }
        if (!busy && Atomics.load(slot.state, 2) === 0) {
          fail(new Error(`fuzz worker failed before any case: ${why}`));
          return;
        }
        const f: Finding = { kind: 'crash', call: 'worker', detail: `the worker died in this case: ${why}` };
        record(iteration, [f], [signature(f)], undefined);
        Atomics.add(slot.state, 2, 1);
        slot.next = iteration + config.workers;
        start(slot);
      };
      worker.on('error', (e) => died(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
      worker.on('exit', (code) => died(`exit code ${code}`));
    };
    const watchdog = setInterval(() => {
      const now = Date.now();
      for (const slot of slots) {
        if (slot.worker === undefined) continue;
        const w = slot.watched;
        const iteration = Atomics.load(slot.state, 0);
        const busy = Atomics.load(slot.state, 1);
        const done = Atomics.load(slot.state, 2);
        if (iteration !== w.iteration || busy !== w.busy || done !== w.done) {
          slot.watched = { iteration, busy, done, since: now };
        } else if (busy === 2 && now - w.since > config.hangMs) {
          fail(new Error(`fuzz harness: making case ${iteration} took over ${config.hangMs} ms`));
        } else if (busy === 1 && now - w.since > config.hangMs) {
          const worker = slot.worker;
          slot.worker = undefined;
          void worker.terminate();
          const f: Finding = { kind: 'hang', call: 'parseInput/parseTable', detail: `no answer after ${config.hangMs} ms` };
          record(iteration, [f], [signature(f)], undefined);
          Atomics.add(slot.state, 2, 1);
          slot.next = iteration + config.workers;
          start(slot);
        }
      }
    }, 100);
    const progress = setInterval(() => {
      if (config.progressSeconds <= 0) return;
      const done = slots.reduce((n, s) => n + Atomics.load(s.state, 2), 0);
      const secs = (Date.now() - t0) / 1000;
      log(`fuzz: ${done} cases in ${secs.toFixed(0)} s (${Math.round(done / secs)}/s), ${found.size} distinct findings`);
    }, Math.max(1, config.progressSeconds) * 1000);
    for (const slot of slots) start(slot);
  });
  try {
    await run;
  } finally {
    rmSync(bundle, { force: true });
  }

  const distinct = [...found.values()].sort((a, b) => a.signature.localeCompare(b.signature));
  if (config.minimize) {
    const until = Date.now() + config.minimizeSeconds * 1000;
    for (const d of distinct) if (!skipMinimize(d) && Date.now() < until) minimize(d, generator, config, limits);
    rmSync(mainScratch, { force: true });
    if (limits.fullDisk) rmSync(limits.fullDisk.dir, { recursive: true, force: true });
  }
  save(distinct, config);
  const cases = slots.reduce((n, s) => n + Atomics.load(s.state, 2), 0); // also counts the cases of killed workers
  return { config, cases, seconds: (Date.now() - t0) / 1000, distinct, stats, reached };
}

/** The full-disk runs' settings; each thread writes its cases in a directory of its own. */
export function fullDiskLimits(config: Pick<FuzzConfig, 'fullDiskEvery' | 'hangMs'>, thread: string): FullDisk | undefined {
  if (config.fullDiskEvery <= 0 || !hasFullDevice()) return undefined;
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
  return { every: config.fullDiskEvery, bin, dir: join(tmpdir(), `losscalc-fuzz-${process.pid}-${thread}`), timeoutMs: config.hangMs / 2 };
}

/** Where the minimizer writes cases for the streaming readers. */
const mainScratch = join(tmpdir(), `losscalc-fuzz-${process.pid}-main.npy`);

/** Deletes chunks of the example while the same signature comes out (in this thread). */
function minimize(d: Distinct, generator: CaseGenerator, config: FuzzConfig, limits: Limits): void {
  if (d.finding.kind === 'hang' || d.finding.kind === 'crash' || d.finding.kind === 'slow' || d.finding.kind === 'memory') return;
  const base = generator.make(config.runSeed, d.iteration);
  const has = (bytes: Uint8Array): boolean => {
    const c: FuzzCase = { ...base, bytes };
    const out = runCase(c, { ...limits, memory: false, scratch: mainScratch });
    return out.ms < 500 && out.findings.some((f) => signature(f) === d.signature && f.call === d.finding.call);
  };
  if (!has(d.bytes)) return; // depends on something else (e.g. memory): keep the example as it is
  let cur = d.bytes;
  const until = Date.now() + 1500;
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let i = 0; i < cur.length && Date.now() < until; ) {
      const cand = new Uint8Array(cur.length - Math.min(chunk, cur.length - i));
      cand.set(cur.subarray(0, i));
      cand.set(cur.subarray(i + chunk), i);
      if (has(cand)) cur = cand;
      else i += chunk;
    }
  }
  d.minimized = cur;
}

function save(distinct: Distinct[], config: FuzzConfig): void {
  if (distinct.length === 0) return;
  mkdirSync(config.outDir, { recursive: true });
  distinct.forEach((d, k) => {
    const base = join(config.outDir, `${String(k + 1).padStart(2, '0')}-${d.finding.kind}`);
    writeFileSync(`${base}.bin`, d.bytes);
    if (d.minimized) writeFileSync(`${base}.min.bin`, d.minimized);
    writeFileSync(`${base}.txt`, `${d.signature}\n${d.finding.detail}\n${d.finding.stack ?? ''}\n${d.description}\n`);
    d.file = `${base}.bin`;
  });
}

/** A hex dump of the first `max` bytes, 16 to a line, with printable ASCII beside. */
export function hexSnippet(bytes: Uint8Array, max = 96): string {
  const lines: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, max); i += 16) {
    const row = bytes.subarray(i, Math.min(i + 16, max, bytes.length));
    const hex = Buffer.from(row).toString('hex').replace(/(..)/g, '$1 ').trimEnd();
    const ascii = String.fromCharCode(...row).replace(/[^\x20-\x7e]/g, '.');
    lines.push(`    ${i.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > max) lines.push(`    ... ${bytes.length} bytes in all`);
  return lines.join('\n');
}

/** The run as text: totals, outcomes per reader, and each distinct finding with its example. */
export function formatReport(r: FuzzReport, known: (d: Distinct) => string | undefined): string {
  const c = r.config;
  const out: string[] = [];
  out.push(
    `fuzz: ${r.cases} cases in ${r.seconds.toFixed(1)} s (${Math.round(r.cases / Math.max(r.seconds, 1e-3))}/s) with ${c.workers} worker(s), FUZZ_SEED=${c.runSeed}` +
      (r.cases < c.iterations && c.iterations !== Number.MAX_SAFE_INTEGER ? ` (stopped by the ${c.seconds} s budget before ${c.iterations})` : ''),
  );
  out.push(`  slowest case ${r.stats.slowestIteration}: ${r.stats.slowestMs.toFixed(0)} ms`);
  const every = c.fullDiskEvery > 0 ? `every ${c.fullDiskEvery}th, every ${Math.max(1, Math.floor(c.fullDiskEvery / 4))}th read without error` : 'FUZZ_FULL_DISK_EVERY=0';
  out.push(`  ${r.stats.fullDisk} cases also run through the CLI with stdout on /dev/full (${every}): ${r.stats.fullDiskWrote} had a result to write`);
  for (const [g, s] of Object.entries(r.stats.byGroup).sort()) {
    const kinds = Object.keys(s.patterns).length;
    out.push(`  ${g.padEnd(12)} ${String(s.cases).padStart(8)} cases: ${s.tensors} tensors, ${s.inputErrors} input errors of ${kinds} kinds`);
  }
  if (r.distinct.length === 0) out.push('no findings');
  r.distinct.forEach((d, k) => {
    const bug = known(d);
    out.push('');
    const tag = bug ? ` (known: ${bug})` : NOTES.includes(d.finding.kind) ? ' (a note, not a failure)' : '';
    out.push(`finding ${k + 1}${tag}: ${d.finding.kind} in ${d.calls.join(', ')}, ${d.count} case(s)`);
    out.push(`  ${d.finding.detail}`);
    if (d.finding.stack) out.push(`  at ${d.finding.stack}`);
    out.push(`  ${d.description}`);
    if (d.file) out.push(`  saved: ${d.file}${d.minimized ? ` (shrunk to ${d.minimized.length} bytes: ${d.file.replace(/\.bin$/, '.min.bin')})` : ''}`);
    out.push(hexSnippet(d.minimized ?? d.bytes));
  });
  return out.join('\n');
}
