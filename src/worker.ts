/** A thread of a parallel run (parallel.ts): computes its rows and posts the part back. */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from './errors.js';
import { computePart, type ParallelJob } from './parallel.js';

const { job, start, end } = workerData as { job: ParallelJob; start: number; end: number };

computePart(job, start, end).then(
  ({ result: r, logits, labels }) => {
    const { perSample, perWeight, sum, weightSum, count, shape } = r;
    const result = { perSample, perWeight, sum, weightSum, count, shape };
    const transfer = [perSample.buffer, perWeight?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    parentPort!.postMessage({ ok: true, part: { result, logits, labels } }, transfer);
  },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    parentPort!.postMessage({ ok: false, message: e instanceof InputError ? message : `internal:${message}` });
  },
);
