#!/usr/bin/env node
/**
 * `npm run fuzz`: the long run of the mutation fuzzer (test/fuzz.test.ts, the same test the
 * suite runs briefly), five minutes on every core with a fresh seed unless told otherwise:
 *
 *   npm run fuzz                                  # 300 s, random seed
 *   npm run fuzz -- --seconds 3600 --seed 42      # longer, reproducible
 *   npm run fuzz -- --iterations 200000 --workers 1
 *
 * Options become the FUZZ_* variables the test reads (see its header); findings are listed
 * with the seed and case number that reproduce them, and their inputs saved (FUZZ_OUT).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flags = { '--seconds': 'FUZZ_SECONDS', '--iterations': 'FUZZ_ITERATIONS', '--seed': 'FUZZ_SEED', '--workers': 'FUZZ_WORKERS', '--out': 'FUZZ_OUT', '--case': 'FUZZ_CASE' };
const env = { ...process.env };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s, 2);
  const name = flags[flag];
  const value = inline ?? args[++i];
  if (name === undefined || value === undefined) {
    console.error(`fuzz: unknown option ${args[i - (inline === undefined ? 1 : 0)] ?? flag}; options: ${Object.keys(flags).join(', ')} (each with a value)`);
    process.exit(2);
  }
  env[name] = value;
}
if (env.FUZZ_ITERATIONS === undefined && env.FUZZ_SECONDS === undefined) env.FUZZ_SECONDS = '300';
env.FUZZ_SEED ??= 'random';

const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs'); // its bin
const run = spawnSync(process.execPath, [vitest, 'run', 'test/fuzz.test.ts'], { cwd: root, env, stdio: 'inherit' });
process.exit(run.status ?? 1);
