/**
 * One worker thread of a parallel run (worker.ts), started before its job is known: it loads
 * its script and waits for the job. An idle worker does not keep the process alive, so a run
 * that fails or ends before posting a job ends as it would without it. Loaded by the CLI's
 * start (early-workers.ts) as well as by parallel.ts, so it holds nothing but the thread.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerReply } from './thread-claims.js';

export interface WorkerThread {
  worker: Worker;
  /** What the worker posted, once it has ended. */
  reply: Promise<WorkerReply>;
}

export function startWorkerThread(): WorkerThread {
  const worker = new Worker(workerScript());
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

/** worker.js beside this module, or worker.cjs beside the CommonJS bundle. */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  return new URL(`./worker${extname(here.pathname)}`, here);
}
