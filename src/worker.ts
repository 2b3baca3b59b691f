/** A thread of a parallel run (parallel.ts): computes its rows and posts the part's numbers back. */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from './errors.js';
import { computePart, type ParallelJob, type PartMessage } from './parallel.js';

const { job, start, end, fd } = workerData as { job: ParallelJob; start: number; end: number; fd?: number };

computePart(job, start, end, fd).then(
  ({ result: r, logits, labels }) => {
    // the losses are in the file `fd`, written in full by the Reducer's finish: only the numbers cross
    const { reduction, shape, sum, weightSum, count, exact, nonFinite } = r;
    const message: PartMessage = { ok: true, part: { result: { reduction, shape, sum, weightSum, count, exact, nonFinite }, logits, labels } };
    parentPort!.postMessage(message);
  },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    parentPort!.postMessage({ ok: false, message: e instanceof InputError ? message : `internal:${message}` });
  },
);
