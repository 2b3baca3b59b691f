/**
 * The sums' chunk size a run uses when nothing sets it (65,536 positions, src/losses/reduce.ts),
 * which the rest of the suite replaces by 4096 (vitest.config.ts) so that inputs of a few MB
 * span many chunks: at the default size too, an input of several chunks splits among threads
 * and gives the same bits for -j 1 to 4.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { expectSplit, seeded } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'losscalc.cjs');
const REDUCE = join(ROOT, 'dist', 'losses', 'reduce.js');

/** The environment of a run as a user starts it: without the suite's LOSSCALC_CHUNK_POSITIONS. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('LOSSCALC_CHUNK_POSITIONS' in extra)) delete env.LOSSCALC_CHUNK_POSITIONS;
  return env;
}

const chunkPositions = (extra?: Record<string, string>) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', `import { CHUNK_POSITIONS } from ${JSON.stringify(REDUCE)}; process.stdout.write(String(CHUNK_POSITIONS))`], {
    encoding: 'utf8',
    env: userEnv(extra),
  }).stdout;

describe('the chunk size when nothing sets it', () => {
  it('is 65,536 positions; LOSSCALC_CHUNK_POSITIONS sets another, a value that is no size leaves it', () => {
    expect(chunkPositions()).toBe('65536');
    expect(chunkPositions({ LOSSCALC_CHUNK_POSITIONS: '4096' })).toBe('4096');
    for (const bad of ['0', '-1', 'x', '2.5', '1e9', '']) expect(chunkPositions({ LOSSCALC_CHUNK_POSITIONS: bad }), bad).toBe('65536');
  });

  it('bce-logits over 3000 x 100 positions (655 rows a chunk: 5 chunks) splits among threads, the same bits for -j 1 to 4', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-chunks-'));
    const next = seeded(31);
    const n = 300_000;
    const x = join(dir, 'x.npy');
    const t = join(dir, 't.npy');
    writeFileSync(x, encodeNpy({ data: Float32Array.from({ length: n }, () => 16 * next() - 8), shape: [3000, 100], dtype: 'float32' }));
    writeFileSync(t, encodeNpy({ data: Float32Array.from({ length: n }, () => (next() < 0.3 ? 1 : 0)), shape: [3000, 100], dtype: 'float32' }));
    const seen = new Set<string>();
    for (const j of ['1', '2', '3', '4']) {
      const r = spawnSync(process.execPath, [BIN, 'bce-logits', x, t, '--json', '-j', j], { encoding: 'utf8', env: userEnv({ NODE_DEBUG: 'losscalc' }) });
      expect(r.status, r.stderr).toBe(0);
      if (j !== '1') expectSplit(r.stderr, `-j ${j}`);
      const { loss, sum, weightSum, count } = JSON.parse(r.stdout) as Record<string, unknown>;
      seen.add(JSON.stringify({ loss, sum, weightSum, count }));
    }
    expect([...seen]).toHaveLength(1);
  }, 60_000);
});
