/**
 * Whether a run uses threads, decided before parallel.ts (and worker_threads) is loaded.
 *
 * A worker takes about 50 ms of a core before it computes (Node's start in the thread, the
 * worker's bundle, the kernel's compile), and then shares the machine's caches and memory
 * bandwidth with the main thread: threads pay only for work that keeps one thread
 * PARALLEL_MIN_NS or more. What one thread spends on a logit, measured on the bench's
 * workloads (bench/RESULTS.md): parsing text about 30 ns; a binary block through the kernel
 * about 4 ns (seg, 11M logits, and bce, 20M, ran faster on one thread than on two; img, 50M,
 * faster on two); through the scalar path about 15 ns. LOSSCALC_PARALLEL_MIN_NS sets another
 * bound (tests run threads on small inputs so).
 */
export const PARALLEL_MIN_NS = Number(process.env.LOSSCALC_PARALLEL_MIN_NS) || 150e6;

export const NS_PER_VALUE = { text: 30, kernel: 4, scalar: 15 } as const;

/** How the logits are read and computed, for their cost. */
export type ValueCost = keyof typeof NS_PER_VALUE;

/** The fewest logits that may be worth threads, whatever their cost. */
export const PARALLEL_MIN_VALUES = Math.ceil(PARALLEL_MIN_NS / NS_PER_VALUE.text);

/** Whether threads may pay for `values` logits: what -j asks, else their cost on one thread (the dearest when not known yet). */
export function mayUseThreads(asked: number | undefined, values: number, cost: ValueCost = 'text'): boolean {
  return asked === undefined ? values * NS_PER_VALUE[cost] >= PARALLEL_MIN_NS : asked > 1;
}

/** What -j above the machine's cores gets: a warning, and the cores. */
export function threadsWarning(asked: number | undefined, cores: number): string[] {
  return asked !== undefined && asked > cores ? [`-j ${asked} is more than the ${cores} cores here: using ${cores}`] : [];
}
