// npm run build:exe: losscalc as one executable file for this machine, dist/exe/losscalc, by
// Node's single executable applications: a copy of this Node with a blob injected into it
// (postject) that holds the CLI's bundle (src/sea.ts: the CLI, the workers' start) and, as
// assets, the kernel (dist/kernel.wasm), the workers' bundle and package.json. It needs the
// build (npm run build) and a Node that has the SEA fuse (official builds do).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inject } from 'postject';
import { BUNDLE_OPTIONS } from './bundle.mjs';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'exe');
const exe = join(out, process.platform === 'win32' ? 'losscalc.exe' : 'losscalc');

if (!readFileSync(process.execPath).includes(FUSE)) {
  console.error(`build:exe: this Node (${process.execPath}) has no single-executable fuse: use an official Node build`);
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const main = join(out, 'sea.cjs');
await build({ ...BUNDLE_OPTIONS, entryPoints: ['src/sea.ts'], outfile: main });
const config = join(out, 'sea-config.json');
const blob = join(out, 'sea.blob');
writeFileSync(
  config,
  JSON.stringify({
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets: {
      'kernel.wasm': join(root, 'dist', 'kernel.wasm'),
      'worker.cjs': join(root, 'dist', 'bundle', 'worker.cjs'),
      'package.json': join(root, 'package.json'),
    },
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE, machoSegmentName: 'NODE_SEA' });
for (const f of [main, config, blob]) rmSync(f);
console.log(`build:exe: ${exe}`);
