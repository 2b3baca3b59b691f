// The build's last step: V8's code caches of the CLI's bundle and of the workers' (src/code-cache.ts),
// the CLI's made after a few typical runs on the repository's fixtures so that it holds what a run compiles, not only
// the bundle's top level. No cache is made for a bundle that holds an `import()`, and a cache
// that a fresh process does not accept is not kept: the bundle is then loaded by `require`.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { restoreYoungGenerationGrowth } from '../dist/heap.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const loaderPath = `${root}dist/bundle/code-cache.cjs`;
const { cacheFileBytes, cacheFileOf, compileBundle, hasDynamicImport } = require(loaderPath);
const bundle = `${root}dist/bundle/cli.cjs`;
const cacheFile = cacheFileOf(bundle);

const fixture = (path) => `${root}fixtures/${path}`;
// what most runs do: a CSV pair with --json (the digests), an NPY pair printed for a person
const runs = [
  ['ce', fixture('example/logits.csv'), fixture('example/labels.csv'), '--json'],
  ['ce', fixture('losses/ce_mean/logits.npy'), fixture('losses/ce_mean/labels.npy')],
];

rmSync(cacheFile, { force: true });
const { exports: cli, script, source } = compileBundle(bundle);
if (hasDynamicImport(source)) {
  console.warn('code cache: not made, the bundle holds an import() (a vm.Script cannot run one); the CLI loads it by require');
  process.exit(0);
}
const quiet = { write: () => undefined };
for (const argv of runs) {
  if (!argv.filter((a) => a.startsWith(root)).every((f) => existsSync(f))) continue;
  const code = await cli.run(argv, { stdout: quiet, stderr: quiet, env: {}, isTTY: false, stderrIsTTY: false });
  if (code !== 0) console.warn(`code cache: losscalc ${argv.join(' ')} exited with ${code}`);
}
// a run sets V8's flags (heap.ts); the cache must carry those of a fresh process
restoreYoungGenerationGrowth();
writeFileSync(`${cacheFile}.tmp`, cacheFileBytes(script, source));
renameSync(`${cacheFile}.tmp`, cacheFile);

const check = `process.stdout.write(require(${JSON.stringify(loaderPath)}).loadBundle(${JSON.stringify(bundle)}).cache)`;
const use = execFileSync(process.execPath, ['-e', check], { encoding: 'utf8' });
if (use !== 'accepted') {
  rmSync(cacheFile, { force: true });
  console.warn(`code cache: not kept (a fresh process found it ${use}); the CLI loads the bundle by require`);
}

// The workers' bundle: its cache made in a worker thread, whose V8 is the one that reads it,
// after the worker computed a job's claims (on the kernel, as a large input's are), and kept
// only when a fresh process's worker accepts it.
const workerBundle = `${root}dist/bundle/worker.cjs`;
const workerCache = cacheFileOf(workerBundle);
rmSync(workerCache, { force: true });
const { claimBoard } = await import('../dist/claims.js');
const maker = new Worker(
  `const { cacheFileBytes, compileBundle } = require(${JSON.stringify(loaderPath)});
   const { script, source } = compileBundle(${JSON.stringify(workerBundle)});
   require('node:worker_threads').parentPort.on('message', (m) => {
     if (m !== 'cache') return;
     require('node:fs').writeFileSync(${JSON.stringify(`${workerCache}.tmp`)}, cacheFileBytes(script, source));
     process.exit(0);
   });`,
  { eval: true, env: { ...process.env, LOSSCALC_KERNEL: 'simd' } },
);
const rows = 8;
const job = {
  mode: 'cross-entropy',
  logits: fixture('losses/ce_mean/logits.npy'),
  labels: fixture('losses/ce_mean/labels.npy'),
  reduction: 'mean',
  ignoreIndex: -100,
  labelSmoothing: 0,
  logSoftmax: false,
  inputKind: 'logits',
};
const ended = new Promise((resolve) => maker.once('exit', resolve));
maker.once('message', (reply) => {
  if (!reply.ok) console.warn(`code cache: the worker's job failed: ${reply.message}`);
  maker.postMessage('cache');
});
maker.postMessage({ job, board: claimBoard(rows, rows, 1), worker: 0, layouts: [] });
if ((await ended) === 0 && existsSync(`${workerCache}.tmp`)) renameSync(`${workerCache}.tmp`, workerCache);
const checkInWorker = `require('node:worker_threads').parentPort.postMessage(require(${JSON.stringify(loaderPath)}).loadBundle(${JSON.stringify(workerBundle)}).cache)`;
const workerCheck = `new (require('node:worker_threads').Worker)(${JSON.stringify(checkInWorker)}, { eval: true }).once('message', (use) => (process.stdout.write(use), process.exit(0)))`;
const workerUse = existsSync(workerCache) ? execFileSync(process.execPath, ['-e', workerCheck], { encoding: 'utf8' }) : 'missing';
if (workerUse !== 'accepted') {
  rmSync(workerCache, { force: true });
  console.warn(`code cache: the workers' not kept (a fresh process's worker found it ${workerUse}); workers load their bundle by require`);
}
