#!/usr/bin/env node
// The CLI, bundled at build time into CommonJS files: they load faster than ES modules, and
// faster still with the V8 code cache the build makes beside them (src/code-cache.ts).
// src/main.ts starts the workers a large input will use, then runs the CLI.
'use strict';

require('../dist/bundle/main.cjs').main(process.argv.slice(2));
