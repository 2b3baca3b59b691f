#!/usr/bin/env node
// The CLI, bundled at build time into one CommonJS file: it loads faster than ES modules.
'use strict';

// `losscalc ... | head -1`: the reader went away; end quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

require('../dist/bundle/cli.cjs')
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
