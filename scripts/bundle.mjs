// The build's bundles (esbuild): the CLI, the worker, the code-cache loader a worker starts
// with, and the bin's start (src/main.ts); CommonJS, which loads faster than ES modules.
// scripts/build-exe.mjs bundles the single executable's entry with the same options.
//   import.meta.url: each bundle's own file (src/kernel/load.ts finds dist/kernel.wasm by it)
//   node:child_process: loaded on first use (src/child-process-on-use.cjs)
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const BUNDLE_OPTIONS = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  alias: { 'node:child_process': './src/child-process-on-use.cjs' },
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: ['src/cli.ts', 'src/worker.ts', 'src/code-cache.ts', 'src/main.ts'],
    outdir: 'dist/bundle',
    outExtension: { '.js': '.cjs' },
  });
}
