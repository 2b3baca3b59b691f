/**
 * Where the kernel cannot run, a run takes the scalar path and gives its result: Node without
 * WebAssembly (--jitless), and a ulimit -v below the address space V8 reserves for an instance.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/io/npy.js';
import { seeded } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-kernel-fallback-'));
const next = seeded(41);
// 1000 x 100: above KERNEL_MIN_VALUES, so the kernel would run
const x = join(dir, 'x.npy');
const y = join(dir, 'y.npy');
writeFileSync(x, encodeNpy({ data: Float32Array.from({ length: 100_000 }, () => 8 * next() - 4), shape: [1000, 100], dtype: 'float32' }));
writeFileSync(y, encodeNpy({ data: BigInt64Array.from({ length: 1000 }, () => BigInt(Math.floor(100 * next()))), shape: [1000], dtype: 'int64' }));

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the scalar path where the kernel cannot run', () => {
  const scalar = run(process.execPath, [BIN, 'ce', x, y, '--json', '-j', '1'], { LOSSCALC_KERNEL: 'scalar' });
  it('runs on the scalar path', () => expect(scalar.code, scalar.stderr).toBe(0));
  it('Node without WebAssembly (--jitless)', () => {
    const r = run(process.execPath, ['--jitless', BIN, 'ce', x, y, '--json', '-j', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(scalar.stdout);
  });
  it('a ulimit -v that leaves no room for the kernel instance', () => {
    const r = run('/bin/sh', ['-c', `ulimit -v 6000000 && exec "$0" "$@"`, process.execPath, BIN, 'ce', x, y, '--json', '-j', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(scalar.stdout);
  });
});
