/**
 * `losscalc merge`: honest merges of PyTorch-made shards give one run's loss over the union
 * (fixtures/merge.json, scripts/make_merge_fixtures.py), and a part that does not add up, parts
 * computed with other settings, or a shard given twice are refused with one line naming the
 * file and the field or setting. Also what --json records for it (settings, input digests).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { expectClose, resolveArgv } from './cases.js';
import { FIXTURES, readJson, runCli, type Expected } from './helpers.js';

interface MergeCase {
  name: string;
  shards: string[][];
  groups?: number[][];
  stdin?: boolean;
  expected: { loss: Expected; count: number };
  note: string;
}

/** A --json result, edited freely by the tests. */
type Part = Record<string, any>;

const dir = mkdtempSync(join(tmpdir(), 'losscalc-merge-'));
let written = 0;
/** Each part written to its own file; returns the paths. */
const files = (...parts: Part[]) => parts.map((p) => write(`part${written++}.json`, JSON.stringify(p)));
const write = (name: string, text: string | Uint8Array) => (writeFileSync(join(dir, name), text), join(dir, name));

async function part(argv: string[], stdin?: Uint8Array): Promise<Part> {
  const r = await runCli([...resolveArgv(argv), '--json'], {}, false, stdin);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Part;
}

const merge = (paths: string[], stdin?: Uint8Array) => runCli(['merge', ...paths, '--json'], {}, false, stdin);
const lines = (parts: Part[]) => new TextEncoder().encode(parts.map((p) => JSON.stringify(p) + '\n').join(''));

async function expectRefused(run: Promise<{ code: number; stdout: string; stderr: string }>, message: string) {
  const r = await run;
  expect(r.stderr).toBe(`losscalc: ${message}\n`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

describe('honest merges equal one run over the union (PyTorch)', () => {
  const cases = readJson<MergeCase[]>(join(FIXTURES, 'merge.json'));
  it('has cases', () => expect(cases.length).toBeGreaterThan(10));
  for (const c of cases) {
    it(`${c.name} (${c.note})`, async () => {
      const parts: Part[] = [];
      for (const argv of c.shards) parts.push(await part(argv));
      let out;
      if (c.stdin) out = await merge(['-'], lines(parts));
      else if (c.groups) {
        const merged: Part[] = [];
        for (const g of c.groups) {
          const r = await merge(files(...g.map((i) => parts[i])));
          expect(r.code, r.stderr).toBe(0);
          merged.push(JSON.parse(r.stdout));
        }
        out = await merge(files(...merged));
      } else out = await merge(files(...parts));
      expect(out.code, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout) as Part;
      expectClose(got.loss, c.expected.loss, 'loss');
      expect(got.count).toBe(c.expected.count);
    });
  }
});

// four shards of cross-entropy with class weights and ignored targets (scripts/make_fixtures.py)
const SHARDS = 'losses/merge_ce_weight_ignore_mean';
const shard = (i: number, ...flags: string[]) => [
  'ce',
  `${SHARDS}/logits_${i}.npy`,
  `${SHARDS}/labels_${i}.npy`,
  '--weight',
  `${SHARDS}/weight.npy`,
  ...flags,
];
const edited = (p: Part, edit: (q: Part) => void) => {
  const q = structuredClone(p);
  edit(q);
  return q;
};

describe('merge refuses a part that does not add up', () => {
  it('an edited sum, and a perSample value changed', async () => {
    const [a, b] = [await part(shard(0, '--per-sample')), await part(shard(1, '--per-sample'))];
    const [, f] = files(a, edited(b, (q) => (q.sum += 2.25)));
    await expectRefused(merge([files(a)[0], f]), `${f}: field "sum" is ${b.sum + 2.25} but perSample sums to ${b.sum}`);
    const g = files(edited(b, (q) => (q.perSample[1] += 1)))[0];
    await expectRefused(merge([files(a)[0], g]), `${g}: field "sum" is ${b.sum} but perSample sums to ${b.sum + 1}`);
  });

  it('a sum off by rounding only (another summation order) is accepted', async () => {
    const a = await part(shard(0, '--reduction', 'sum', '--per-sample'));
    const ulps = edited(a, (q) => (q.sum *= 1 + 4 * Number.EPSILON));
    expect((await merge(files(ulps))).code).toBe(0);
    const off = edited(a, (q) => (q.sum *= 1 + 1e-9));
    expect((await merge(files(off))).code).toBe(2);
  });

  it('a shape that does not match perSample, or that no array could have', async () => {
    const a = await part(shard(0, '--reduction', 'none'));
    const [f, g, h] = files(
      edited(a, (q) => (q.shape = [6])),
      edited(a, (q) => (q.shape = [1e300])),
      edited(a, (q) => (q.shape = [2 ** 40, 2 ** 40, 0, 5])),
    );
    await expectRefused(merge([f]), `${f}: field "shape" (6) does not match perSample, which has 5 values`);
    await expectRefused(merge([g]), `${g}: field "shape" is [1e+300], not a shape of whole numbers from 0 to 2^53 - 1`);
    await expectRefused(merge([h]), `${h}: field "shape" (1099511627776, 1099511627776, 0, 5) does not match perSample, which has 5 values`);
  });

  it('a count below 0, above the number of losses, or below the nonzero ones', async () => {
    const a = await part(shard(0, '--per-sample'));
    const [f, g, h] = files(
      edited(a, (q) => (q.count = -1)),
      edited(a, (q) => (q.count = 6)),
      edited(a, (q) => (q.count = 3)),
    );
    await expectRefused(merge([f]), `${f}: field "count" is -1, not a whole number from 0 to 2^53 - 1`);
    await expectRefused(merge([g]), `${g}: field "count" is 6 but perSample has only 5 values`);
    await expectRefused(merge([h]), `${h}: field "count" is 3 but perSample holds 4 nonzero losses, each of which counts`);
  });

  it('without perSample (mean and sum write none), a count above the size of the shape', async () => {
    const a = await part(shard(0));
    expect(a).not.toHaveProperty('perSample');
    const [f, g] = files(
      edited(a, (q) => (q.count = 6)),
      edited(a, (q) => ((q.count = 2), (q.weightSum = 2 * 2))),
    );
    await expectRefused(merge([f]), `${f}: field "count" is 6 but shape (5) holds only 5 values`);
    expect((await merge([g])).code).toBe(0);
  });

  it('a weightSum outside what the class weights allow, or other than the count without them', async () => {
    const a = await part(shard(0)); // weights 0.5, 4, 1, 2; 4 targets counted
    const [f, g] = files(
      edited(a, (q) => (q.weightSum = -1)),
      edited(a, (q) => (q.weightSum = 'Infinity')),
    );
    await expectRefused(merge([f]), `${f}: field "weightSum" is -1 but 4 targets with class weights in [0.5, 4] weigh between 2 and 16`);
    await expectRefused(merge([g]), `${g}: field "weightSum" is Infinity but 4 targets with class weights in [0.5, 4] weigh between 2 and 16`);
    const plain = await part(['ce', `${SHARDS}/logits_0.npy`, `${SHARDS}/labels_0.npy`]);
    const h = files(edited(plain, (q) => (q.weightSum = 3.5)))[0];
    await expectRefused(merge([h]), `${h}: field "weightSum" is 3.5 but without class weights it is the count, 4`);
  });

  it('a result without settings (an older losscalc), or not a result at all', async () => {
    const a = await part(shard(0));
    const [f, g] = files(
      edited(a, (q) => delete q.settings),
      edited(a, (q) => delete q.sum),
    );
    await expectRefused(merge([f]), `${f}: no "settings": a result from an older losscalc; rerun it with this version`);
    await expectRefused(merge([g]), `${g}: field "sum" is missing: is this a losscalc --json result?`);
    const h = files(edited(a, (q) => (q.settings.labelSmoothing = '0.1')))[0];
    await expectRefused(merge([h]), `${h}: field "settings.labelSmoothing" is "0.1", not a number`);
  });
});

describe('merge refuses parts that do not belong together', () => {
  const differs = async (flags: string[], other: string[], message: (a: string) => string) => {
    const [f, g] = files(await part(shard(0, ...flags)), await part(shard(1, ...other)));
    await expectRefused(merge([f, g]), `${g}: ${message(f)}`);
  };

  it('-0 and 0 are one setting', async () => {
    const text = JSON.stringify(await part(shard(1)));
    expect(text).toContain('"labelSmoothing":0,');
    // JSON.stringify writes -0 as 0: the part as a hand edit would leave it
    const b = write('minus-zero.json', text.replace('"labelSmoothing":0,', '"labelSmoothing":-0.0,'));
    const r = await merge([files(await part(shard(0)))[0], b]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('names the setting that differs and both files', async () => {
    await differs([], ['--label-smoothing', '0.1'], (a) => `label_smoothing 0.1 differs from 0 in ${a}`);
    await differs([], ['--ignore-index', '2'], (a) => `ignore_index 2 differs from -100 in ${a}`);
    await differs([], ['--reduction', 'sum'], (a) => `reduction sum differs from mean in ${a}`);
    const [f, g] = files(await part(shard(0)), await part(['ce', `${SHARDS}/logits_1.npy`, `${SHARDS}/labels_1.npy`, '--weight', '1,1,1,2']));
    const r = await merge([f, g]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^losscalc: ${g}: weight sha256 [0-9a-f]{12} differs from sha256 [0-9a-f]{12} in ${f}\\n$`));
  });

  it('the mode, --log-softmax, pos_weight and the class count', async () => {
    const x = 'losses/merge_bce_weight_mean';
    const bce = (i: number, ...flags: string[]) => ['bce', `${x}/logits_${i}.npy`, `${x}/targets_${i}.npy`, ...flags];
    let [f, g] = files(await part(bce(0, '--pos-weight', '3,1,1')), await part(bce(1)));
    await expectRefused(merge([f, g]), `${g}: pos_weight none differs from sha256 ${(JSON.parse(readFileSync(f, 'utf8')) as Part).settings.posWeight.sha256.slice(0, 12)} in ${f}`);
    [f, g] = files(await part(['nll', `${SHARDS}/logits_0.npy`, `${SHARDS}/labels_0.npy`]), await part(['nll', `${SHARDS}/logits_1.npy`, `${SHARDS}/labels_1.npy`, '--log-softmax']));
    await expectRefused(merge([f, g]), `${g}: log_softmax true differs from false in ${f}`);
    [f, g] = files(await part(['gather', `${SHARDS}/logits_0.npy`, `${SHARDS}/labels_0.npy`]), await part(['nll', `${SHARDS}/logits_1.npy`, `${SHARDS}/labels_1.npy`]));
    await expectRefused(merge([f, g]), `${g}: mode nll differs from gather in ${f}`);
    // 4 classes vs 3 classes: the loss shapes (5,) and (2,) alone could not tell
    const three = 'losses/merge_ce_custom_ignore_mean';
    [f, g] = files(await part(['ce', `${SHARDS}/logits_0.npy`, `${SHARDS}/labels_0.npy`]), await part(['ce', `${three}/logits_1.npy`, `${three}/labels_1.npy`]));
    await expectRefused(merge([f, g]), `${g}: classes 3 differs from 4 in ${f}`);
  });

  it('the class dim, where both readings of (B, T, V) fit (T == V)', async () => {
    const dir = 'losses/layout_ce_ambiguous_default';
    const [logits, labels] = [`${dir}/logits.npy`, `${dir}/labels.npy`];
    const [f, g] = files(await part(['ce', logits, labels]), await part(['ce', logits, labels, '--class-dim', '-1']));
    await expectRefused(merge([f, g]), `${g}: class dim -1 (the last) differs from -2 (counted from the end) in ${f}`);
  });

  it('weights are compared by value: a file and the same numbers inline are one setting', async () => {
    const a = await part(shard(0));
    const b = await part(['ce', `${SHARDS}/logits_1.npy`, `${SHARDS}/labels_1.npy`, '--weight', '0.5,4,1,2']);
    expect(b.settings.weight).toEqual(a.settings.weight);
    expect((await merge(files(a, b))).code).toBe(0);
  });

  it('a shard given twice, also inside an earlier merge', async () => {
    const [a, b, c] = [await part(shard(0)), await part(shard(1)), await part(shard(2))];
    const [f, g, h] = files(a, b, a);
    await expectRefused(merge([f, g, h]), `${h}: is the same input as ${f}: a shard given twice`);
    const ab = await merge([f, g]);
    expect(ab.code, ab.stderr).toBe(0);
    const [m, k, n] = files(JSON.parse(ab.stdout) as Part, c, b);
    expect((await merge([m, k])).code).toBe(0);
    await expectRefused(merge([m, k, n]), `${n}: is the same input as ${m}: a shard given twice`);
  });
  it('two keys of one archive are two inputs, not a shard given twice', async () => {
    const npy = (name: string) => readFileSync(join(FIXTURES, SHARDS, name));
    const archive = write('shards.npz', zipSync({ 'x0.npy': npy('logits_0.npy'), 'y0.npy': npy('labels_0.npy'), 'x1.npy': npy('logits_1.npy'), 'y1.npy': npy('labels_1.npy') }));
    const [a, b] = [await part(['ce', `${archive}:x0`, `${archive}:y0`]), await part(['ce', `${archive}:x1`, `${archive}:y1`])];
    expect(a.inputs.logits[0]).toBe(`${createHash('sha256').update(readFileSync(archive)).digest('hex')}:x0`);
    const merged = await merge(files(a, b));
    expect(merged.code, merged.stderr).toBe(0);
    const plain = (i: number) => part(['ce', `${SHARDS}/logits_${i}.npy`, `${SHARDS}/labels_${i}.npy`]);
    const apart = JSON.parse((await merge(files(await plain(0), await plain(1)))).stdout) as Part;
    expect(JSON.parse(merged.stdout).sum).toBe(apart.sum);
  });
});

describe('merge - reads JSON lines', () => {
  it('a device or a directory as a part is refused at once, in one line', async () => {
    await expectRefused(merge(['/dev/zero']), '/dev/zero: binary data, not JSON: a NUL byte at byte 0');
    await expectRefused(merge([dir]), `${dir}: is a directory`);
    const bin = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
    const zeros = spawnSync(process.execPath, [bin, 'merge', '-'], { input: new Uint8Array(1 << 16), encoding: 'utf8', timeout: 20_000 });
    expect([zeros.status, zeros.stderr]).toEqual([2, 'losscalc: -: binary data, not JSON: a NUL byte at byte 0\n']);
  });

  it('gives the same result as the files, and names the line of a bad part', async () => {
    const parts = [await part(shard(0)), await part(shard(1)), await part(shard(3))];
    const fromFiles = await merge(files(...parts));
    const fromStdin = await merge(['-'], lines(parts));
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toBe(fromFiles.stdout);
    const bad = [parts[0], edited(parts[1], (q) => (q.count = -2))];
    await expectRefused(merge(['-'], lines(bad)), '-: line 2: field "count" is -2, not a whole number from 0 to 2^53 - 1');
    const twice = new TextEncoder().encode(`${JSON.stringify(parts[0])}\n\n${JSON.stringify(parts[0])}\n`);
    await expectRefused(merge(['-'], twice), '-: line 3: is the same input as line 1: a shard given twice');
    await expectRefused(merge(['-'], new TextEncoder().encode('{"mode":\n')), '-: line 1: not a JSON result: run each shard with --json and merge what it printed');
    await expectRefused(merge(['-', '-'], lines(parts)), 'merge reads standard input once: give - once');
    await expectRefused(merge(['-'], new Uint8Array(0)), '-: no results on standard input: pipe in the --json output of each shard, one per line');
  });

  it('through a real pipe, as the built binary reads it', async () => {
    const parts = [await part(shard(0)), await part(shard(2))];
    const bin = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
    const r = spawnSync(process.execPath, [bin, 'merge', '-', '--json'], { input: lines(parts), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe((await merge(files(...parts))).stdout);
  });

  it('mixes with files', async () => {
    const [a, b] = [await part(shard(0)), await part(shard(1, '--label-smoothing', '0.1'))];
    await expectRefused(merge([files(a)[0], '-'], lines([b])), `-: line 1: label_smoothing 0.1 differs from 0 in ${join(dir, `part${written - 1}.json`)}`);
  });
});

describe('--json records what the number depends on', () => {
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const bytes = (path: string) => readFileSync(join(FIXTURES, path));

  it('the settings, and a SHA-256 of each input file', async () => {
    const p = await part(shard(1, '--label-smoothing', '0.25', '--ignore-index', '3')); // no -100 in shard 1
    expect(p.settings).toMatchObject({ ignoreIndex: 3, labelSmoothing: 0.25, logSoftmax: false, posWeight: null, classes: 4 });
    expect(p.settings.weight).toMatchObject({ min: 0.5, max: 4 });
    expect(p.inputs).toEqual({ logits: [sha256(bytes(`${SHARDS}/logits_1.npy`))], labels: [sha256(bytes(`${SHARDS}/labels_1.npy`))] });
  });

  it('each shard, standard input as read, and the table of a label column', async () => {
    const x = (i: number) => `${SHARDS}/logits_${i}.npy`;
    const y = (i: number) => `${SHARDS}/labels_${i}.npy`;
    const shards = await part(['ce', '-l', x(0), '-l', x(1), '-y', y(0), '-y', y(1)]);
    expect(shards.inputs).toEqual({ logits: [x(0), x(1)].map((f) => sha256(bytes(f))), labels: [y(0), y(1)].map((f) => sha256(bytes(f))) });
    const piped = await part(['ce', '-', y(0)], bytes(x(0)));
    expect(piped.inputs.logits).toEqual([sha256(bytes(x(0)))]);
    const table = 'losses/merge_mixed_formats_mean/shard2.csv';
    const t = await part(['ce', table, '--label-column', 'label', '--drop-columns', '0']);
    expect(t.inputs).toEqual({ logits: [sha256(bytes(table))], labels: [sha256(bytes(table))] });
  });
});

describe('perSample: written for reduction none, --per-sample and --top only', () => {
  it('mean and sum results leave it out; merge takes parts with and without it alike', async () => {
    const plain = [await part(shard(0)), await part(shard(1))];
    const detailed = [await part(shard(0, '--per-sample')), await part(shard(1, '--top', '2'))];
    for (const p of plain) expect(p).not.toHaveProperty('perSample');
    for (const p of detailed) expect(p.perSample).toHaveLength(p.shape[0]);
    const mixed = await merge(files(plain[0], detailed[1]));
    const full = await merge(files(...detailed));
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(full.code, full.stderr).toBe(0);
    const [m, f] = [JSON.parse(mixed.stdout), JSON.parse(full.stdout)];
    expect(m.loss).toBe(f.loss);
    // the merged result has the losses when every part had them
    expect(m).not.toHaveProperty('perSample');
    expect(f.perSample).toEqual([...detailed[0].perSample, ...detailed[1].perSample]);
  });

  it('reduction none merges the losses themselves: a part without them is refused', async () => {
    const [a, b] = [await part(shard(0, '--reduction', 'none')), await part(shard(1, '--reduction', 'none'))];
    const [f, g] = files(a, edited(b, (q) => delete q.perSample));
    await expectRefused(merge([f, g]), `${g}: has no "perSample": reduction none merges the unreduced losses, so every part needs them`);
  });
});

describe('the verdict of a merge', () => {
  // PyTorch's mean over the four shards (fixtures/cases.json, merge_ce_weight_ignore_mean)
  const union = readJson<{ name: string; expected: { loss: number } }[]>(join(FIXTURES, 'cases.json')).find((c) => c.name === 'merge_ce_weight_ignore_mean')!.expected.loss;
  const all = async (first: string[] = []) => files(await part([...shard(0), ...first]), ...(await Promise.all([1, 2, 3].map((i) => part(shard(i))))));
  const run = (paths: string[], ...flags: string[]) => runCli(['merge', ...paths, ...flags]);

  it('a part whose own check failed ("ok": false) fails the merge: a warning naming it, ok false, exit 1, in every format', async () => {
    const r0 = await runCli([...resolveArgv(shard(0, '--expect', '1e6')), '--json']);
    expect(r0.code).toBe(1);
    const failed = write('failed.json', r0.stdout);
    const paths = [failed, ...(await all()).slice(1)];
    const warning = `losscalc: warning: ${failed}: its own checks failed ("ok": false)\n`;
    const json = await run(paths, '--json');
    expect([json.code, json.stderr]).toEqual([1, warning]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, warnings: [`${failed}: its own checks failed ("ok": false)`] });
    expectClose(JSON.parse(json.stdout).loss, union, 'loss');
    const quiet = await run(paths, '-q');
    expect([quiet.code, quiet.stderr]).toEqual([1, warning]);
    const human = await run(paths, '--no-color');
    expect([human.code, human.stderr]).toEqual([1, warning]);
    expect(human.stdout).toContain(`FAIL ${failed}: its own checks failed ("ok": false)\nnot ok: 1 of 4 parts failed their own checks\n`);
    const md = await run(paths, '--markdown');
    expect([md.code, md.stderr]).toEqual([1, warning]);
    expect(md.stdout).toMatch(/^## losscalc merge: cross-entropy: FAIL\n/);
    expect(md.stdout).toContain(`| ${failed}: its own checks failed ("ok": false) |  |  |  | FAIL |`);
    const ok = await run(await all(), '--json');
    expect([ok.code, JSON.parse(ok.stdout).ok, JSON.parse(ok.stdout).warnings]).toEqual([0, true, []]);
  });

  it('--expect checks the merged loss (the allclose of loss modes), exit 1 when it fails, in every format', async () => {
    const paths = await all();
    const pass = await run(paths, '--expect', String(union), '--rtol', '1e-12', '--json');
    expect([pass.code, pass.stderr]).toEqual([0, '']);
    expect(JSON.parse(pass.stdout)).toMatchObject({ ok: true, checks: [{ name: 'expect', ok: true, b: union }] });
    const off = String(union * (1 + 1e-6));
    const json = await run(paths, '--expect', off, '--rtol', '1e-12', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, checks: [{ name: 'expect', ok: false }] });
    // -q: the bare loss on stdout, the failed check's line on stderr
    const quiet = await run(paths, '--expect', off, '--rtol', '1e-12', '-q');
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe(`${union}\n`);
    expect(quiet.stderr).toMatch(/^losscalc: FAIL expect: \S+ vs \S+, \|diff\| \S+\n$/);
    const quietPass = await run(paths, '--expect', off, '--rtol', '1e-5', '-q');
    expect([quietPass.code, quietPass.stderr]).toEqual([0, '']);
    expect((await run(paths, '--expect', off, '--atol', '1e-5', '--rtol', '0', '-q')).code).toBe(0);
    const human = await run(paths, '--expect', off, '--rtol', '1e-12', '--no-color');
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/\nFAIL expect: .* vs .*\nthe check failed\n$/);
    const md = await run(paths, '--expect', off, '--rtol', '1e-12', '--markdown');
    expect(md.code).toBe(1);
    expect(md.stdout).toMatch(/^## losscalc merge: cross-entropy: FAIL\n/);
    expect(md.stdout).toMatch(/\n\| expect \| `[0-9.]+` \| `[0-9.]+` \| `[0-9.e-]+` \| FAIL \|\n/);
  });

  it('--expect of reduction none, and --rtol without --expect, are refused', async () => {
    const none = files(await part(shard(0, '--reduction', 'none')));
    await expectRefused(run(none, '--expect', '1'), '--expect compares one number, but the parts are of reduction none');
    await expectRefused(run(none, '--rtol', '1'), '--rtol is the tolerance of --expect: give --expect <x> too');
    await expectRefused(run(none, '--expect', '0x1'), '--expect needs a number written in decimal, got "0x1"');
  });
});

describe('merge refuses counts past 2^53 - 1', () => {
  const shards = () => readJson<MergeCase[]>(join(FIXTURES, 'merge.json')).find((c) => c.name === 'nll_inf_mean')!.shards;
  const claiming = (p: Part, count: number, rows: number) => {
    const { perSample: _, ...rest } = p;
    return { ...rest, count, weightSum: count, sum: count, shape: [rows, ...p.shape.slice(1)] };
  };

  it('a merged count that float64 no longer holds exactly', async () => {
    const [a, b] = await Promise.all(shards().slice(0, 2).map((s) => part(s)));
    const [fa, fb] = files(claiming(a, 6000000000000001, 6000000000000001), claiming(b, 6000000000000002, 6000000000000002));
    await expectRefused(merge([fa, fb]), `${fb}: field "count" is 6000000000000002, and with the 6000000000000001 of the parts before it the merged sum passes 2^53 - 1, past which counts are not exact`);
    const max = Number.MAX_SAFE_INTEGER;
    const [ga, gb] = files(claiming(a, a.count, max), claiming(b, 1, 1));
    await expectRefused(merge([ga, gb]), `${gb}: field "shape[0]" is 1, and with the ${max} of the parts before it the merged sum passes 2^53 - 1, past which counts are not exact`);
    // up to the limit it merges, and the merge merges again
    const [ha, hb] = files(claiming(a, max - 1, max - 1), claiming(b, 1, 1));
    const r = await merge([ha, hb]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).count).toBe(max);
    const again = await merge(files(JSON.parse(r.stdout)));
    expect(again.code, again.stderr).toBe(0);
  });
});
