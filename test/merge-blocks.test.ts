/**
 * `merge` reads a part member by member: perSample and the loss of reduction none are read in
 * blocks from the file, never as one string or array (json-part.ts). Parts of many blocks (64
 * bytes) give PyTorch's merged losses (fixtures/merge.json) and the bytes one block gives;
 * the losses are the parts' own, as JSON.parse reads them; and a part whose loss is not its
 * perSample, or that ends inside its perSample, is refused naming the part and the field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFile } from '../src/io/byte-source.js';
import { jsonParts, readMembers } from '../src/io/json-part.js';
import { streaming } from '../src/io/npy-file.js';
import { asFloats } from '../src/tensor.js';
import { expectClose, resolveArgv } from './cases.js';
import { FIXTURES, readJson, runCli, type Expected } from './helpers.js';

/** A --json result, edited freely by the tests. */
type Part = Record<string, any>;

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-merge-blocks-'));
let written = 0;
const write = (text: string) => {
  const path = join(dir, `part${written++}.json`);
  writeFileSync(path, text);
  return path;
};
const files = (...parts: Part[]) => parts.map((p) => write(JSON.stringify(p)));
const lines = (parts: Part[]) => parts.map((p) => JSON.stringify(p) + '\n').join('');

async function part(argv: string[]): Promise<Part> {
  const r = await runCli([...resolveArgv(argv), '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Part;
}

/** `run` with blocks of `bytes` (values per read, chunks of the file, offsets noted). */
async function inBlocks<T>(bytes: number, run: () => Promise<T>): Promise<T> {
  const saved = streaming.blockBytes;
  streaming.blockBytes = bytes;
  try {
    return await run();
  } finally {
    streaming.blockBytes = saved;
  }
}

async function expectRefused(paths: string[], message: string, stdin?: string) {
  const r = await runCli(['merge', ...paths, '--json'], {}, false, stdin === undefined ? undefined : new TextEncoder().encode(stdin));
  expect(r.stderr).toBe(`losscalc: ${message}\n`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

const flat = (v: Expected): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

interface MergeCase {
  name: string;
  shards: string[][];
  expected: { loss: Expected; count: number };
}

describe('parts of many blocks, read in blocks', () => {
  const cases = readJson<MergeCase[]>(join(FIXTURES, 'merge.json')).filter((c) => c.name.endsWith('_none'));
  it('has the reduction none cases', () => expect(cases.length).toBeGreaterThanOrEqual(5));
  for (const c of cases) {
    it(`${c.name}: PyTorch's losses, the parts' own, and the bytes one block gives`, async () => {
      const parts: Part[] = [];
      for (const argv of c.shards) parts.push(await part(argv));
      const paths = files(...parts);
      const whole = await runCli(['merge', ...paths, '--json']);
      const blocks = await inBlocks(64, () => runCli(['merge', ...paths, '--json']));
      expect(blocks.code, blocks.stderr).toBe(0);
      expect(blocks.stdout).toBe(whole.stdout);
      const got = JSON.parse(blocks.stdout) as Part;
      expectClose(got.loss, c.expected.loss, 'loss');
      expect(got.count).toBe(c.expected.count);
      expect(got.perSample).toEqual(parts.flatMap((p) => p.perSample));
      expect(flat(got.loss)).toEqual(got.perSample);
      const quiet = await inBlocks(64, () => runCli(['merge', ...paths, '-q']));
      expect(quiet.stdout).toBe((await runCli(['merge', ...paths, '-q'])).stdout);
    });
  }

  it('a part hands out its perSample and loss a block at a time, as JSON.parse reads them', async () => {
    const x = 'merge/bce_pos_weight_none';
    const p = await part(['bce', `${x}/logits_1.npy`, `${x}/labels_1.npy`, '--pos-weight', '3,1,0.5', '--reduction', 'none']);
    const path = files(p)[0];
    await inBlocks(64, async () => {
      const members = withFile(path, (src) =>
        readMembers({ src, path, start: 0, end: src.size, source: path }, ['perSample', 'loss'], {
          invalid: () => {
            throw new Error('invalid');
          },
          inArray: (key, message) => {
            throw new Error(`${key}: ${message}`);
          },
        }),
      )!;
      expect([...members.values.keys()]).not.toContain('perSample');
      for (const [key, expected] of [
        ['perSample', p.perSample],
        ['loss', flat(p.loss)],
      ] as const) {
        const values = members.arrays.get(key)!;
        const got: number[] = [];
        let most = 0;
        values.read(1, 0, expected.length, (d, first, count) => {
          expect(first).toBe(got.length);
          most = Math.max(most, count);
          got.push(...asFloats(d));
        });
        expect(got).toEqual(expected);
        expect(most).toBe(64 / 8);
      }
    });
  });

  it('standard input through a real pipe, kept in a temporary file, gives what the files give', async () => {
    const x = 'merge/bce_pos_weight_none';
    const shard = (i: number) => ['bce', `${x}/logits_${i}.npy`, `${x}/labels_${i}.npy`, '--pos-weight', '3,1,0.5', '--reduction', 'none'];
    const parts = [await part(shard(0)), await part(shard(1))];
    const env = { ...process.env, LOSSCALC_BLOCK_BYTES: '64', LOSSCALC_SPOOL_BYTES: '100' };
    const piped = spawnSync(process.execPath, [BIN, 'merge', '-', '--json'], { input: `\n${lines(parts)}  \n`, encoding: 'utf8', env });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toBe((await runCli(['merge', ...files(...parts), '--json'])).stdout);
    const text = lines(parts);
    const cut = text.slice(0, text.lastIndexOf('"perSample":[') + 20);
    const bad = spawnSync(process.execPath, [BIN, 'merge', '-'], { input: cut, encoding: 'utf8', env });
    expect(bad.stderr).toMatch(/^losscalc: -: line 2: field "perSample": invalid JSON: .* \(line 2, column \d+\)\n$/);
    expect(bad.status).toBe(2);
  });
});

describe('a part whose losses do not hold together is refused, naming it and the field', () => {
  const x = 'merge/bce_pos_weight_none';
  const none = () => part(['bce', `${x}/logits_1.npy`, `${x}/labels_1.npy`, '--pos-weight', '3,1,0.5', '--reduction', 'none']);
  const edited = (p: Part, edit: (q: Part) => void) => {
    const q = structuredClone(p);
    edit(q);
    return q;
  };

  it('a loss that is not perSample in its shape', async () => {
    const p = await none();
    const [rows, cols] = p.shape as number[];
    expect(cols).toBeGreaterThan(2);
    const [f] = files(edited(p, (q) => (q.loss[1][2] += 0.5)));
    await expectRefused([f], `${f}: field "loss"[1][2] is ${p.loss[1][2] + 0.5} but perSample[${cols + 2}] is ${p.perSample[cols + 2]}`);
    const [g] = files(edited(p, (q) => q.loss.pop()));
    await expectRefused([g], `${g}: field "loss" has shape (${rows - 1}, ${cols}) but field "shape" is (${rows}, ${cols})`);
    const [h] = files(edited(p, (q) => (q.loss = 'none')));
    await expectRefused([h], `${h}: field "loss" is "none", not the losses, in nested arrays`);
    // an unbatched part: its loss is one number
    const u = await part(['ce', 'merge/ce_unbatched_none/logits_0.npy', 'merge/ce_unbatched_none/labels_0.npy', '--reduction', 'none']);
    expect(u.shape).toEqual([]);
    const [k] = files(edited(u, (q) => (q.loss = 2 * u.loss)));
    await expectRefused([k], `${k}: field "loss" is ${2 * u.loss} but perSample[0] is ${u.perSample[0]}`);
  });

  it('a part that ends inside its perSample, in a file or on a line', async () => {
    const p = await none();
    const text = JSON.stringify(p);
    const at = text.indexOf('"perSample":[') + '"perSample":['.length;
    const cut = text.slice(0, at + String(p.perSample[0]).length + 1); // after the first value's comma
    const f = write(cut);
    await expectRefused([f], `${f}: field "perSample": invalid JSON: unexpected end of input, expected a value (line 1, column ${cut.length + 1})`);
    const [g] = files(p);
    await expectRefused(
      [g, '-'],
      `-: line 2: field "perSample": invalid JSON: unexpected end of input, expected a value (line 2, column ${cut.length + 1})`,
      `\n${cut}`,
    );
  });

  it('a perSample that is no array of numbers', async () => {
    const p = await none();
    const [f, g] = files(
      edited(p, (q) => (q.perSample = [1, 'x'])),
      edited(p, (q) => (q.perSample = [p.perSample])),
    );
    await expectRefused([f], `${f}: field "perSample" is [1,"x"], not an array of numbers`);
    await expectRefused([g], `${g}: field "perSample" is an array of shape (1, ${p.perSample.length}), not an array of numbers`);
  });

  it('a field merge reads that is larger than it reads whole; one it does not read may be', async () => {
    const p = await none();
    const pad = 'x'.repeat(1 << 20);
    const [f, g] = files(
      edited(p, (q) => (q.settings.note = pad)),
      edited(p, (q) => (q.warnings = [pad])),
    );
    const saved = jsonParts.memberBytes;
    jsonParts.memberBytes = 1 << 20;
    try {
      const size = JSON.stringify(JSON.parse(readFileSync(f, 'utf8')).settings).length;
      await expectRefused([f], `${f}: field "settings" is ${size} bytes long: merge reads at most 1 MiB of a field other than perSample and loss`);
      const r = await runCli(['merge', g, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).perSample).toEqual(p.perSample);
    } finally {
      jsonParts.memberBytes = saved;
    }
  });
});
