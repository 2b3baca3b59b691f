/**
 * Whether a run uses threads, decided before parallel.ts (and worker_threads) is loaded.
 *
 * A worker takes about 20 ms of a core before it computes (Node's start in the thread, the
 * worker's bundle, the kernel's compile), and two threads in one process run slower each than
 * one alone (they share the machine's caches and memory bandwidth, and V8's compiler and GC
 * threads): threads pay only for work that keeps one thread PARALLEL_MIN_NS or more. What one
 * thread spends on a value read, the logits' and the labels' (or targets') alike, measured on
 * the bench's inputs and slices of them (bench/RESULTS.md): parsing text about 30 ns (a CSV of
 * 5M values ran as fast on two threads as on one); a binary block through the kernel about 5 ns
 * (ce with 20M logits and bce with 15M logits and 15M targets ran as fast on two, seg's 11M
 * logits faster on one, bce's 20M and 20M and img's 50M faster on two); through the scalar
 * path about 15 ns. LOSSCALC_PARALLEL_MIN_NS sets another bound (tests run threads on small
 * inputs so).
 */
export const PARALLEL_MIN_NS = Number(process.env.LOSSCALC_PARALLEL_MIN_NS) || 150e6;

export const NS_PER_VALUE = { text: 30, kernel: 5, scalar: 15 } as const;

/** How the logits are read and computed, for their cost. */
export type ValueCost = keyof typeof NS_PER_VALUE;

/** The fewest values read that may be worth threads, whatever their cost. */
export const PARALLEL_MIN_VALUES = Math.ceil(PARALLEL_MIN_NS / NS_PER_VALUE.text);

/** Whether threads may pay for reading `values` values: what -j asks, else their cost on one thread (the dearest when not known yet). */
export function mayUseThreads(asked: number | undefined, values: number, cost: ValueCost = 'text'): boolean {
  return asked === undefined ? values * NS_PER_VALUE[cost] >= PARALLEL_MIN_NS : asked > 1;
}

/** What -j above the machine's cores gets: a warning, and the cores. */
export function threadsWarning(asked: number | undefined, cores: number): string[] {
  return asked !== undefined && asked > cores ? [`-j ${asked} is more than the ${cores} cores here: using ${cores}`] : [];
}
