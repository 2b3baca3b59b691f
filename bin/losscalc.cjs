#!/usr/bin/env node
// The CLI, bundled at build time into one CommonJS file: it loads faster than ES modules, and
// faster still with the V8 code cache the build makes beside it (src/code-cache.ts).
// run() writes stdout and stderr itself, waits for them, and returns the exit code.
// A run on a large file starts its worker threads first, so that they load beside the CLI
// (src/early-workers.ts).
'use strict';

const { join } = require('node:path');

require('../dist/bundle/early-workers.cjs').startEarlyWorkers(process.argv.slice(2));
const { loadBundle } = require('../dist/bundle/code-cache.cjs');

loadBundle(join(__dirname, '../dist/bundle/cli.cjs'))
  .exports.run(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      // run() reports everything itself; this is a bug in losscalc, said on one line
      const message = String(e instanceof Error ? e.message : e).split('\n')[0];
      try {
        require('node:fs').writeSync(2, `losscalc: internal error: ${message} (please report it with the command and its input files)\n`);
      } catch {
        // stderr is gone too
      }
      process.exitCode = 3;
    },
  );
