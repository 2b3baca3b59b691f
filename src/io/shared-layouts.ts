/**
 * Layouts that a reader found by a pass over a file (csv-scan.ts, json-file.ts), shared with
 * the run's worker threads so that they skip the pass: as worker_threads' environment data,
 * which a worker started later takes as it starts, and with the job (parallel.ts), for a
 * worker started before the file was opened (early-workers.ts), which shares them in its own
 * thread before it opens the files.
 */
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';

/** The layouts this thread shared, by their keys. */
const shared = new Map<string, unknown>();

/** Shares `layout` under `key` with the threads started from here on, and with the job. */
export function shareLayout(key: string, layout: unknown): void {
  shared.set(key, layout);
  setEnvironmentData(key, layout as never);
}

/** The layout shared under `key`, in this thread or before it started; undefined if none was. */
export function sharedLayout<T>(key: string): T | undefined {
  return getEnvironmentData(key) as T | undefined;
}

/** The layouts shared so far, for a job posted to a worker. */
export function sharedLayouts(): [string, unknown][] {
  return [...shared];
}

/** Shares in this thread the layouts a job brought. */
export function takeLayouts(layouts: readonly [string, unknown][]): void {
  for (const [key, layout] of layouts) setEnvironmentData(key, layout as never);
}
