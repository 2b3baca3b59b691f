/**
 * What a short run loads: a run on a small input starts no worker thread and compiles no
 * WebAssembly, and it loads neither the modules it does not use (the inflater of npz archives,
 * fflate) nor the built-in modules that only other runs need. Start-up is most of a small
 * run's time, and each of these costs a millisecond or more.
 */
import * as childProcess from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Probe {
  workers: number;
  wasm: number;
  builtins: string[];
}

/** The CLI run as installed, with test/startup/probe.cjs preloaded to watch it. */
function probe(argv: string[]): Probe & { code: number | null } {
  const out = join(dir, 'probe.json');
  const r = spawnSync(process.execPath, ['-r', join(import.meta.dirname, 'startup', 'probe.cjs'), join(ROOT, 'bin', 'losscalc.cjs'), ...argv], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LOSSCALC_PROBE: out },
  });
  expect(r.stderr).toBe('');
  return { code: r.status, ...(JSON.parse(readFileSync(out, 'utf8')) as Probe) };
}

const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];

describe('a small run', () => {
  it('starts no thread, compiles no WebAssembly, loads no built-in module it does not use', () => {
    for (const output of [['--json'], ['-q'], []]) {
      const seen = probe(['ce', ...EXAMPLE, ...output]);
      expect(seen.code).toBe(0);
      expect({ workers: seen.workers, wasm: seen.wasm }, output.join(' ')).toEqual({ workers: 0, wasm: 0 });
      // fs/promises: --save-per-sample's writer; perf_hooks: the clock of the progress bar;
      // child_process: commander's, for subcommands that are executables
      for (const unused of ['fs/promises', 'perf_hooks', 'child_process']) expect(seen.builtins, `${unused} ${output.join(' ')}`).not.toContain(unused);
    }
  });
});

describe('the bundle', () => {
  /** The modules src/cli.ts reaches by static imports: those its bundle evaluates at start. */
  async function loadedAtStart(): Promise<Set<string>> {
    const { metafile } = await build({ entryPoints: [join(ROOT, 'src', 'cli.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent', absWorkingDir: ROOT });
    const inputs = (metafile as Metafile).inputs;
    const seen = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const i of inputs[path]?.imports ?? []) if (i.kind !== 'dynamic-import') visit(i.path);
    };
    visit('src/cli.ts');
    return seen;
  }

  it('loads the npz inflater (fflate) only when an archive is opened', async () => {
    const atStart = [...(await loadedAtStart())];
    expect(atStart).toContain('src/io/npz.ts');
    expect(atStart.filter((m) => m.includes('fflate') || m.includes('zip-inflate') || m.includes('npz-file'))).toEqual([]);
  });
});

describe('node:child_process in the bundle (src/child-process-on-use.cjs)', () => {
  const onUse = createRequire(import.meta.url)('../src/child-process-on-use.cjs') as typeof childProcess;

  it('is the real module, property for property', () => {
    expect(onUse.spawn).toBe(childProcess.spawn);
    expect('execFileSync' in onUse).toBe(true);
    expect(Object.keys(onUse).sort()).toEqual(Object.keys(childProcess).filter((k) => k !== 'default').sort());
    expect(onUse.spawnSync(process.execPath, ['-e', 'process.stdout.write("ok")'], { encoding: 'utf8' }).stdout).toBe('ok');
  });
});
