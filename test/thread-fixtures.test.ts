/**
 * PyTorch's results on inputs of several row chunks (fixtures/threads, made by
 * scripts/make_thread_fixtures.py), through the built binary with -j 1 to 4, on the kernel and
 * on the scalar path: each within 1e-12 of PyTorch, and the same bits for every thread count.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose } from './cases.js';
import { expectSplit, FIXTURES, readJson } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const cases = readJson<Record<string, { argv: string[]; mean: number; sum: number }>>(join(FIXTURES, 'threads', 'expected.json'));

describe('PyTorch fixtures split among threads', () => {
  it('has cases', () => expect(Object.keys(cases).length).toBeGreaterThan(5));
  for (const [name, c] of Object.entries(cases)) {
    for (const kernel of ['simd', 'scalar']) {
      it(`${name}, ${kernel === 'simd' ? 'the kernel' : 'the scalar path'}`, () => {
        const argv = c.argv.map((a) => (a.startsWith('threads/') ? join(FIXTURES, a) : a));
        for (const reduction of ['mean', 'sum'] as const) {
          const seen = new Set<string>();
          for (const j of ['1', '2', '3', '4']) {
            const r = spawnSync(process.execPath, [BIN, ...argv, '--reduction', reduction, '--json', '-j', j], {
              encoding: 'utf8',
              env: { ...process.env, LOSSCALC_KERNEL: kernel, NODE_DEBUG: 'losscalc' },
            });
            expect(r.status, r.stderr).toBe(0);
            if (j !== '1') expectSplit(r.stderr, `-j ${j}`);
            const { loss, sum, weightSum, count } = JSON.parse(r.stdout) as { loss: number; sum: number; weightSum: number; count: number };
            expectClose(loss, c[reduction], `${reduction}, -j ${j}`);
            seen.add(JSON.stringify({ loss, sum, weightSum, count }));
          }
          expect([...seen], `${reduction}: one result for -j 1..4`).toHaveLength(1);
        }
      }, 120_000);
    }
  }
});
