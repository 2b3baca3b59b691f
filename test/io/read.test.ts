/**
 * Picking a reader by extension or content, file-system errors as InputErrors naming the
 * path, and inline lists. Specs, keys, stdin and shards: spec.test.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { sniffFormat } from '../../src/io/format.js';
import { openInput, parseList, readInput, readTable, readTensor } from '../../src/io/read.js';
import { encodeNpy } from '../../src/io/npy.js';
import type { Tensor } from '../../src/tensor.js';
import { zipSync } from 'fflate';
import { expectTensor, fixtureBytes, manifest } from './manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const readers: [string, (path: string) => Promise<Tensor>][] = [
  ['readTensor', readTensor],
  ['readInput', (path) => readInput(path)],
];

async function readError(read: (path: string) => Promise<Tensor>, path: string): Promise<InputError> {
  try {
    await read(path);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).source).toBe(path);
    return e as InputError;
  }
  throw new Error(`expected reading ${path} to fail`);
}

const values = (t: Tensor): number[] => Array.from(t.data as Float64Array);

describe.each(readers)('%s', (_, read) => {
  it('picks the reader by extension, in any case', async () => {
    const npy = file('a.npy', fixtureBytes('dtype_i4.npy'));
    expectTensor(await read(npy), manifest.files['dtype_i4.npy']);
    expectTensor(await read(file('b.NPY', fixtureBytes('be_f8.npy'))), manifest.files['be_f8.npy']);
    expect(values(await read(file('c.csv', 'a,b\n1,2\n')))).toEqual([1, 2]);
    expect(values(await read(file('d.CSV', '1,2\n')))).toEqual([1, 2]);
    expect(values(await read(file('e.tsv', '1\t2\n3\t4\n')))).toEqual([1, 2, 3, 4]);
    expect(values(await read(file('f.txt', '1,2\n3,4\n')))).toEqual([1, 2, 3, 4]);
    expect((await read(file('g.json', '[[1, 2], [3, 4]]'))).shape).toEqual([2, 2]);
    expect((await read(file('i.jsonl', '[1, 2]\n[3, 4]\n[5, 6]\n'))).shape).toEqual([3, 2]);
    expect((await read(file('j.ndjson', '1\n2\n'))).shape).toEqual([2]);
    expect(values(await read(file('k.tab', '1\t2\n')))).toEqual([1, 2]);
    expectTensor(await read(file('l.NPZ', fixtureBytes('single.npz'))), manifest.files['single.npz']);
    expectTensor(await read(file('m.safetensors', fixtureBytes('single.safetensors'))), manifest.files['single.safetensors']);
  });

  it('goes by the extension even when the content looks like another format', async () => {
    const e = await readError(read, file('h.json', '1,2\n3,4\n'));
    expect(e.message).toBe('invalid JSON: unexpected text after the end of the data (line 1, column 2)');
  });

  it('sniffs the content when the extension says nothing', async () => {
    expectTensor(await read(file('x.dat', fixtureBytes('dtype_f2.npy'))), manifest.files['dtype_f2.npy']);
    expect((await read(file('x.out', '\n  [[1], [2]]'))).shape).toEqual([2, 1]);
    expect((await read(file('noext', '1,2\n3,4\n'))).shape).toEqual([2, 2]);
    expectTensor(await read(file('x.bin', fixtureBytes('single.npz'))), manifest.files['single.npz']);
    expectTensor(await read(file('x.st', fixtureBytes('single.safetensors'))), manifest.files['single.safetensors']);
    expectTensor(await read(file('x.log', fixtureBytes('rows.jsonl'))), manifest.files['rows.jsonl']);
    expectTensor(await read(file('x.dump', fixtureBytes('single_key.json'))), manifest.files['single_key.json']);
  });

  it('names the file in errors from the readers', async () => {
    const path = file('bad.csv', '1,2\n3,x\n');
    expect((await readError(read, path)).message).toBe('line 2, column 2: "x" is not a number');
  });

  it('a missing file', async () => {
    expect((await readError(read, join(dir, 'missing.csv'))).message).toBe('no such file');
    const notDir = file('plain.csv', '1\n');
    expect((await readError(read, join(notDir, 'inside.csv'))).message).toBe('no such file');
  });

  it('a directory', async () => {
    const sub = join(dir, 'sub.csv');
    mkdirSync(sub, { recursive: true });
    expect((await readError(read, sub)).message).toBe('is a directory');
  });

  it('an empty file, whatever its format', async () => {
    for (const name of ['empty.csv', 'empty.npy', 'empty.json', 'empty']) {
      expect((await readError(read, file(name, ''))).message).toBe('empty file');
    }
  });

  it('a path that cannot be read', async () => {
    const loop = join(dir, 'loop.csv');
    rmSync(loop, { force: true });
    symlinkSync(loop, loop);
    expect((await readError(read, loop)).message).toBe('cannot read: too many levels of symbolic links');
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission', async () => {
    const path = file('secret.csv', '1\n');
    chmodSync(path, 0o000);
    expect((await readError(read, path)).message).toBe('cannot read: permission denied');
  });

  it('a file whose first bytes say it is of another format than its extension', async () => {
    expect((await readError(read, file('z.csv', fixtureBytes('single.npz')))).message).toBe('this is an npz archive (by its first bytes), not CSV text');
    expect((await readError(read, file('z.json', fixtureBytes('v2_f4.npy')))).message).toBe('this is an NPY file (by its first bytes), not JSON');
    expect((await readError(read, file('z.npy', fixtureBytes('dump.npz')))).message).toBe('this is an npz archive (by its first bytes), not an NPY file');
    // a zip named .pt with no data.pkl: a torch.save that stopped part-way, or an npz renamed
    expect((await readError(read, file('z.pt', fixtureBytes('dump.npz')))).message).toBe(
      'this zip archive holds no data.pkl, so it is not a torch.save file (a save that stopped part-way, or an npz archive named .pt)',
    );
  });
});

describe('binary data under a text extension', () => {
  const utf16 = Buffer.from('\ufeff1,2\n3,4\n', 'utf16le');
  it.each([
    ['zeros.csv', new Uint8Array(8192), 'CSV text: a NUL byte at byte 0'],
    ['utf16.csv', utf16, 'CSV text: a NUL byte at byte 3'],
    ['zeros.tsv', new Uint8Array(16), 'TSV text: a NUL byte at byte 0'],
    ['zeros.json', new Uint8Array(16), 'JSON: a NUL byte at byte 0'],
    ['late.jsonl', Buffer.concat([Buffer.from('[1, 2]\n'), new Uint8Array(4)]), 'JSON Lines: a NUL byte at byte 7'],
  ])('%s is refused as binary, not read as text', async (name, bytes, why) => {
    const path = file(name, bytes);
    expect((await readError((p) => readInput(p), path)).message).toBe(`binary data, not ${why}`);
    expect((await readError(async (p) => (await openInput(p)) as Tensor, path)).message).toBe(`binary data, not ${why}`);
  });

  it('in a --label-column table', async () => {
    const path = file('zeros-table.csv', new Uint8Array(64));
    expect((await readError(async (p) => (await readTable(p, { labelColumn: '0' })).logits, path)).message).toBe('binary data, not CSV text: a NUL byte at byte 0');
  });

  it('Latin-1 text is still text: a header name in it is a name', async () => {
    const path = file('latin1.csv', Buffer.from('caf\xe9,b\n1,2\n', 'latin1'));
    expect(values(await readInput(path))).toEqual([1, 2]);
  });
});

describe('keys with colons', () => {
  const npy = (v: number[]) => encodeNpy({ data: Float64Array.from(v), shape: [v.length], dtype: 'float64' });
  it('the longest part before a colon that is a file is the path, the rest the key', async () => {
    const archive = file('colons.npz', zipSync({ 'c:d.npy': npy([1, 2]), 'c.npy': npy([3]) }));
    expect(values(await readInput(`${archive}:c:d`))).toEqual([1, 2]);
    expect(values(await readInput(`${archive}:c`))).toEqual([3]);
    expect((await readError((p) => readInput(`${p}:c:e`), archive)).message).toBe('no array "c:e" in the npz archive; the keys are "c:d", "c"');
  });
});

describe('sniffFormat', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  it.each([
    ['\u0093NUMPY', 'csv'], // the magic is the byte 0x93, not the UTF-8 encoding of U+0093
    ['[1]', 'json'],
    ['\uFEFF \r\n\t{"a": 1}', 'json'],
    ['5', 'csv'],
    ['a,b\n1,2', 'csv'],
    ['PK', 'csv'],
    ['{"a": 1}\n{"b": 2}', 'json'],
  ])('%j is %s', (text, format) => {
    expect(sniffFormat(bytes(text))).toBe(format);
  });
  it.each([
    ['v3_f4.npy', 'npy'],
    ['dump.npz', 'npz'],
    ['dump_compressed.npz', 'npz'],
    ['empty.npz', 'npz'],
    ['all_dtypes.safetensors', 'safetensors'],
    ['single.safetensors', 'safetensors'],
    ['dump.json', 'json'],
    ['rows.jsonl', 'json'], // parseInput then sees a second value on a later line: JSON Lines
    ['savetxt.tsv', 'csv'],
  ])('%s is %s by its first bytes', (name, format) => {
    expect(sniffFormat(fixtureBytes(name))).toBe(format);
  });
});

describe('parseList', () => {
  it.each([
    ['1,2,0.5', [1, 2, 0.5]],
    [' 1 , -2 ,3e-1 ', [1, -2, 0.3]],
    ['[1, 2]', [1, 2]],
    ['3', [3]],
    ['nan,inf,-inf', [NaN, Infinity, -Infinity]],
  ])('%j is %j', (text, expected) => {
    const list = parseList(text);
    expect(list).toBeInstanceOf(Float64Array);
    expect(Array.from(list!)).toEqual(expected);
  });

  it.each(['logits.csv', './1', '1,,2', '1,2,', 'a,b', '', ' ', '[]', '1;2', '0x1'])('%j is a path, not a list', (text) => {
    expect(parseList(text)).toBeUndefined();
  });
});
