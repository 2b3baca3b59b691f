/**
 * The V8 code cache of the CLI's bundle (src/code-cache.ts): used when it was made from this
 * bundle, ignored when stale, corrupt or rejected by V8, so that no cache file can change or
 * break a run; made by the build, never written at run time.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFileBytes, cacheFileOf, hasDynamicImport, loadBundle, wrapCommonJs } from '../src/code-cache.js';
import { FIXTURES } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-cache-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A CommonJS file whose export says which source it was loaded from, with its cache made. The
 * cache is made under another name: V8 keeps what this process compiled, and a second compile
 * of the same source by the same name would take that instead of reading the cache.
 */
function bundleWithCache(answer: number): string {
  const bundle = join(tempDir(), 'b.cjs');
  writeFileSync(bundle, `module.exports = { answer: () => ${answer}, dir: __dirname };\n`);
  const source = readFileSync(bundle);
  writeFileSync(cacheFileOf(bundle), cacheFileBytes(new Script(wrapCommonJs(source.toString()), { filename: `${bundle}.made` }), source));
  return bundle;
}

/** A cache file with 64 bytes of V8's data changed from `at` on. */
const flipped = (bytes: Buffer, at: number): Buffer => {
  const copy = Buffer.from(bytes);
  for (let i = 16 + at; i < 16 + at + 64; i++) copy[i] ^= 0x5a;
  return copy;
};

describe('loading a bundle with its cache', () => {
  it('without a cache file, compiles from source', () => {
    const bundle = join(tempDir(), 'b.cjs');
    writeFileSync(bundle, 'module.exports = { answer: () => 7 };\n');
    const loaded = loadBundle(bundle);
    expect(loaded.cache).toBe('missing');
    expect((loaded.exports as { answer(): number }).answer()).toBe(7);
  });

  it('without a cache, loads a bundle that holds an import() (a vm.Script cannot run one)', async () => {
    const bundle = join(tempDir(), 'b.cjs');
    writeFileSync(bundle, "module.exports = { run: () => import('node:os').then((os) => typeof os.cpus) };\n");
    expect(hasDynamicImport(readFileSync(bundle))).toBe(true);
    const loaded = loadBundle(bundle);
    expect(loaded.cache).toBe('missing');
    await expect((loaded.exports as { run(): Promise<string> }).run()).resolves.toBe('function');
  });

  it('uses a cache made from the same source, with the bundle\'s own __dirname', () => {
    const bundle = bundleWithCache(1);
    const loaded = loadBundle(bundle);
    expect(loaded.cache).toBe('accepted');
    expect(loaded.exports).toMatchObject({ dir: join(bundle, '..') });
    expect((loaded.exports as { answer(): number }).answer()).toBe(1);
  });

  it('ignores a stale cache: a source of the same length that V8 alone would take for the old one', () => {
    const bundle = bundleWithCache(1);
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('=> 1', '=> 2'));
    const loaded = loadBundle(bundle);
    expect(loaded.cache).toBe('stale');
    expect((loaded.exports as { answer(): number }).answer()).toBe(2);
  });

  it('ignores a corrupt cache: changed, cut short, empty, or not a cache at all', () => {
    const bundle = bundleWithCache(3);
    const good = readFileSync(cacheFileOf(bundle));
    const bad = [flipped(good, 0), flipped(good, good.length - 16 - 64), good.subarray(0, good.length - 1), good.subarray(0, 10), Buffer.alloc(0), Buffer.from('module.exports = 1')];
    for (const bytes of bad) {
      writeFileSync(cacheFileOf(bundle), bytes);
      const loaded = loadBundle(bundle);
      expect(loaded.cache).toBe('corrupt');
      expect((loaded.exports as { answer(): number }).answer()).toBe(3);
    }
  });

  it('falls back to the source when V8 rejects the data (made for another source)', () => {
    const bundle = bundleWithCache(4);
    const other = new Script('(function () { return 1 + 1 })', { filename: 'other.cjs' });
    // a header that matches this source around V8's data for another one
    writeFileSync(cacheFileOf(bundle), cacheFileBytes(other, readFileSync(bundle)));
    const loaded = loadBundle(bundle);
    expect(loaded.cache).toBe('rejected by V8');
    expect((loaded.exports as { answer(): number }).answer()).toBe(4);
  });
});

describe('the CLI and the cache the build made', () => {
  const argv = ['ce', join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv'), '--json'];
  const cli = (root: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, 'bin', 'losscalc.cjs'), ...argv], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  /** The package as installed: bin/, dist/ and package.json in a folder of their own. */
  const copyOfPackage = () => {
    const root = tempDir();
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(root, part), { recursive: true });
    return root;
  };
  const expected = cli(ROOT);

  it('is made by the build and used by a run', () => {
    expect(expected.status).toBe(0);
    // the build makes none for a bundle with an import(), which a vm.Script cannot run
    expect(hasDynamicImport(readFileSync(join(ROOT, 'dist', 'bundle', 'cli.cjs')))).toBe(false);
    // ASCII, so that V8 holds the source one byte a character (a single other one doubles it)
    const bundle = readFileSync(join(ROOT, 'dist', 'bundle', 'cli.cjs'));
    expect(bundle.findIndex((b) => b > 0x7f)).toBe(-1);
    const r = cli(ROOT, { NODE_DEBUG: 'losscalc' });
    expect(r.stderr).toMatch(/^LOSSCALC \d+: code cache accepted: .*cli\.cjs\.cache\n$/);
    expect(r.stdout).toBe(expected.stdout);
  });

  it("is made for the workers' bundle too, and a worker thread's V8 takes it", () => {
    const [loader, bundle] = ['code-cache.cjs', 'worker.cjs'].map((f) => JSON.stringify(join(ROOT, 'dist', 'bundle', f)));
    const inWorker = `require('node:worker_threads').parentPort.postMessage(require(${loader}).loadBundle(${bundle}).cache)`;
    const main = `new (require('node:worker_threads').Worker)(${JSON.stringify(inWorker)}, { eval: true }).once('message', (use) => (process.stdout.write(use), process.exit(0)))`;
    expect(spawnSync(process.execPath, ['-e', main], { encoding: 'utf8' }).stdout).toBe('accepted');
  });

  it('a corrupt, stale or missing cache changes nothing in a run, and a run writes no cache', () => {
    const root = copyOfPackage();
    const bundle = join(root, 'dist', 'bundle', 'cli.cjs');
    const good = readFileSync(cacheFileOf(bundle));
    const cases: [string, () => void][] = [
      // V8 does not check its data: handed to it, this one stops the process with a fatal error
      ['corrupt', () => writeFileSync(cacheFileOf(bundle), flipped(good, Math.floor(good.length / 2)))],
      ['corrupt', () => writeFileSync(cacheFileOf(bundle), good.subarray(0, good.length >> 1))],
      ['stale', () => (writeFileSync(cacheFileOf(bundle), good), writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('internal error', 'internal errer')))],
      ['missing', () => rmSync(cacheFileOf(bundle))],
    ];
    for (const [use, spoil] of cases) {
      spoil();
      const files = readdirSync(join(root, 'dist', 'bundle')).sort();
      const r = cli(root, { NODE_DEBUG: 'losscalc' });
      expect(r.stderr, use).toMatch(new RegExp(`^LOSSCALC \\d+: code cache ${use}: .*\\n$`));
      expect([r.status, r.stdout], use).toEqual([0, expected.stdout]);
      expect(readdirSync(join(root, 'dist', 'bundle')).sort(), use).toEqual(files);
    }
  });
});
