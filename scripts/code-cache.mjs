// The build's last step: V8's code cache of the CLI's bundle (src/code-cache.ts), made after a
// few typical runs on the repository's fixtures so that it holds what a run compiles, not only
// the bundle's top level. No cache is made for a bundle that holds an `import()`, and a cache
// that a fresh process does not accept is not kept: the bundle is then loaded by `require`.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
