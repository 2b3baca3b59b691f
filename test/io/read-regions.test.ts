/**
 * Blocks of float32/float64 files read straight into the kernel's memory (kernel/read-regions.ts,
 * io/array-file.ts): where a block lies with the kernel on and off, the same loss bits whether
 * the read regions are free or all taken (each read then falls back to a buffer of its own), and
 * blocks gathered side by side (values.ts readRows) keeping their values while they are visited.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { openNpyFile } from '../../src/io/npy-file.js';
import { kernelMode, kernelOn } from '../../src/kernel/index.js';
import { loadKernel } from '../../src/kernel/load.js';
import { freeReadRegions } from '../../src/kernel/read-regions.js';
import { bceWithLogits } from '../../src/losses/bce-with-logits.js';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import type { Storage } from '../../src/tensor.js';
import { readRows, type Values } from '../../src/values.js';
import { seeded } from '../helpers.js';
import { withBlockBytes } from './blocks.js';

const mode = { ...kernelMode };
const dir = mkdtempSync(join(tmpdir(), 'losscalc-read-regions-'));
beforeAll(() => {
  // the kernel on for these small files, as LOSSCALC_KERNEL=simd makes it
  Object.assign(kernelMode, { scalar: false, simd: true });
  expect(kernelOn()).toBe(true);
});
afterAll(() => {
  Object.assign(kernelMode, mode);
  rmSync(dir, { recursive: true, force: true });
});

const ROWS = 300;
const C = 100;
const random = seeded(12);

/** An NPY file of `data` in `shape`, its Values read in blocks. */
function npy(name: string, data: Storage, shape: number[]): Values {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy({ data, shape, dtype: data instanceof Float64Array ? 'float64' : data instanceof Float32Array ? 'float32' : 'int32' }));
  return openNpyFile(path)!;
}

const logits = Float32Array.from({ length: ROWS * C }, () => 8 * random() - 4);
const targets = Float32Array.from({ length: ROWS * C }, () => (random() < 0.3 ? 1 : 0));
const labels = Int32Array.from({ length: ROWS }, () => Math.floor(random() * C));
const wide = Float64Array.from(logits, (x) => x / 3);

/** Runs `use` with every read region taken, so that each read takes a buffer of its own. */
function regionsTaken<T>(use: () => T): T {
  const free = freeReadRegions()!;
  const taken = free.splice(0);
  try {
    return use();
  } finally {
    free.push(...taken);
  }
}

/** Where the blocks of `v` lie: in the kernel's memory or not, one per block. */
function inKernel(v: Values): boolean[] {
  const memory = loadKernel()?.memory.buffer;
  const seen: boolean[] = [];
  v.read(C, 0, ROWS, (block) => seen.push(block.buffer === memory));
  return seen;
}

describe('read regions', () => {
  it('holds the blocks of float32 and float64 files when the kernel is on, and none when it is off', () => {
    withBlockBytes(16 << 10, () => {
      for (const v of [npy('f32.npy', logits, [ROWS, C]), npy('f64.npy', wide, [ROWS, C])]) {
        expect(inKernel(v).length).toBeGreaterThan(1);
        expect(new Set(inKernel(v))).toEqual(new Set([true]));
        expect(new Set(regionsTaken(() => inKernel(v)))).toEqual(new Set([false]));
        kernelMode.scalar = true;
        try {
          expect(new Set(inKernel(v))).toEqual(new Set([false]));
        } finally {
          kernelMode.scalar = false;
        }
      }
      // integers are decoded by the loss, not read by the kernel: not in its memory
      expect(new Set(inKernel(npy('labels.npy', Int32Array.from({ length: ROWS * C }, (_, i) => i), [ROWS, C])))).toEqual(new Set([false]));
    });
  });

  it('gives every region back when a read ends, or fails', () => {
    const v = npy('f32.npy', logits, [ROWS, C]);
    const before = [...freeReadRegions()!].sort();
    inKernel(v);
    expect(() => v.read(C, 0, ROWS, () => {
      throw new Error('a visit that fails');
    })).toThrow('a visit that fails');
    expect([...freeReadRegions()!].sort()).toEqual(before);
  });

  it('gives the same loss bits with the regions free and all taken', () => {
    for (const bytes of [4 << 10, 64 << 10, 4 << 20]) {
      withBlockBytes(bytes, () => {
        const x = npy('x.npy', logits, [ROWS, C]);
        const t = npy('t.npy', targets, [ROWS, C]);
        const y = npy('y.npy', labels, [ROWS]);
        const xw = npy('xw.npy', wide, [ROWS, C]);
        const runs = [
          () => bceWithLogits(x, t, { reduction: 'sum' }).loss,
          () => bceWithLogits(xw, t).loss,
          () => crossEntropy(x, y).loss,
          () => crossEntropy(xw, y, { reduction: 'sum' }).loss,
        ];
        for (const run of runs) {
          const free = run() as number;
          expect(Number.isFinite(free)).toBe(true);
          expect(Object.is(regionsTaken(run), free)).toBe(true);
        }
      });
    }
  });

  it('keeps the blocks gathered side by side while they are visited', () => {
    // three float32 files: the second and third are read for the rows of the first
    const a = Float32Array.from({ length: ROWS }, (_, i) => i);
    const b = Float32Array.from({ length: ROWS }, (_, i) => -i);
    const c = Float32Array.from({ length: ROWS }, (_, i) => 1000 + i);
    const sources = [npy('a.npy', a, [ROWS]), npy('b.npy', b, [ROWS]), npy('c.npy', c, [ROWS])];
    withBlockBytes(256, () => {
      const seen: number[][] = [[], [], []];
      readRows(sources, [1, 1, 1], 0, ROWS, (blocks) => blocks.forEach((block, i) => seen[i].push(...(block as Float32Array))));
      expect(seen.map((s) => Float32Array.from(s))).toEqual([a, b, c]);
    });
  });
});
