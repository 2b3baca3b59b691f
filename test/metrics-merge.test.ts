/**
 * merge of --metrics parts: the merged metrics equal PyTorch's over the union of the shards
 * and one losscalc run over all of them (counts identical, sums to rounding); parts that do
 * not agree on having metrics, on the bins or on the ks, or whose metrics do not add up, are
 * refused with one line naming the field and the files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose, resolveArgv } from './cases.js';
import { runCli } from './helpers.js';
import { expectMetrics, fixtures } from './metrics-expected.js';

type Part = Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), 'losscalc-metrics-merge-'));
let written = 0;
const files = (...parts: Part[]) => parts.map((p) => {
  const path = join(dir, `part${written++}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
});

async function part(argv: string[]): Promise<Part> {
  const r = await runCli([...resolveArgv(argv), '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Part;
}

async function merged(paths: string[], flag = '--json') {
  const r = await runCli(['merge', ...paths, flag]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

async function expectRefused(paths: string[], message: string) {
  const r = await runCli(['merge', ...paths, '--json']);
  expect(r.stderr).toBe(`losscalc: ${message}\n`);
  expect(r.code).toBe(2);
}

/** One run over every shard: `-l` and `-y` repeated, the shards' files in order, the rest of the argv as in each. */
function oneRun(shards: string[][]): string[] {
  const [mode, , , ...rest] = shards[0];
  return [mode, ...shards.flatMap((s) => ['-l', s[1], '-y', s[2]]), ...rest];
}

describe('merged metrics equal one run over the union', () => {
  it('has cases', () => expect(fixtures.merges.length).toBeGreaterThanOrEqual(3));
  for (const c of fixtures.merges) {
    it(`${c.name}: ${c.note}`, async () => {
      const parts = await Promise.all(c.shards.map((s) => part(s)));
      const m = JSON.parse(await merged(files(...parts))).metrics;
      expectMetrics(m, c.expected);
      const whole = (await part(oneRun(c.shards))).metrics;
      expect(m.count).toBe(whole.count);
      expect(m.state.hits).toBe(whole.state.hits);
      expect(m.state.topkHits).toEqual(whole.state.topkHits);
      expect(m.state.calibration.count).toEqual(whole.state.calibration.count);
      for (const key of ['confidenceSum', 'accuracySum'] as const) expectClose(m.state.calibration[key], whole.state.calibration[key], key);
      for (const key of ['brierSum', 'entropySum'] as const) expectClose(m.state[key], whole.state[key], key);
      for (const key of ['accuracy', 'ece', 'mce', 'brier', 'entropy'] as const) expectClose(m[key], whole[key], key);
      if (whole.perplexity === null) expect(m.notes).toEqual(whole.notes);
      else expectClose(m.perplexity, whole.perplexity, 'perplexity');
    });
  }

  it('a merge of merges carries the metrics on', async () => {
    const c = fixtures.merges[0];
    const parts = await Promise.all(c.shards.map((s) => part(s)));
    const [a, b, rest] = [parts.slice(0, 2), parts.slice(2), files(...parts)];
    const ab = JSON.parse(await merged(files(...a)));
    const again = JSON.parse(await merged(files(ab, ...b)));
    const once = JSON.parse(await merged(rest));
    expect(again.metrics.state.calibration.count).toEqual(once.metrics.state.calibration.count);
    expectClose(again.metrics.ece, once.metrics.ece, 'ece');
  });

  it('prints them, and --markdown', async () => {
    const parts = await Promise.all(fixtures.merges[1].shards.map((s) => part(s)));
    const paths = files(...parts);
    const text = await merged(paths, '--no-color');
    expect(text).toMatch(/\nmetrics \(\d+ samples\)\n  accuracy /);
    const md = await merged(paths, '--markdown');
    expect(md).toMatch(/^## losscalc merge: cross-entropy\n/);
    expect(md).toContain('| perplexity | ');
    expect(md).toContain('| ECE (10 bins) | ');
  });
});

describe('merge refuses metrics that do not agree or do not add up', () => {
  const shards = fixtures.merges[1].shards;
  const parts = () => Promise.all(shards.slice(0, 2).map((s) => part(s)));
  const edit = (p: Part, f: (m: any) => void) => {
    const copy = structuredClone(p);
    f(copy.metrics);
    return copy;
  };

  it('one part with metrics, one without', async () => {
    const [a, b] = await parts();
    const { metrics: _, ...bare } = b;
    const [fa, fb] = files(a, bare);
    await expectRefused([fa, fb], `${fb}: has no "metrics" but ${fa} has them: run every shard with the same --metrics flags`);
  });

  it('other bins', async () => {
    const [a] = await parts();
    const b = await part([...shards[1], '--bins', '12']);
    const [fa, fb] = files(a, b);
    await expectRefused([fa, fb], `${fb}: metrics bins 12 differs from 10 in ${fa}`);
  });

  it('other ks', async () => {
    const [a] = await parts();
    const b = await part([...shards[1], '--topk', '3']);
    const [fa, fb] = files(a, b);
    await expectRefused([fa, fb], `${fb}: metrics topk 3 differs from 5 in ${fa}`);
  });

  it('bins whose counts do not add up to the count', async () => {
    const [a, b] = await parts();
    const [fa, fb] = files(a, edit(b, (m) => m.state.calibration.count[3]++));
    await expectRefused([fa, fb], `${fb}: field "metrics.state.calibration.count" adds up to ${b.metrics.count + 1}, but the count is ${b.metrics.count}`);
  });

  it('more hits than samples, an edge moved, a count not the loss\'s', async () => {
    const [a, b] = await parts();
    const n = b.metrics.count;
    const [fa, fb] = files(a, edit(b, (m) => (m.state.hits = n + 1)));
    await expectRefused([fa, fb], `${fb}: field "metrics.state.hits" is ${n + 1}, more than the count, ${n}`);
    const [ga, gb] = files(a, edit(b, (m) => (m.state.calibration.edges[2] = 0.13)));
    await expectRefused([ga, gb], `${gb}: field "metrics.state.calibration.edges[2]" is 0.13, but the edge of 10 bins is ${b.metrics.state.calibration.edges[2]}`);
    const [ha, hb] = files(a, edit(b, (m) => {
      m.count = n - 1;
      m.state.calibration.count[m.state.calibration.count.findIndex((c: number) => c > 0)]--;
    }));
    await expectRefused([ha, hb], `${hb}: field "metrics.count" is ${n - 1} but field "count" is ${n}`);
    const [ja, jb] = files(a, edit(b, (m) => (m.state.calibration.bins = 1e9)));
    await expectRefused([ja, jb], `${jb}: field "metrics.state.calibration.bins" is 1000000000, not a whole number from 1 to 1000`);
    const [ia, ib] = files(a, edit(b, (m) => delete m.state.brierSum));
    await expectRefused([ia, ib], `${ib}: field "metrics.state.brierSum" is missing`);
  });
});
