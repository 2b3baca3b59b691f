import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { threadCount } from '../src/parallel.js';
import { threadsWarning } from '../src/threads.js';
import { FIXTURES } from './helpers.js';

const BIG = 1 << 24;

describe('threadCount', () => {
  it('never asks for more threads than cores', () => {
    expect(threadCount(500, BIG, 3_000_000, 2)).toBe(2);
    expect(threadCount(3, BIG, 3_000_000, 1)).toBe(1);
  });
  it('never asks for more threads than rows', () => {
    expect(threadCount(16, BIG, 5, 64)).toBe(5);
  });
  it('takes what was asked within the cores', () => {
    expect(threadCount(3, BIG, 3_000_000, 16)).toBe(3);
  });
  it('defaults to every core up to 8 for large inputs, one for small ones', () => {
    expect(threadCount(undefined, BIG, 3_000_000, 4)).toBe(4);
    expect(threadCount(undefined, BIG, 3_000_000, 32)).toBe(8);
    expect(threadCount(undefined, 100, 3_000_000, 32)).toBe(1);
  });
});

describe('-j above the cores', () => {
  it('is clamped with a warning, given the cores', () => {
    expect(threadsWarning(500, 2)).toEqual(['-j 500 is more than the 2 cores here: at most 2 threads are used']);
    expect(threadsWarning(2, 2)).toEqual([]);
    expect(threadsWarning(undefined, 2)).toEqual([]);
  });

  it('reaches stderr from a run, whatever the machine', () => {
    const many = String(availableParallelism() + 1);
    // the built binary: threads run its bundled worker
    const bin = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
    const r = spawnSync(process.execPath, [bin, 'ce', join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv'), '-j', many, '-q'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`losscalc: warning: -j ${many} is more than the ${availableParallelism()} cores here: at most ${availableParallelism()} threads are used\n`);
  });
});
