/**
 * NPY files read in blocks (npy-file.ts): every numpy-written fixture — each dtype, both byte
 * orders, Fortran order, float16 — gives numpy's values through tiny blocks, in units of a
 * row and of single values, from any start; no block is larger than the block size allows.
 */
import { describe, expect, it } from 'vitest';
import { openNpyFile } from '../../src/io/npy-file.js';
import { numel } from '../../src/tensor.js';
import { STORAGE } from './helpers.js';
import { expectedValues, readUnits, withBlockBytes } from './blocks.js';
import { FIXTURES, manifest } from './manifest.js';

const npyFiles = Object.keys(manifest.files).filter((name) => name.endsWith('.npy') && !name.includes(':'));
const SIZE: Record<string, number> = { float16: 2, bfloat16: 2, float32: 4, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1 };

describe('every NPY fixture in blocks', () => {
  it.each(npyFiles)('%s', (name) => {
    const exp = manifest.files[name];
    const want = expectedValues(exp.values, exp.dtype);
    const count = numel(exp.shape);
    const row = exp.shape.length === 0 ? 1 : numel(exp.shape.slice(1));
    for (const bytes of [1, 3, 8, 24, 4 << 20]) {
      withBlockBytes(bytes, () => {
        const v = openNpyFile(FIXTURES + name);
        expect(v, 'read in blocks').toBeDefined();
        expect([v!.shape, v!.dtype]).toEqual([exp.shape, exp.dtype]);
        for (const unit of row > 0 ? [row, 1] : [1]) {
          const units = count / unit;
          const all = readUnits(v!, unit);
          expect(all.values).toEqual(want);
          if (count > 0) expect(new Set(all.storage)).toEqual(new Set([STORAGE[exp.dtype]]));
          // a block holds as many units as fit, at least one (a Fortran block at least a row)
          const most = Math.max(unit, Math.floor(bytes / (unit * SIZE[exp.dtype])) * unit, name.startsWith('fortran') ? row : 0);
          for (const b of all.blocks) expect(b).toBeLessThanOrEqual(Math.max(most, row));
          // from inside the array
          if (units > 2) expect(readUnits(v!, unit, 1, units - 1).values).toEqual(want.slice(unit, (units - 1) * unit));
        }
      });
    }
  });

  it('covers float16, bool, big-endian and Fortran order of more than one dim', () => {
    const dtypes = new Set(npyFiles.map((n) => manifest.files[n].dtype));
    expect(dtypes).toContain('float16');
    expect(dtypes).toContain('bool');
    expect(npyFiles.filter((n) => n.startsWith('be_')).length).toBeGreaterThan(5);
    expect(npyFiles).toContain('fortran_f8.npy'); // (2, 3, 4)
  });
});

describe('block buffers', () => {
  it('a read nested in another read\'s visit (inputs read side by side) never shares its buffer', () => {
    withBlockBytes(16, () => {
      for (const name of ['dtype_f4.npy', 'dtype_f2.npy', 'be_f8.npy']) {
        const outer = openNpyFile(FIXTURES + name)!;
        const inner = openNpyFile(FIXTURES + name)!;
        const want = expectedValues(manifest.files[name].values, manifest.files[name].dtype);
        const row = numel(outer.shape.slice(1));
        const seen: (number | string)[] = [];
        outer.read(row, 0, outer.shape[0], (data) => {
          const before = Array.from(data as ArrayLike<number>);
          expect(readUnits(inner, row).values).toEqual(want);
          expect(Array.from(data as ArrayLike<number>)).toEqual(before);
          seen.push(...before);
        });
        expect(seen).toEqual(want);
        // and again, with the buffers given back by the reads before
        expect(readUnits(outer, 1).values).toEqual(want);
      }
    });
  });
});
