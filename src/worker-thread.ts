/**
 * One worker thread of a parallel run (worker.ts), started before its job is known: it loads
 * its script and waits for the job. An idle worker does not keep the process alive, so a run
 * that fails or ends before posting a job ends as it would without it. Loaded by the CLI's
 * start (early-workers.ts) as well as by parallel.ts, so it holds nothing but the thread.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerReply } from './thread-claims.js';
import { embedded, EMBEDDED_IN_WORKER } from './embedded.js';

export interface WorkerThread {
  worker: Worker;
  /** What the worker posted, once it has ended. */
  reply: Promise<WorkerReply>;
}

export function startWorkerThread(): WorkerThread {
  const worker = workerOf(new URL(import.meta.url));
  let said: WorkerReply | undefined;
  // the reply is taken once the thread has ended, so that nothing of it outlives the computation
  worker.once('message', (m: WorkerReply) => {
    said = m;
    void worker.terminate();
  });
  worker.once('error', (e) => (said ??= { ok: false, message: e.message }));
  const reply = new Promise<WorkerReply>((resolve) => worker.once('exit', (code) => resolve(said ?? { ok: false, message: `a worker thread ended with code ${code}` })));
  // after the listeners, which would hold the process again
  worker.unref();
  return { worker, reply };
}

/**
 * worker.js beside this module; or, beside the CommonJS bundle, worker.cjs loaded from its code
 * cache (code-cache.ts: a worker's V8 takes the cache its build made in a worker), which spares
 * the worker most of the compiling of its 300 KB; or the single executable's worker bundle.
 */
function workerOf(here: URL): Worker {
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  // the single executable's worker: its bundle's source, and the resources it reads, from the executable
  const built = embedded();
  if (built.worker) return new Worker(EMBEDDED_IN_WORKER + built.worker, { eval: true, resourceLimits, workerData: { embedded: built } });
  if (extname(here.pathname) !== '.cjs') return new Worker(new URL('./worker.js', here), { resourceLimits });
  const [loader, bundle] = ['./code-cache.cjs', './worker.cjs'].map((f) => JSON.stringify(fileURLToPath(new URL(f, here))));
  return new Worker(`require(${loader}).loadBundle(${bundle})`, { eval: true, resourceLimits });
}

/**
 * A worker's young generation at most (MB), as the main thread keeps its own small (heap.ts):
 * what a worker allocates per claim dies young, and V8's default growth took a run reading 60 MB
 * of JSON labels claim by claim (ce, -j 2) from 119 to 130 MB; no bench workload is slower.
 */
const YOUNG_GENERATION_MB = 3;
