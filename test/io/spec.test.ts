/**
 * readInput and readTable: `file:key` specs, `-` for standard input, the format and
 * delimiter options, and shards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readInput, readStdin, readTable } from '../../src/io/read.js';
import { asValues } from '../../src/values.js';
import { readUnits } from './blocks.js';
import { inputError } from './helpers.js';
import { expectTensor, FIXTURES, fixtureBytes, manifest } from './manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fx = (name: string): string => FIXTURES + name;
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('file:key', () => {
  it.each(['dump.npz:labels', 'dump_compressed.npz:halves', 'all_dtypes.safetensors:bf16', 'dump.json:meta.scores.auc', 'single.npz:arr_0'])('%s', async (spec) => {
    const exp = manifest.files[spec];
    expectTensor(await readInput(fx(spec)), exp, spec.includes('.json') ? 'float64' : exp.dtype);
  });

  it('a name that exists is a path, colons and all; else the last colon splits it', async () => {
    const csv = file('a:b.csv', '1,2\n');
    expect(Array.from((await readInput(csv)).data)).toEqual([1, 2]);
    file('c:d.npz', fixtureBytes('dump.npz'));
    expectTensor(await readInput(join(dir, 'c:d.npz:logits')), manifest.files['dump.npz:logits']);
  });

  it('errors about the key name the file; errors inside the array name file:key', async () => {
    const npz = fx('dump.npz');
    expect((await inputError(() => readInput(`${npz}:nope`), npz)).message).toBe('no array "nope" in the npz archive; the keys are "logits", "labels"');
    const json = file('k.json', '{"a": [1, 2], "b": [1, "x"]}');
    expect((await inputError(() => readInput(`${json}:b`), `${json}:b`)).message).toBe('[1]: "x" is not a number (line 1, column 24)');
  });

  it('neither file:key nor file exists: the spec as given', async () => {
    const spec = join(dir, 'missing.npz:logits');
    expect((await inputError(() => readInput(spec), spec)).message).toBe('no such file');
  });

  it('a key for a format that holds one array', async () => {
    const csv = file('one.csv', '1,2\n');
    expect((await inputError(() => readInput(`${csv}:x`), csv)).message).toBe("CSV text holds a single array and has no keys (got ':x')");
    const npy = fx('dtype_f4.npy');
    expect((await inputError(() => readInput(`${npy}:x`), npy)).message).toBe("an NPY file holds a single array and has no keys (got ':x')");
  });
});

describe('standard input', () => {
  it.each([
    ['dtype_f2.npy', undefined],
    ['single.npz', undefined],
    ['dump_compressed.npz', 'labels'],
    ['all_dtypes.safetensors', 'i64'],
    ['single.safetensors', undefined],
    ['dump.json', 'outputs'],
    ['single_key.json', undefined],
    ['rows.jsonl', undefined],
    ['nested.jsonl', undefined],
    ['pydump.json', undefined],
    ['savetxt.csv', undefined],
  ])('%s (key %s), sniffed from its first bytes', async (name, key) => {
    const exp = manifest.files[key ? `${name}:${key}` : name];
    const t = await readInput(key ? `-:${key}` : '-', { stdin: fixtureBytes(name) });
    expectTensor(t, exp, /\.(json|jsonl|csv)$/.test(name) ? 'float64' : exp.dtype);
  });

  it('TSV by the delimiter or the format option', async () => {
    const bytes = fixtureBytes('savetxt.tsv');
    expectTensor(await readInput('-', { stdin: bytes, delimiter: '\t' }), manifest.files['savetxt.tsv'], 'float64');
    expectTensor(await readInput('-', { stdin: async () => bytes, format: 'tsv' }), manifest.files['savetxt.tsv'], 'float64');
  });

  it('empty input, and a key for input that has none', async () => {
    expect((await inputError(() => readInput('-', { stdin: new Uint8Array(0) }), '-')).message).toBe('no data on standard input');
    expect((await inputError(() => readInput('-:x', { stdin: fixtureBytes('dump.npz') }), '-')).message).toMatch(/^no array "x" in the npz archive/);
  });

  it('readStdin reads a stream once and gives every caller the same bytes', async () => {
    const stream = Readable.from([Buffer.from('1,2\n'), Buffer.from('3,4\n')]);
    const first = await readStdin(stream);
    expect(new TextDecoder().decode(first)).toBe('1,2\n3,4\n');
    expect(await readStdin(stream)).toBe(first);
  });

  it('refuses a terminal', async () => {
    const tty = Object.assign(Readable.from([]), { isTTY: true });
    expect((await inputError(() => readStdin(tty), '-')).message).toBe('standard input is a terminal: pipe the data in, or name a file');
  });
});

describe('format and delimiter options', () => {
  it('the format option overrides the extension', async () => {
    const path = file('looks.txt', '[[1, 2], [3, 4]]');
    expect((await readInput(path, { format: 'json' })).shape).toEqual([2, 2]);
    expect((await readInput(file('rows.json', '[1]\n[2]\n'), { format: 'jsonl' })).shape).toEqual([2, 1]);
  });

  it('a delimiter for CSV text, ignored by other formats', async () => {
    expectTensor(await readInput(fx('semicolon.txt'), { delimiter: ';' }), manifest.files['semicolon.txt'], 'float64');
    expectTensor(await readInput(fx('dtype_f8.npy'), { delimiter: ';' }), manifest.files['dtype_f8.npy']);
  });

  it('TSV with a BOM, quoted numbers, CRLF and a header, by extension', async () => {
    expectTensor(await readInput(fx('quoted_bom.tsv')), manifest.files['quoted_bom.tsv'], 'float64');
  });

  it('JSON Lines in a .json file: a hint', async () => {
    const path = file('lines.json', '[1, 2]\n[3, 4]\n');
    expect((await inputError(() => readInput(path), path)).message).toBe(
      'invalid JSON: a second value after the end of the data; JSON Lines need a .jsonl name or the jsonl format (line 2, column 1)',
    );
  });
});

describe('shards', () => {
  it.each(manifest.concat.map((c) => [c.parts.join(' + '), c] as const))('%s', async (_, exp) => {
    expectTensor(await readInput(exp.parts.map(fx)), exp);
  });

  it('mismatched shapes name the offending file', async () => {
    const bad = fx('shard_bad.npy');
    const e = await inputError(() => readInput([fx('shard_0.npy'), bad]), bad);
    expect(e.message).toBe(`shape (2, 4) does not match shape (2, 3) of ${fx('shard_0.npy')}: shards must agree in every dim but the first`);
  });

  it('shards of different formats and containers', async () => {
    const exp = manifest.files['dump.npz:logits'];
    const t = await readInput([fx('dump.npz:logits'), fx('dump_compressed.npz:logits')]);
    expect(t.shape).toEqual([2 * exp.shape[0], ...exp.shape.slice(1)]);
    expect(Array.from(t.data)).toEqual([...exp.values, ...exp.values]);
  });
});

describe('readTable', () => {
  it.each(Object.keys(manifest.tables))('%s', async (name) => {
    const exp = manifest.tables[name];
    const { logits, labels } = await readTable(fx(name), { labelColumn: exp.labelColumn, dropColumns: exp.dropColumns });
    expectTensor(logits, exp.logits, 'float64');
    expectTensor(labels, exp.labels, 'float64');
  });

  it('from standard input, and in shards', async () => {
    const exp = manifest.tables['ids_table.csv'];
    const opts = { labelColumn: exp.labelColumn, dropColumns: exp.dropColumns };
    const fromStdin = await readTable('-', { ...opts, stdin: fixtureBytes('ids_table.csv') });
    expectTensor(fromStdin.logits, exp.logits, 'float64');
    const twice = await readTable([fx('ids_table.csv'), fx('ids_table.csv')], opts);
    expect(twice.logits.shape).toEqual([2 * exp.logits.shape[0], exp.logits.shape[1]]);
    expect(readUnits(asValues(twice.labels), 1).values).toEqual([...exp.labels.values, ...exp.labels.values]);
  });

  it('needs CSV or TSV text', async () => {
    const npy = fx('dtype_f4.npy');
    expect((await inputError(() => readTable(npy, { labelColumn: 0 }), npy)).message).toBe('a label column needs a CSV or TSV table, and this is an NPY file');
    const csv = fx('pandas_index.csv');
    expect((await inputError(() => readTable(`${csv}:x`, { labelColumn: 0 }), csv)).message).toBe("CSV text holds a single array and has no keys (got ':x')");
  });
});
