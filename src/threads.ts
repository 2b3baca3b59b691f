/**
 * Whether a run may use threads, decided before parallel.ts (and worker_threads) is loaded:
 * below PARALLEL_MIN_VALUES logits a second thread costs more to start than it saves.
 */
export const PARALLEL_MIN_VALUES = 1 << 22;

export function mayUseThreads(asked: number | undefined, values: number): boolean {
  return asked === undefined ? values >= PARALLEL_MIN_VALUES : asked > 1;
}

/** What -j above the machine's cores gets: a warning, and the cores. */
export function threadsWarning(asked: number | undefined, cores: number): string[] {
  return asked !== undefined && asked > cores ? [`-j ${asked} is more than the ${cores} cores here: using ${cores}`] : [];
}
