#!/usr/bin/env node
// The CLI, bundled at build time into CommonJS files: they load faster than ES modules, and
// faster still with the V8 code cache the build makes beside them (src/code-cache.ts).
// src/main.ts starts the workers a large input will use, then runs the CLI.
'use strict';

let bundle;
try {
  bundle = require('../dist/bundle/main.cjs');
} catch (e) {
  // no build beside this file (a clone not built yet, or being rebuilt): one line, not a stack trace
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('main.cjs')) {
    const { join } = require('node:path');
    const root = join(__dirname, '..');
    process.stderr.write(`losscalc: its build is missing (${join(root, 'dist', 'bundle', 'main.cjs')}): run \`npm run build\` in ${root}\n`);
    process.exit(3);
  }
  throw e;
}
bundle.main(process.argv.slice(2));
