/**
 * Starting workers early is a guess: when a thread cannot be started, none is kept (those
 * already started are ended) and the run goes on, starting its workers when it needs them.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NS_PER_VALUE, PARALLEL_MIN_NS } from '../src/threads.js';

const terminated: number[] = [];
let started = 0;
vi.mock('../src/worker-thread.js', () => ({
  startWorkerThread: () => {
    if (started === 1) throw new Error('ERR_WORKER_INIT_FAILED');
    const id = started++;
    return { worker: { terminate: () => terminated.push(id) }, reply: Promise.resolve({ ok: false }) };
  },
}));
const { startEarlyWorkers, startedEarly, takeEarlyWorkers } = await import('../src/early-workers.js');

const dir = mkdtempSync(join(tmpdir(), 'losscalc-early-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('workers started early, when a thread cannot start', () => {
  it('keeps none, ends those it started, and throws nothing', () => {
    const big = join(dir, 'big.npy');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, (4 * PARALLEL_MIN_NS) / NS_PER_VALUE.kernel);
    closeSync(fd);
    expect(startEarlyWorkers(['ce', big, big], 4)).toBe(0);
    expect(terminated).toEqual([0]);
    expect(startedEarly()).toBe(false);
    expect(takeEarlyWorkers(3)).toEqual([]);
  });
});
