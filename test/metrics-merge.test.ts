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

describe('merge refuses metrics no run can produce', () => {
  const edited = async (shards: string[][], f: (m: any) => void) => {
    const p = await part(shards[0]);
    const copy = structuredClone(p);
    f(copy.metrics);
    return { p, path: files(copy)[0] };
  };
  const field = (name: string) => `field "metrics.${name}"`;
  const fullest = (m: any) => m.state.calibration.count.indexOf(Math.max(...m.state.calibration.count));

  it('bins\' sums outside [0, count]; a NaN confidence sum but in the last bin; accuracy sums that are not the hits', async () => {
    const shards = fixtures.merges[1].shards;
    let i = 0;
    let n = 0;
    const a = await edited(shards, (m) => {
      i = fullest(m);
      n = m.state.calibration.count[i];
      m.state.calibration.accuracySum[i] = 1e6;
    });
    await expectRefused([a.path], `${a.path}: ${field(`state.calibration.accuracySum[${i}]`)} is 1000000, but ${n} samples, each right (1) or wrong (0), sum to a whole number between 0 and ${n}`);
    const b = await edited(shards, (m) => (m.state.calibration.accuracySum[i] = -1));
    await expectRefused([b.path], `${b.path}: ${field(`state.calibration.accuracySum[${i}]`)} is -1, but ${n} samples, each right (1) or wrong (0), sum to a whole number between 0 and ${n}`);
    const c = await edited(shards, (m) => (m.state.calibration.confidenceSum[i] = n + 1));
    await expectRefused([c.path], `${c.path}: ${field(`state.calibration.confidenceSum[${i}]`)} is ${n + 1}, but ${n} confidences in [0, 1] sum to between 0 and ${n}`);
    const d = await edited(shards, (m) => (m.state.calibration.confidenceSum[i] = 'NaN'));
    await expectRefused([d.path], `${d.path}: ${field(`state.calibration.confidenceSum[${i}]`)} is NaN, but ${n} confidences in [0, 1] sum to between 0 and ${n} (NaN only in the last bin, holding a sample)`);
    let hits = 0;
    const e = await edited(shards, (m) => {
      hits = m.state.hits;
      m.state.calibration.accuracySum[i] += m.state.calibration.accuracySum[i] < n ? 1 : -1;
    });
    const sum = (e.p.metrics.state.calibration.accuracySum as number[]).reduce((s, x, j) => s + (j === i ? x + (x < n ? 1 : -1) : x), 0);
    await expectRefused([e.path], `${e.path}: ${field('state.calibration.accuracySum')} adds up to ${sum}, but state.hits is ${hits}`);
  });

  it('a Brier sum below 0 or above 2 a sample (class indices), an entropy sum below 0 or infinite', async () => {
    const shards = fixtures.merges[1].shards;
    const a = await edited(shards, (m) => (m.state.brierSum = -50));
    await expectRefused([a.path], `${a.path}: ${field('state.brierSum')} is -50, but a sum of squares is >= 0`);
    const n = a.p.metrics.count;
    const b = await edited(shards, (m) => (m.state.brierSum = 2 * n + 1));
    await expectRefused([b.path], `${b.path}: ${field('state.brierSum')} is ${2 * n + 1}, more than 2 a sample (${2 * n} for ${n})`);
    const c = await edited(shards, (m) => (m.state.entropySum = -1));
    await expectRefused([c.path], `${c.path}: ${field('state.entropySum')} is -1, but an entropy is finite and >= 0`);
    const d = await edited(shards, (m) => (m.state.entropySum = 'Infinity'));
    await expectRefused([d.path], `${d.path}: ${field('state.entropySum')} is Infinity, but an entropy is finite and >= 0`);
  });

  it('fewer top-k hits for a larger k; a count beyond 2^53 - 1 says the limit', async () => {
    const shards = fixtures.merges[0].shards; // --topk 2 --topk 5
    let two = 0;
    const a = await edited(shards, (m) => {
      two = m.state.topkHits['2'];
      m.state.topkHits['5'] = two - 1;
    });
    expect(two).toBeGreaterThan(0);
    await expectRefused([a.path], `${a.path}: ${field('state.topkHits.5')} is ${two - 1}, fewer than state.topkHits.2, ${two}: a top-2 hit is a top-5 hit`);
    const b = await edited(shards, (m) => (m.count = 2 ** 53));
    await expectRefused([b.path], `${b.path}: ${field('count')} is 9007199254740992, not a whole number from 0 to 2^53 - 1`);
  });
});

describe('every state a run produces merges', () => {
  const merges = async (argv: string[]) => {
    const p = await part(argv);
    const m = JSON.parse(await merged(files(p))).metrics;
    expect(m.state).toEqual(p.metrics.state);
  };

  // NaN logits, ties (more hits than top-1 hits), probability targets, binary
  for (const c of fixtures.cases) it(c.name, () => merges(c.argv));

  it('infinite logits, probability targets outside [0, 1] (a Brier score above 2), binary targets outside [0, 1] and NaN', async () => {
    const csv = (name: string, rows: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, rows.join('\n') + '\n');
      return path;
    };
    const x = csv('inf.csv', ['inf,0,1', '-inf,-inf,-inf', '1,inf,inf', 'nan,nan,0', '0.5,0.2,0.1']);
    await merges(['ce', x, csv('inf-y.csv', ['0', '1', '2', '1', '0']), '--metrics', '--topk', '1', '--topk', '2']);
    await merges(['ce', x, csv('inf-q.csv', ['3,-2,0', '0,1,0', '1,0,0', '0,0,1', '-1,1,1']), '--metrics']);
    const bx = csv('b.csv', ['5', '-3', 'nan', 'inf', '-inf', '0.5']);
    await merges(['bce', bx, csv('b-y.csv', ['2', '-1', '1', '0', '1', 'nan']), '--metrics']);
  });
});

describe('predictions taken as given: their metrics merge however far from probabilities', () => {
  const csv = (name: string, rows: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, rows.join('\n') + '\n');
    return path;
  };
  const merges = async (argv: string[]) => {
    const p = await part(argv);
    const m = JSON.parse(await merged(files(p))).metrics;
    expect(m.state).toEqual(p.metrics.state);
    return p;
  };

  it('nll of values that are no log-probabilities, --input probs and log-probs of rows that do not sum to 1', async () => {
    // a confidence of e^2, Brier sums above 2 a sample, negative entropies
    const a = await merges(['nll', csv('g1.csv', ['1,2']), csv('g1-y.csv', ['1']), '--metrics']);
    expect(a.metrics.state.calibration.confidenceSum.at(-1)).toBeGreaterThan(1);
    const b = await merges(['nll', csv('g5.csv', ['1,1', '1,1', '1,1', '1,1', '1,1']), csv('g5-y.csv', ['0', '0', '0', '0', '0']), '--metrics']);
    expect(b.metrics.state.brierSum).toBeGreaterThan(2 * b.metrics.count);
    expect(b.metrics.state.entropySum).toBeLessThan(0);
    const rows = csv('gp.csv', ['0.9,0.9,0.9,0.9', '0.5,0.25,0,0', '1,1,1,1']);
    const labels = csv('gp-y.csv', ['0', '1', '3']);
    const c = await merges(['ce', rows, labels, '--input', 'probs', '--metrics']);
    expect(c.metrics.state.brierSum).toBeGreaterThan(2 * c.metrics.count);
    await merges(['ce', csv('gl.csv', ['2,1,0.5', '0,0,0']), csv('gl-y.csv', ['0', '2']), '--input', 'log-probs', '--metrics']);
  });

  it('a run whose probabilities losscalc makes (logits, --log-softmax) is still held to them', async () => {
    const logits = csv('gs.csv', ['1,2', '3,0.5']);
    const labels = csv('gs-y.csv', ['1', '0']);
    for (const argv of [['ce', logits, labels, '--metrics'], ['nll', logits, labels, '--log-softmax', '--metrics']]) {
      const p = await part(argv);
      const copy = structuredClone(p);
      copy.metrics.state.entropySum = -1;
      const [path] = files(copy);
      await expectRefused([path], `${path}: field "metrics.state.entropySum" is -1, but an entropy is finite and >= 0`);
      copy.metrics.state.entropySum = p.metrics.state.entropySum;
      const i = copy.metrics.state.calibration.count.findIndex((n: number) => n > 0);
      const n = copy.metrics.state.calibration.count[i];
      copy.metrics.state.calibration.confidenceSum[i] = n + 0.5;
      const [bins] = files(copy);
      await expectRefused([bins], `${bins}: field "metrics.state.calibration.confidenceSum[${i}]" is ${n + 0.5}, but ${n} confidences in [0, 1] sum to between 0 and ${n}`);
    }
  });
});

describe('merge refuses top-k states no run makes', () => {
  it('a k above the classes; top-C hits other than the count', async () => {
    const p = await part(fixtures.merges[0].shards[0]); // 7 classes
    expect(p.settings.classes).toBe(7);
    const copy = structuredClone(p);
    copy.metrics.state.topkHits['100'] = p.metrics.count;
    const [a] = files(copy);
    await expectRefused([a], `${a}: field "metrics.state.topkHits.100" is for k = 100, but settings.classes is 7 and a run takes --topk up to the classes`);
    const c4 = fixtures.cases.find((c) => c.name === 'ce_c4')!.argv;
    const q = await part([...c4, '--topk', '4']);
    expect(q.metrics.state.topkHits['4']).toBe(q.metrics.count);
    expect(JSON.parse(await merged(files(q))).metrics.state).toEqual(q.metrics.state);
    const edit = structuredClone(q);
    edit.metrics.state.topkHits['4'] = q.metrics.count - 1;
    const [b] = files(edit);
    await expectRefused([b], `${b}: field "metrics.state.topkHits.4" is ${q.metrics.count - 1}, but top-4 of 4 classes hits every sample, ${q.metrics.count}`);
  });
});
