/** Shards: concatenation along dim 0 against np.concatenate, copied or read in turn, and the shape errors. */
import { describe, expect, it } from 'vitest';
import { concatBatch, joinBatch } from '../../src/io/concat.js';
import { openNpyFile } from '../../src/io/npy-file.js';
import { parseNpy } from '../../src/io/npy.js';
import { numel, type Tensor } from '../../src/tensor.js';
import { isValues, type Values } from '../../src/values.js';
import { expectedValues, readUnits, withBlockBytes } from './blocks.js';
import { inputErrorSync, STORAGE } from './helpers.js';
import { expectTensor, fact, FIXTURES, fixtureBytes, manifest } from './manifest.js';

const part = (name: string): { tensor: Tensor; source: string } => ({ tensor: parseNpy(fixtureBytes(name), name), source: name });

describe('concatBatch', () => {
  it.each(manifest.concat.map((c) => [c.parts.join(' + '), c] as const))('%s as np.concatenate', (_, exp) => {
    expectTensor(concatBatch(exp.parts.map(part)), exp);
  });

  it('keeps a common dtype and its storage; mixed dtypes become float64', () => {
    const same = concatBatch(['shard_0.npy', 'shard_1.npy'].map(part));
    expect([same.dtype, same.data.constructor.name]).toEqual(['float32', 'Float32Array']);
    const labels = concatBatch(['labels_0.npy', 'labels_1.npy'].map(part));
    expect([labels.dtype, labels.data.constructor.name]).toEqual(['int64', 'BigInt64Array']);
    const mixed = concatBatch(['shard_0.npy', 'shard_2.npy'].map(part));
    expect([mixed.dtype, mixed.data.constructor.name]).toEqual(['float64', 'Float64Array']);
  });

  it('returns a single part as it is', () => {
    const only = part('shard_2.npy');
    expect(concatBatch([only])).toBe(only.tensor);
  });

  it('shapes that differ after the first dim name the file and both shapes', () => {
    const name = 'shard_bad.npy';
    const first = fact<string>(name, 'first');
    const e = inputErrorSync(() => concatBatch([part(first), part('shard_1.npy'), part(name)]), name);
    const shape = fact<number[]>(name, 'shape');
    const firstShape = fact<number[]>(name, 'first_shape');
    expect(e.message).toBe(`shape (${shape.join(', ')}) does not match shape (${firstShape.join(', ')}) of ${first}: shards must agree in every dim but the first`);
    const rank = inputErrorSync(() => concatBatch([part('shard_0.npy'), part('labels_0.npy')]), 'labels_0.npy');
    expect(rank.message).toBe('shape (2,) does not match shape (2, 3) of shard_0.npy: shards must agree in every dim but the first');
  });

  it('a scalar cannot be concatenated', () => {
    const e = inputErrorSync(() => concatBatch([part('shard_scalar.npy'), part('shard_0.npy')]), 'shard_scalar.npy');
    expect(e.message).toBe('a scalar (shape ()) has no batch dim to concatenate along');
    inputErrorSync(() => concatBatch([part('shard_scalar.npy')]), 'shard_scalar.npy');
  });

  it('zero-row shards are fine', () => {
    const empty: Tensor = { data: new Float32Array(0), shape: [0, 3], dtype: 'float32' };
    const t = concatBatch([{ tensor: empty, source: 'e' }, part('shard_1.npy')]);
    expectTensor(t, manifest.files['shard_1.npy']);
  });
});

const opened = (name: string): { tensor: Values; source: string } => ({ tensor: openNpyFile(FIXTURES + name)!, source: name });

describe('joinBatch: shards read one after another', () => {
  it.each(manifest.concat.map((c) => [c.parts.join(' + '), c] as const))('%s as np.concatenate, in blocks of any unit', (_, exp) => {
    const want = expectedValues(exp.values, exp.dtype);
    const row = numel(exp.shape.slice(1));
    const total = numel(exp.shape);
    for (const bytes of [1, 8, 4 << 20]) {
      withBlockBytes(bytes, () => {
        const v = joinBatch(exp.parts.map(opened)) as Values;
        expect(isValues(v)).toBe(true);
        expect([v.shape, v.dtype]).toEqual([exp.shape, exp.dtype]);
        // a unit of a row, of a value, and of whole rows across a shard's end (total / 3: 2 rows of 6)
        for (const unit of [row, 1, ...(total % (3 * row) === 0 && exp.shape[0] > 3 ? [total / 3] : []), total]) {
          const read = readUnits(v, unit);
          expect(read.values).toEqual(want);
          // blocks of float64 (mixed dtypes) or the parts' own storage
          expect(new Set(read.storage)).toEqual(new Set([STORAGE[exp.dtype]]));
          const per = Math.max(1, Math.floor(bytes / (unit * 8)));
          for (const b of read.blocks) expect(b).toBeLessThanOrEqual(Math.max(per * unit, Math.floor(bytes / 4) + row));
          const units = total / unit;
          if (units > 2) expect(readUnits(v, unit, 1, units - 1).values).toEqual(want.slice(unit, total - unit));
        }
      });
    }
  });

  it('joins tensors in memory and Values alike, and keeps a single part as it is', () => {
    const exp = manifest.concat[1];
    const v = joinBatch([part(exp.parts[0]), opened(exp.parts[1]), part(exp.parts[2])]) as Values;
    expect(readUnits(v, 3).values).toEqual(expectedValues(exp.values, exp.dtype));
    const only = opened('shard_2.npy');
    expect(joinBatch([only])).toBe(only.tensor);
  });

  it('checks shapes as concatBatch does, before anything is read', () => {
    const rank = inputErrorSync(() => joinBatch([opened('shard_0.npy'), opened('labels_0.npy')]), 'labels_0.npy');
    expect(rank.message).toBe('shape (2,) does not match shape (2, 3) of shard_0.npy: shards must agree in every dim but the first');
    const scalar = inputErrorSync(() => joinBatch([opened('shard_scalar.npy'), opened('shard_0.npy')]), 'shard_scalar.npy');
    expect(scalar.message).toBe('a scalar (shape ()) has no batch dim to concatenate along');
  });

  it('units of no values (no classes) come as one empty block', () => {
    const empty: Tensor = { data: new Float32Array(0), shape: [2, 0], dtype: 'float32' };
    const v = joinBatch([{ tensor: empty, source: 'a' }, { tensor: empty, source: 'b' }]) as Values;
    const seen: [number, number, number][] = [];
    v.read(0, 0, 4, (d, first, count) => seen.push([d.length, first, count]));
    expect(seen).toEqual([[0, 0, 4]]);
  });
});
