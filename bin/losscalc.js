#!/usr/bin/env node
// The CLI, bundled into one file at build time so that start-up loads one module.
import { run } from '../dist/bundle/cli.js';

// `losscalc ... | head -1`: the reader went away; end quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await run(process.argv.slice(2));
