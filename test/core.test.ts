/** The small shared pieces: compensated sums, "close", broadcasting, index naming. */
import { describe, expect, it } from 'vitest';
import { compareValues, isClose } from '../src/checks.js';
import { InputError, readError } from '../src/errors.js';
import { CompensatedSum, Reducer } from '../src/losses/reduce.js';
import { broadcastTo, classLayout, formatIndex, formatShape } from '../src/tensor.js';

describe('CompensatedSum', () => {
  it('keeps what a naive sum loses', () => {
    const s = new CompensatedSum();
    let naive = 0;
    for (const x of [1e16, 1, -1e16, 1]) {
      s.add(x);
      naive += x;
    }
    expect(s.value).toBe(2);
    expect(naive).not.toBe(2);
  });
  it('sums 0.1 ten million times to the nearest float of 1e6', () => {
    // the exact sum of 1e7 copies of the double 0.1 is 1000000.0000000000555..., nearest double 1e6
    const s = new CompensatedSum();
    let naive = 0;
    for (let i = 0; i < 1e7; i++) {
      s.add(0.1);
      naive += 0.1;
    }
    expect(s.value).toBe(1e6);
    expect(Math.abs(naive - 1e6)).toBeGreaterThan(1e-4);
  });
  it('propagates infinities and NaN as plain addition does', () => {
    const inf = new CompensatedSum();
    [1, Infinity, 2].forEach((x) => inf.add(x));
    expect(inf.value).toBe(Infinity);
    const nan = new CompensatedSum();
    [Infinity, -Infinity].forEach((x) => nan.add(x));
    expect(nan.value).toBeNaN();
  });
});

describe('Reducer', () => {
  it('mean divides by the summed weights, sum ignores them, none keeps zeros where nothing was added', () => {
    const r = new Reducer([3]);
    r.add(0, 2, 0.5);
    r.add(2, 4, 1.5);
    expect(r.finish('mean').loss).toBe(3);
    expect(r.finish('sum').loss).toBe(6);
    expect(Array.from(r.finish('none').perSample!.toArray())).toEqual([2, 0, 4]);
    expect(r.finish('mean').count).toBe(2);
  });
  it('mean over nothing is NaN, as in PyTorch', () => {
    expect(new Reducer([2]).finish('mean').loss).toBeNaN();
    expect(new Reducer([2]).finish('sum').loss).toBe(0);
  });
});

describe('isClose (torch.isclose)', () => {
  const tol = { rtol: 1e-5, atol: 1e-8 };
  it('uses |a - b| <= atol + rtol * |b|', () => {
    expect(isClose(1 + 1e-5, 1, tol)).toBe(true);
    expect(isClose(1 + 2e-5, 1, tol)).toBe(false);
    expect(isClose(1e-9, 0, tol)).toBe(true);
    expect(isClose(1e-7, 0, tol)).toBe(false);
  });
  it('treats infinities and NaN as torch does', () => {
    expect(isClose(Infinity, Infinity, tol)).toBe(true);
    expect(isClose(Infinity, -Infinity, tol)).toBe(false);
    expect(isClose(Infinity, 1e308, tol)).toBe(false);
    expect(isClose(NaN, NaN, tol)).toBe(false);
    expect(isClose(NaN, NaN, { ...tol, equalNan: true })).toBe(true);
    expect(isClose(NaN, 1, { ...tol, equalNan: true })).toBe(false);
  });
  it('compareValues names the first element that is not close', () => {
    const c = compareValues('x', Float64Array.of(1, 2, 3), Float64Array.of(1, 2.5, 4), tol);
    expect(c).toMatchObject({ ok: false, index: 1, a: 2, b: 2.5, diff: 0.5 });
    expect(compareValues('y', 1, 1, tol).ok).toBe(true);
  });
});

describe('shape rules', () => {
  it('puts the class dim at 1, or 0 for an unbatched input', () => {
    expect(classLayout([4, 10])).toEqual({ outer: 4, classes: 10, inner: 1, outShape: [4], dim: 1, given: false });
    expect(classLayout([2, 3, 4, 5])).toEqual({ outer: 2, classes: 3, inner: 20, outShape: [2, 4, 5], dim: 1, given: false });
    expect(classLayout([7])).toEqual({ outer: 1, classes: 7, inner: 1, outShape: [], dim: 0, given: false });
  });
  it('puts it at a given dim: outer and inner are the dims before and after, the loss shape the rest', () => {
    expect(classLayout([2, 3, 7], -1)).toEqual({ outer: 6, classes: 7, inner: 1, outShape: [2, 3], dim: 2, given: true });
    expect(classLayout([2, 3, 4, 5], 2)).toEqual({ outer: 6, classes: 4, inner: 5, outShape: [2, 3, 5], dim: 2, given: true });
    expect(classLayout([4, 6], 0)).toEqual({ outer: 1, classes: 4, inner: 6, outShape: [6], dim: 0, given: true });
    expect(classLayout([7], -1)).toEqual({ outer: 1, classes: 7, inner: 1, outShape: [], dim: 0, given: true });
    expect(() => classLayout([7], 1)).toThrow('--class-dim 1 is out of range for logits of shape (7,): it takes -1 to 0');
    expect(() => classLayout([2, 3], -3)).toThrow('it takes -2 to 1');
  });
  it('broadcasts on the right', () => {
    expect(Array.from(broadcastTo(Float64Array.of(1, 2, 3), [3], [2, 3], 'weight'))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(Array.from(broadcastTo(Float64Array.of(1, 2), [2, 1], [2, 3], 'weight'))).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(broadcastTo(Float64Array.of(5), [], [2, 2], 'weight'))).toEqual([5, 5, 5, 5]);
    expect(() => broadcastTo(Float64Array.of(1, 2), [2], [2, 3], 'pos-weight')).toThrow('does not broadcast');
  });
  it('names shapes and positions as Python prints them', () => {
    expect(formatShape([5])).toBe('(5,)');
    expect(formatShape([])).toBe('()');
    expect(formatShape([2, 3])).toBe('(2, 3)');
    expect(formatIndex(5, [10])).toBe('5');
    expect(formatIndex(5, [2, 3])).toBe('(1, 2)');
  });
});

describe('readError', () => {
  const sysError = (code: string, message: string) => Object.assign(new Error(message), { code });
  it("says why a read failed in the system's words, without Node's copy of the path", () => {
    expect(readError(sysError('EIO', "EIO: i/o error, read '/some/where'"), 'x.npy').message).toBe('cannot read: input/output error');
    expect(readError(sysError('ENOENT', "ENOENT: no such file or directory, open 'x'"), 'x.npy').message).toBe('no such file');
    expect(readError(sysError('EISDIR', 'EISDIR: illegal operation on a directory, read'), 'd').message).toBe('is a directory');
    expect(readError(sysError('EXDEV', "EXDEV: cross-device link not permitted, rename 'a' -> 'b'"), 'x').message).toBe('cannot read: cross-device link not permitted');
    expect(readError(new InputError('bad'), 'x.npy').source).toBe('x.npy');
  });
});
