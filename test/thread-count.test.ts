import { describe, expect, it } from 'vitest';
import { threadCount } from '../src/parallel.js';
import { NS_PER_VALUE, PARALLEL_MIN_NS } from '../src/threads.js';

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
  it('by default, threads only for work that keeps one thread PARALLEL_MIN_NS: text costs more a value than binary blocks through the kernel', () => {
    const kernelValues = Math.ceil(PARALLEL_MIN_NS / NS_PER_VALUE.kernel);
    const textValues = Math.ceil(PARALLEL_MIN_NS / NS_PER_VALUE.text);
    expect(threadCount(undefined, kernelValues, 3_000_000, 2, 'kernel')).toBe(2);
    expect(threadCount(undefined, kernelValues - 1, 3_000_000, 2, 'kernel')).toBe(1);
    expect(threadCount(undefined, textValues, 3_000_000, 2, 'text')).toBe(2);
    expect(threadCount(undefined, textValues - 1, 3_000_000, 2, 'text')).toBe(1);
    // the same values, dearer on the scalar path
    expect(threadCount(undefined, kernelValues - 1, 3_000_000, 2, 'scalar')).toBe(2);
    // what -j asks, whatever the cost
    expect(threadCount(2, 1000, 3_000_000, 2, 'kernel')).toBe(2);
  });
});
