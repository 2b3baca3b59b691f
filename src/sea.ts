/**
 * The single executable's entry (scripts/build-exe.mjs): the CLI built in, and the files it
 * reads beside its bundle in any other run (the kernel, the worker's bundle, package.json)
 * taken from the executable's assets (node:sea) instead.
 */
import { getAsset } from 'node:sea';
import { run } from './cli.js';
import { embedded } from './embedded.js';
import { main } from './main.js';

Object.assign(embedded(), {
  wasm: new Uint8Array(getAsset('kernel.wasm')),
  worker: getAsset('worker.cjs', 'utf8'),
  version: (JSON.parse(getAsset('package.json', 'utf8')) as { version: string }).version,
});
main(process.argv.slice(2), () => run);
