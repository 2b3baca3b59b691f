/** Shards: concatenation along dim 0 against np.concatenate, and the shape errors. */
import { describe, expect, it } from 'vitest';
import { concatBatch } from '../../src/io/concat.js';
import { parseNpy } from '../../src/io/npy.js';
import type { Tensor } from '../../src/tensor.js';
import { inputErrorSync } from './helpers.js';
import { expectTensor, fact, fixtureBytes, manifest } from './manifest.js';

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
