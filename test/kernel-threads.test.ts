/**
 * The kernel's results are the same bits for any thread count and block size: the built binary
 * on inputs of several chunks (so that -j splits them), with NaN among the logits, run with
 * -j 1 to 4, in blocks of 256 bytes and of the default size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import type { DType, Storage } from '../src/tensor.js';
import { expectSplit } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-kernel-threads-'));

let seed = 12;
function next(): number {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
}

function save(name: string, data: Storage, shape: number[], dtype: DType): string {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy({ data, shape, dtype }));
  return path;
}

function logits(n: number, dtype: 'float32' | 'float64'): Float32Array | Float64Array {
  const make = dtype === 'float32' ? Float32Array : Float64Array;
  return make.from({ length: n }, (_, i) => (i === 777 ? NaN : 12 * next() - 6));
}

const runs: Record<string, string[]> = {};
{
  // class indices, contiguous rows: 20000 x 37 (5 chunks of rows)
  const x = save('ce-x.npy', logits(20000 * 37, 'float32'), [20000, 37], 'float32');
  const y = save('ce-y.npy', BigInt64Array.from({ length: 20000 }, () => BigInt(Math.floor(37 * next()))), [20000], 'int64');
  runs['ce, float32 (20000, 37)'] = ['ce', x, y];
  runs['ce with label smoothing'] = ['ce', x, y, '--label-smoothing', '0.1'];
  runs['gather'] = ['gather', x, y];
  // K-dim: 16 x 3 x 33 x 31 (positions of odd count), float64, ignore_index
  const xs = save('seg-x.npy', logits(16 * 3 * 33 * 31, 'float64'), [16, 3, 33, 31], 'float64');
  const ys = save('seg-y.npy', Uint8Array.from({ length: 16 * 33 * 31 }, () => (next() < 0.05 ? 255 : Math.floor(3 * next()))), [16, 33, 31], 'uint8');
  runs['ce, strided rows (16, 3, 33, 31), ignore_index 255'] = ['ce', xs, ys, '--ignore-index', '255'];
  // probabilities as targets
  const q = save('ce-q.npy', Float32Array.from({ length: 20000 * 37 }, () => next() / 37), [20000, 37], 'float32');
  runs['ce, probability targets'] = ['ce', x, q];
  // binary losses: 3000 x 10
  const b = save('bce-x.npy', logits(30000, 'float32'), [3000, 10], 'float32');
  const t = save('bce-t.npy', Float32Array.from({ length: 30000 }, () => (next() < 0.5 ? 0 : 1)), [3000, 10], 'float32');
  const p = save('bce-p.npy', Float32Array.from({ length: 30000 }, () => next()), [3000, 10], 'float32');
  runs['bce-logits'] = ['bce-logits', b, t];
  runs['binary-cross-entropy'] = ['binary-cross-entropy', p, t];
}

describe('the kernel on 1 to 4 threads and in blocks of any size', () => {
  for (const [name, argv] of Object.entries(runs)) {
    it(name, () => {
      const results = new Set<string>();
      for (const j of ['1', '2', '3', '4']) {
        for (const blockBytes of ['256', '']) {
          const r = spawnSync(process.execPath, [BIN, ...argv, '--json', '-j', j], {
            encoding: 'utf8',
            // some inputs here are below KERNEL_MIN_VALUES: the kernel all the same
            env: { ...process.env, LOSSCALC_BLOCK_BYTES: blockBytes, LOSSCALC_KERNEL: 'simd', NODE_DEBUG: 'losscalc' },
          });
          expect([0, 1], r.stderr).toContain(r.status);
          if (j !== '1') expectSplit(r.stderr, `-j ${j}`);
          const { loss, sum, weightSum, count } = JSON.parse(r.stdout) as Record<string, unknown>;
          results.add(JSON.stringify({ loss, sum, weightSum, count }));
        }
      }
      expect([...results]).toHaveLength(1);
    }, 120_000);
  }
});
