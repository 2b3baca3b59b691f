/**
 * Reading a file with a time limit: parseInput runs in a worker thread that is terminated
 * when it takes longer, for reproducing hangs without hanging the suite.
 */
import { buildSync } from 'esbuild';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParseOptions } from '../../src/io/format.js';
import type { ParseResult } from './parse-worker.js';

/** `entry` (a .ts file next to this one) and all it imports as one CommonJS file in the system's tmp. */
export function bundle(entry: string): string {
  const file = join(tmpdir(), `losscalc-${entry.replace(/\W/g, '-')}-${process.pid}-${Date.now()}.cjs`);
  buildSync({ entryPoints: [fileURLToPath(new URL(`./${entry}`, import.meta.url))], bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline', outfile: file, logLevel: 'error' });
  return file;
}

/** What parseInput does with the file, or a 'timeout' after `ms` milliseconds. */
export async function parseBounded(path: string, options: ParseOptions, ms: number): Promise<ParseResult | { kind: 'timeout'; message: string }> {
  const code = bundle('parse-worker.ts');
  try {
    const worker = new Worker(code, { workerData: { path, options } });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        resolve({ kind: 'timeout', message: `parseInput did not finish in ${ms} ms` });
      }, ms);
      worker.once('message', (r: ParseResult) => {
        clearTimeout(timer);
        void worker.terminate();
        resolve(r);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  } finally {
    rmSync(code, { force: true });
  }
}
