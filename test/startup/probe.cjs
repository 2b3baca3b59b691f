// Preloaded (node -r) into a CLI run by startup.test.ts: counts the worker threads started and
// the WebAssembly modules compiled, and at exit writes them, with the built-in modules that
// were loaded, as one JSON line to the file named by LOSSCALC_PROBE.
'use strict';
const { writeFileSync } = require('node:fs');
const threads = require('node:worker_threads');

const seen = { workers: 0, wasm: 0 };
const builtinsBefore = new Set(process.moduleLoadList);
const Worker = threads.Worker;
threads.Worker = class extends Worker {
  constructor(...args) {
    super(...args);
    seen.workers++;
  }
};
// compiling a module is loading it; WebAssembly.validate (a check of what the engine supports) is not
for (const name of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  if (original) WebAssembly[name] = (...args) => (seen.wasm++, original.apply(WebAssembly, args));
}
const Module = WebAssembly.Module;
WebAssembly.Module = function (...args) {
  seen.wasm++;
  return new Module(...args);
};
process.on('exit', () => {
  // the probe's own worker_threads is not the run's: only what was loaded after it counts
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ') && !builtinsBefore.has(m)).map((m) => m.slice('NativeModule '.length));
  writeFileSync(process.env.LOSSCALC_PROBE, `${JSON.stringify({ ...seen, builtins })}\n`);
});
