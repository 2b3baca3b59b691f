/**
 * The package as npm publishes it: what `npm pack` puts in the tarball (the CLI, its build,
 * README and LICENSE; no fixtures, tests, bench or sources), and that the tarball installed
 * into an empty project runs as `npx losscalc`, with no warning from npm or from losscalc.
 * The dependencies come from npm's cache, which `npm ci` filled, and the registry for what
 * the cache lacks (--prefer-offline).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npm(args: string[], cwd = ROOT) {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=warn'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm pack', () => {
  it('holds the CLI, its build, README, LICENSE, CHANGELOG and package.json, and nothing of the repository besides', () => {
    const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts']);
    expect(r.status, r.stderr).toBe(0);
    const files: string[] = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    for (const f of ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json', 'bin/losscalc.cjs', 'dist/bundle/cli.cjs', 'dist/bundle/worker.cjs', 'dist/kernel.wasm', 'dist/index.js', 'dist/index.d.ts']) {
      expect(files, f).toContain(f);
    }
    // nor the single executable a build:exe left in dist/ (a Node of its own, 100 MB)
    expect(files.filter((f) => f.startsWith('dist/exe'))).toEqual([]);
    const top = new Set(files.map((f) => f.split('/')[0]));
    expect([...top].sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
  }, 60_000);

  it('installed from its tarball into an empty project, `npx losscalc` runs with no warning', () => {
    // this repository's build as it is (--ignore-scripts: no second build beside the tests)
    const packed = npm(['pack', '--pack-destination', dir, '--ignore-scripts']);
    expect(packed.status, packed.stderr).toBe(0);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const installed = npm(['install', '--prefer-offline', join(dir, tarball)], app);
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stderr).toBe('');
    const example = join(ROOT, 'fixtures', 'example');
    const r = spawnSync('npx', ['--no-install', 'losscalc', 'ce', join(example, 'logits.csv'), join(example, 'labels.csv'), '-q'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fromRepo = spawnSync(process.execPath, [join(ROOT, 'bin', 'losscalc.cjs'), 'ce', join(example, 'logits.csv'), join(example, 'labels.csv'), '-q'], { encoding: 'utf8' });
    expect(r.stdout).toBe(fromRepo.stdout);
    expect(Number(r.stdout)).toBeGreaterThan(0);
  }, 180_000);
});
