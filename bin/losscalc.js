#!/usr/bin/env node
// The CLI, bundled into one file at build time so that start-up loads one module.
import { run } from '../dist/bundle/cli.js';

process.exitCode = await run(process.argv.slice(2));
