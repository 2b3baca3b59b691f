/**
 * A worker thread of a parallel run (parallel.ts): waits for its job, computes the claims it
 * takes (thread-claims.ts), and posts their parts back. Its bundle holds the readers and the
 * kernels only.
 */
import { debuglog } from 'node:util';
import { parentPort } from 'node:worker_threads';
import { InputError } from './errors.js';
import { takeLayouts } from './io/shared-layouts.js';
import { computeClaims, type WorkerJob, type WorkerReply } from './thread-claims.js';

parentPort!.once('message', ({ job, board, fd, worker, layouts }: WorkerJob) => {
  // the files' layouts, for a worker started before they were opened
  takeLayouts(layouts);
  debuglog('losscalc')('worker %d takes %d file layout(s) with its job', worker, layouts.length);
  const post = (reply: WorkerReply) => parentPort!.postMessage(reply);
  computeClaims(job, board, fd, worker).then(
    (parts) => post({ ok: true, parts }),
    (e: unknown) => post({ ok: false, input: e instanceof InputError, message: e instanceof Error ? e.message : String(e) }),
  );
});
