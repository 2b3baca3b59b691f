// node:child_process as the bundle sees it (package.json's esbuild --alias): the real module,
// loaded on first use. commander requires it at load, for subcommands that are executables
// (losscalc has none), and loading it (with dgram, and net when stdout is not a pipe) is about
// a millisecond of every run. Every property reads through to the real module.
'use strict';

let real;
// `child_process` without `node:` is not the aliased name: this is Node's own module
const load = () => (real ??= require('child_process'));

module.exports = new Proxy(
  {},
  {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const found = Reflect.getOwnPropertyDescriptor(load(), key);
      // a proxy may not call configurable what its (empty) target does not hold
      return found && { ...found, configurable: true };
    },
  },
);
