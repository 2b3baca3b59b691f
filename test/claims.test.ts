/**
 * The threads' claims (claims.ts): in any interleaving of the threads' steps, every claim is
 * taken exactly once, a failure stops every thread's claiming, a worker either joins or is let
 * go (never both); and the claims' parts, computed in any order by any thread, join to the
 * single-threaded run's bits (parallel.ts joinClaims), kept losses and warnings included.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimBoard, claimRows, claimSize, joinClaims as joinRun, letGo, nextClaim, stopClaims, valueBytes } from '../src/claims.js';
import type { DType } from '../src/tensor.js';
import { lossFor } from '../src/evaluate.js';
import { encodeNpy } from '../src/io/npy.js';
import { openInput } from '../src/io/read.js';
import { temporaryFile } from '../src/loss-store.js';
import { rowsPerChunk } from '../src/losses/reduce.js';
import { joinClaims, type ParallelJob } from '../src/parallel.js';
import { computeClaim } from '../src/thread-claims.js';
import { asValues } from '../src/values.js';
import { combineFindings, PredictionWatch, type Findings } from '../src/mistakes.js';
import { NonFiniteScan, type Scanned } from '../src/warnings.js';

/** What a scan's warnings read: `probabilities` means something only while every value is in [0, 1] (mistakes.ts). */
function meaningful({ findings, ...scan }: Scanned): object {
  return { ...scan, findings: findings && { ...findings, probabilities: findings.unit && findings.probabilities } };
}

/** Threads taking claims in the order `schedule` gives (each step: a thread takes its next claim). */
function interleave(claims: number, threads: number, schedule: number[], failAt?: number): { taken: number[][]; after: number[] } {
  const board = claimBoard(claims * 3, 3, threads);
  const taken: number[][] = Array.from({ length: threads }, () => []);
  let steps = 0;
  for (const t of schedule) {
    const k = nextClaim(board);
    if (k !== undefined) taken[t % threads].push(k);
    if (++steps === failAt) stopClaims(board);
  }
  // every thread goes on until it finds none
  const after = taken.map(() => {
    let n = 0;
    for (let k = nextClaim(board); k !== undefined; k = nextClaim(board)) n++;
    return n;
  });
  return { taken, after };
}

describe('claims', () => {
  it('each claim is taken exactly once, whatever the interleaving, and each thread takes its claims in increasing order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(), { maxLength: 80 }), (claims, threads, schedule) => {
        const { taken, after } = interleave(claims, threads, schedule);
        const all = taken.flat();
        // the threads' last loops take whatever the schedule left, in one go each
        const rest = after.reduce((a, b) => a + b, 0);
        expect(all.length + rest).toBe(claims);
        expect(new Set(all).size).toBe(all.length);
        for (const mine of taken) expect(mine).toEqual([...mine].sort((a, b) => a - b));
        expect(Math.max(-1, ...all)).toBeLessThan(claims);
      }),
    );
  });

  it('a failure stops every thread: no claim is taken after it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), fc.nat(), (claims, schedule, at) => {
        const failAt = (at % schedule.length) + 1;
        const { taken, after } = interleave(claims, 3, schedule, failAt);
        expect(taken.flat().length).toBe(Math.min(claims, failAt));
        expect(after).toEqual([0, 0, 0]);
      }),
    );
  });

  it('claims cover the rows in order, the last one short', () => {
    const board = claimBoard(10, 4, 1);
    expect(board.claims).toBe(3);
    expect([0, 1, 2].map((k) => claimRows(board, k))).toEqual([[0, 4], [4, 8], [8, 10]]);
  });

  it('a worker either joins or is let go, whichever comes first', () => {
    const board = claimBoard(8, 1, 2);
    expect(joinRun(board, 0)).toBe(true);
    expect(letGo(board, 0)).toBe(false);
    expect(letGo(board, 1)).toBe(true);
    expect(joinRun(board, 1)).toBe(false);
  });

  it('a claim is whole chunks, about a MiB of input, and at least 8 a thread when there are chunks enough', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 8 }), (rows, chunkRows, rowBytes, threads) => {
        const size = claimSize(rows, chunkRows, rowBytes, threads);
        expect(size % chunkRows).toBe(0);
        const chunks = Math.ceil(rows / chunkRows);
        if (size > chunkRows) {
          expect(size * rowBytes).toBeLessThanOrEqual(1 << 20);
          expect(Math.ceil(rows / size)).toBeGreaterThanOrEqual(Math.min(chunks, 8 * threads));
        }
      }),
    );
    // the img workload's chunks are 4 MiB each: a claim is one
    expect(claimSize(50_000, 1048, 4000, 2)).toBe(1048);
    expect(['bool', 'uint8', 'bfloat16', 'float32', 'int64'].map((d) => valueBytes(d as DType))).toEqual([1, 1, 2, 4, 8]);
  });
});

describe('claims computed in any order, by any thread, join to one run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-claims-'));
  // (N, C, d): 512 positions a row, so 8 rows a chunk of the sums and 25 chunks
  const [N, C, d] = [200, 3, 512];
  const x = Float64Array.from({ length: N * C * d }, (_, i) => Math.sin(i * 0.7) * 6);
  x[(191 * C + 2) * d + 17] = NaN; // late rows: the first non-finite value is found by its place in the whole input
  x[(197 * C + 1) * d + 3] = -Infinity;
  const y = BigInt64Array.from({ length: N * d }, (_, i) => (i % 11 === 0 ? -100n : BigInt(i % C)));
  const logits = join(dir, 'x.npy');
  const labels = join(dir, 'y.npy');
  writeFileSync(logits, encodeNpy({ data: x, shape: [N, C, d], dtype: 'float64' }));
  writeFileSync(labels, encodeNpy({ data: y, shape: [N, d], dtype: 'int64' }));
  const job: ParallelJob = {
    mode: 'cross-entropy',
    logits,
    labels,
    reduction: 'none',
    ignoreIndex: -100,
    labelSmoothing: 0.1,
    logSoftmax: false,
    inputKind: 'logits',
    keepLosses: true,
  };
  const chunkRows = rowsPerChunk([N, d], C * d);

  it('has many chunks', () => expect(N / chunkRows).toBe(25));

  for (const claim of [chunkRows, 3 * chunkRows]) {
    it(`claims of ${claim} rows, taken in a shuffled order`, async () => {
      const [xs, ys] = [asValues(await openInput(logits)), asValues(await openInput(labels))];
      const scans = { logits: new NonFiniteScan(new PredictionWatch(xs.shape, xs.dtype)), labels: new NonFiniteScan() };
      const one = lossFor('cross-entropy', { logits: scans.logits.observe(xs), labels: scans.labels.observe(ys) }, { ...job, perSample: 'keep' });
      const board = claimBoard(N, claim, 0);
      await fc.assert(
        fc.asyncProperty(fc.shuffledSubarray([...Array(board.claims).keys()], { minLength: board.claims }), async (order) => {
          const fd = temporaryFile();
          const parts = order.map((k) => computeClaim(job, xs, ys, k, claimRows(board, k), fd));
          const { result, logits: seen } = joinClaims(parts, job, board, { logits: C * d, labels: d }, fd);
          expect([result.sum, result.weightSum, result.count]).toEqual([one.sum, one.weightSum, one.count]);
          expect(result.nonFinite).toEqual(one.nonFinite);
          expect(meaningful(seen)).toEqual(meaningful(scans.logits.summary()));
          const kept = new Float64Array(N * d);
          result.perSample!.read(1, 0, N * d, (v, first) => kept.set(v as Float64Array, first));
          expect(kept).toEqual(one.perSample!.toArray());
        }),
        { numRuns: 5 },
      );
    });
  }

  it('a claim missing, or taken twice, is an internal error', async () => {
    const [xs, ys] = [asValues(await openInput(logits)), asValues(await openInput(labels))];
    const board = claimBoard(N, chunkRows, 0);
    const drop = { ...job, reduction: 'mean' as const, keepLosses: false };
    const parts = [...Array(board.claims).keys()].map((k) => computeClaim(drop, xs, ys, k, claimRows(board, k), undefined));
    expect(() => joinClaims(parts.slice(1), drop, board, { logits: C * d, labels: d }, undefined)).toThrow(/computed 24 parts of 25/);
    expect(() => joinClaims([...parts.slice(1), parts[1]], drop, board, { logits: C * d, labels: d }, undefined)).toThrow(/parts of 25/);
  });
});

describe("the parts' findings join as one watch reads the whole input", () => {
  const none: Findings = { unit: false, inside: false, probabilities: true, positive: -1, positiveValue: 0, badRow: -1, badRowSum: 0 };
  it('the first part with a row that is not log-probabilities decides, whichever way the row failed', () => {
    const bad = { ...none, badRow: 40, badRowSum: 0.5 };
    const positive = { ...none, positive: 9000, positiveValue: 2 };
    expect(combineFindings([none, bad, positive])).toEqual(bad);
    expect(combineFindings([positive, bad])).toEqual(positive);
  });
});
