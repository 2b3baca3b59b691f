import { describe, expect, it } from 'vitest';
import { threadCount } from '../src/parallel.js';

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
