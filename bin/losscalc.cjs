#!/usr/bin/env node
// The CLI, bundled at build time into one CommonJS file: it loads faster than ES modules.
// run() writes stdout and stderr itself, waits for them, and returns the exit code.
'use strict';

require('../dist/bundle/cli.cjs')
  .run(process.argv.slice(2))
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
