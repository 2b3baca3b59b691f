/**
 * The README's recipes for distributed engines, run for real on twelve shards with class
 * weights and ignored targets (fixtures/engines, scripts/make_engine_fixtures.py: PyTorch's
 * results over the shards in order), in a folder called logits/: the GNU parallel line as the
 * README has it (also through parallel's --sshlogin machinery, on this machine), and
 * examples/dask_merge.py on a Dask LocalCluster. Each merged result must equal one run over
 * every shard and PyTorch's loss and metrics; with --reduction none, every loss in the shards'
 * order.
 * Skipped, saying why, where an engine is missing (.ci/run installs both).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Metrics } from '../src/metrics/types.js';
import { expectClose } from './cases.js';
import { FIXTURES, readJson } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const fixtures = join(FIXTURES, 'engines');
/** The metrics the generator writes (scripts/make_metrics_fixtures.py class_metrics), and the hit count. */
type ExpectedMetrics = Pick<Metrics, 'count' | 'accuracy' | 'topkAccuracy' | 'perplexity' | 'ece' | 'mce' | 'brier' | 'entropy'> & { hits: number };
const expected = readJson<{ shards: number; mean: number; sum: number; none: number[]; metrics: ExpectedMetrics }>(join(fixtures, 'expected.json'));

// a folder as the README's commands expect it: dumps/logits/{logits,labels}_<i>.npy, w.npy, and losscalc on the PATH
const dir = mkdtempSync(join(tmpdir(), 'losscalc-engines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'bin'));
mkdirSync(join(dir, 'dumps'));
cpSync(join(fixtures, 'logits'), join(dir, 'dumps', 'logits'), { recursive: true });
cpSync(join(fixtures, 'weight.npy'), join(dir, 'w.npy'));
writeFileSync(join(dir, 'bin', 'losscalc'), `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'bin', 'losscalc.cjs')}' "$@"\n`);
chmodSync(join(dir, 'bin', 'losscalc'), 0o755);
const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` };

const sh = (command: string) => {
  const r = spawnSync('bash', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const has = (command: string) => sh(`command -v ${command}`).status === 0;

interface Result {
  loss: number | number[];
  count: number;
  sum: number;
  weightSum: number;
  perSample?: number[];
  metrics?: Metrics;
}

/** One run over every shard, in order (`-l` and `-y` repeated). */
function oneRun(extra: string): Result {
  const shards = Array.from({ length: expected.shards }, (_, i) => i);
  const args = [...shards.map((i) => `-l dumps/logits/logits_${i}.npy`), ...shards.map((i) => `-y dumps/logits/labels_${i}.npy`)].join(' ');
  const r = sh(`losscalc ce ${args} --weight w.npy ${extra} --json`);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Result;
}

/**
 * A merged result against one run and PyTorch: the mean and the metrics (--metrics: counts
 * identical, values within 1e-12), and every loss of reduction none in order.
 */
function expectAsOneRun(mean: Result, none: Result): void {
  const one = oneRun('--metrics');
  expectClose(mean.loss as number, expected.mean, 'merged mean against PyTorch');
  const [merged, single, torch] = [mean.metrics!, one.metrics!, expected.metrics];
  expect([merged.count, merged.state.hits, merged.state.topkHits, merged.state.calibration.count]).toEqual([
    single.count,
    single.state.hits,
    single.state.topkHits,
    single.state.calibration.count,
  ]);
  expect([merged.count, merged.state.hits, merged.perplexity]).toEqual([torch.count, torch.hits, null]);
  for (const m of ['accuracy', 'ece', 'mce', 'brier', 'entropy'] as const) {
    expectClose(merged[m], torch[m], `merged ${m} against PyTorch`);
    expectClose(merged[m], single[m], `merged ${m} against one run`);
  }
  expectClose(merged.topkAccuracy['5'], torch.topkAccuracy['5'], 'merged top-5 accuracy against PyTorch');
  expectClose(mean.loss as number, one.loss as number, 'merged mean against one run');
  expect([mean.count, mean.weightSum]).toEqual([one.count, one.weightSum]);
  expectClose(mean.sum, expected.sum, 'merged sum against PyTorch');
  const oneNone = oneRun('--reduction none');
  expect(none.loss).toEqual(oneNone.loss);
  expectClose(none.loss as number[], expected.none, 'merged reduction none against PyTorch');
}

/** The README's GNU parallel line. */
const recipe = /<!-- recipe: parallel -->\n```sh\n([^\n]+)\n```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))![1];

describe('GNU parallel', () => {
  const unable = has('parallel') ? undefined : 'no GNU parallel here (Debian: parallel)';
  if (unable) console.log(`engines.test.ts: GNU parallel skipped: ${unable}`);

  it('the README has the recipe, and it names a folder called logits/', () => {
    expect(recipe).toMatch(/^ls -v dumps\/logits\/logits_\*\.npy \| parallel --keep-order '.*--json' \| losscalc merge -$/);
  });

  it.skipIf(unable !== undefined)("the README's line, as it is: the loss of one run over every shard", () => {
    const human = sh(recipe);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain(`${oneRun('').loss}`);
    const mean = sh(`${recipe.replace("--json'", "--metrics --json'")} --json`);
    const none = sh(`${recipe.replace("--json'", "--reduction none --json'")} --json`);
    for (const r of [mean, none]) expect(r.status, r.stderr).toBe(0);
    expectAsOneRun(JSON.parse(mean.stdout) as Result, JSON.parse(none.stdout) as Result);
  }, 300_000);

  it.skipIf(unable !== undefined)('through --sshlogin (this machine as the login), in order', () => {
    const remote = recipe.replace('parallel --keep-order', 'parallel -S 2/: --keep-order');
    const mean = sh(`${remote.replace("--json'", "--metrics --json'")} --json`);
    const none = sh(`${remote.replace("--json'", "--reduction none --json'")} --json`);
    for (const r of [mean, none]) expect(r.status, r.stderr).toBe(0);
    expectAsOneRun(JSON.parse(mean.stdout) as Result, JSON.parse(none.stdout) as Result);
  }, 300_000);
});

describe('Dask distributed', () => {
  const python = ['/usr/bin/python3', 'python3'].find((p) => sh(`${p} -c 'import distributed' 2>/dev/null`).status === 0);
  const unable = python ? undefined : 'no Python with dask.distributed here (Debian: python3-distributed)';
  if (unable) console.log(`engines.test.ts: Dask skipped: ${unable}`);

  it.skipIf(unable !== undefined)('examples/dask_merge.py on a LocalCluster: the loss of one run over every shard', () => {
    const example = `${python} '${join(ROOT, 'examples', 'dask_merge.py')}' dumps/logits`;
    const mean = sh(`${example} -- ce --weight w.npy --metrics --json`);
    const none = sh(`${example} -- ce --weight w.npy --reduction none --json`);
    for (const r of [mean, none]) expect(r.status, r.stderr).toBe(0);
    expectAsOneRun(JSON.parse(mean.stdout) as Result, JSON.parse(none.stdout) as Result);
  }, 300_000);

  it.skipIf(unable !== undefined)('--expect checks the merged loss (exit 1 when it fails); options each shard would get wrong are refused first', () => {
    const example = `${python} '${join(ROOT, 'examples', 'dask_merge.py')}' dumps/logits`;
    const pass = sh(`${example} -- ce --weight w.npy --expect ${expected.mean} --rtol 1e-10 --json`);
    expect(pass.status, pass.stderr).toBe(0);
    expect((JSON.parse(pass.stdout) as { ok: boolean; checks: { ok: boolean }[] }).checks).toMatchObject([{ name: 'expect', ok: true }]);
    const failed = sh(`${example} -- ce --weight w.npy --expect ${expected.mean * 1.001} --rtol 1e-10 --json`);
    expect(failed.status, failed.stderr).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, checks: [{ name: 'expect', ok: false }] });
    for (const [option, why] of [
      ['--save-per-sample l.npy', "each shard would write its file over the others'"],
      ['--report=r.html', "each shard would write its page over the others'"],
      ['--reference l.npy', "each shard's losses would be compared with the union's"],
    ]) {
      const r = sh(`${example} -- ce --weight w.npy ${option}`);
      expect(r.stderr).toBe(`dask_merge.py: ${option.split(/[ =]/)[0]}: ${why}; run losscalc once over every shard for it\n`);
      expect(r.status).toBe(2);
    }
  }, 300_000);

  it.skipIf(unable !== undefined)('a shard losscalc refuses is one line naming it, exit 2, and no traceback; a second -- is refused', () => {
    const example = `${python} '${join(ROOT, 'examples', 'dask_merge.py')}' dumps/logits`;
    const r = sh(`${example} -- ce --weight 1,2`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dask_merge\.py: \S+\/logits_\d+\.npy: losscalc: --weight: weight has shape \(2,\), expected \(7,\): one weight per class\n$/);
    const twice = sh(`${example} -- ce -- --json`);
    expect([twice.status, twice.stderr]).toEqual([2, "dask_merge.py: --: give losscalc's mode and options after one --, with no operands\n"]);
  }, 300_000);
});
