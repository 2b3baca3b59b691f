/** A thread of a parallel run (parallel.ts): computes its rows and posts the part back. */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from './errors.js';
import { computePart, type ParallelJob } from './parallel.js';

const { job, start, end } = workerData as { job: ParallelJob; start: number; end: number };

computePart(job, start, end).then(
  ({ result: r, logits, labels }) => {
    const result = { perSample: r.perSample, sum: r.sum, weightSum: r.weightSum, count: r.count, shape: r.shape };
    parentPort!.postMessage({ ok: true, part: { result, logits, labels } }, [r.perSample.buffer as ArrayBuffer]);
  },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    parentPort!.postMessage({ ok: false, message: e instanceof InputError ? message : `internal:${message}` });
  },
);
