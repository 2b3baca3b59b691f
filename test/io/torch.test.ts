/**
 * torch.save files: PyTorch-made fixtures (scripts/make_torch_fixtures.py) in both formats,
 * every dtype, views and shared storages, nested containers, Python numbers, and the records
 * newer versions add, read by key and through every mode against PyTorch's loss; then hostile
 * pickles, which must be refused (exit 2, one line) without anything in them being run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/io/byte-source.js';
import { checkContent, parseInput, SNIFF_BYTES, sniffFormat } from '../../src/io/format.js';
import { readInput } from '../../src/io/read.js';
import { openTorchFile, parseTorch } from '../../src/io/torch/torch.js';
import { readZipDirectory, readZipEntry } from '../../src/io/zip.js';
import { toFloat64 } from '../../src/tensor.js';
import { runCli } from '../helpers.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'torch');
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
const at = (name: string) => join(DIR, name);

interface Expected {
  shape: number[];
  dtype: string;
  values: number[];
}
const expected = JSON.parse(readFileSync(at('expected.json'), 'utf8')) as {
  tensors: Record<string, Expected>;
  keys: Record<string, string[]>;
  cli: { argv: string[]; loss: number }[];
  hostile: Record<string, { creates?: string }>;
};

/** A fixture spec (`file` or `file:key`) as a path. */
const spec = (s: string) => (/\.(pt|bin|npz)(:|$)/.test(s) ? at(s) : s);

describe('torch.save fixtures read as PyTorch wrote them', () => {
  it.each(Object.entries(expected.tensors))('%s', async (name, want) => {
    const t = await readInput(at(name));
    expect(t.shape).toEqual(want.shape);
    expect(t.dtype).toBe(want.dtype);
    expect(Array.from(toFloat64(t))).toEqual(want.values);
  });

  it.each(Object.entries(expected.keys))('%s holds the keys torch.load gives, in order', (name, keys) => {
    expect(openTorchFile(at(name)).keys).toEqual(keys);
  });

  it('reads the same from bytes (standard input) as from the file at offsets', () => {
    for (const name of ['dump.pt', 'legacy_views.pt', 'big_endian.pt']) {
      for (const key of expected.keys[name]) {
        const bytes = readFileSync(at(name));
        expect(Array.from(toFloat64(parseInput(bytes, name, { key })))).toEqual(expected.tensors[`${name}:${key}`].values);
      }
    }
  });

  it('tells torch.save files by their first bytes, whatever the extension', () => {
    const files = ['dump.pt', 'legacy.pt', 'pytorch_model.bin', 'torch2_records.pt', 'torch_zip.npz', 'reordered.pt', 'reordered.bin'];
    for (const name of [...files, ...[1, 2, 4, 5].map((p) => `legacy_protocol${p}.pt`)]) {
      expect(sniffFormat(readFileSync(at(name)))).toBe('pt');
    }
  });
});

describe('torch.save fixtures through every mode give PyTorch loss', () => {
  it.each(expected.cli.map((c) => [c.argv.join(' '), c] as const))('%s', async (_, c) => {
    const r = await runCli([...c.argv.map(spec), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const loss = (JSON.parse(r.stdout) as { loss: number }).loss;
    expect(Math.abs(loss - c.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(c.loss));
  });

  it('one file with everything, from a file and from stdin: logits and labels found by name', async () => {
    const want = expected.cli.find((c) => c.argv.join(' ') === 'ce one_file.pt')!.loss;
    for (const r of [await runCli(['ce', at('one_file.pt'), '--json']), await runCli(['ce', '-', '--json'], {}, false, readFileSync(at('one_file.pt')))]) {
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(Math.abs((JSON.parse(r.stdout) as { loss: number }).loss - want)).toBeLessThanOrEqual(1e-12 * want);
    }
    const several = await runCli(['ce', at('dump.pt')]);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('"labels", "targets"');
    // a list of per-batch dicts: the error shows how to take every batch, as shards
    const batches = await runCli(['ce', at('batches.pt')]);
    expect(batches.code).toBe(2);
    expect(batches.stderr).toContain(`, or all of them as shards: -l ${at('batches.pt')}:0.logits -l ${at('batches.pt')}:1.logits -l ${at('batches.pt')}:2.logits\n`);
  });

  it('a zip whose data.pkl is its last record, from standard input, sniffed or named pt', async () => {
    const want = expected.cli.find((c) => c.argv.join(' ') === 'ce reordered.bin')!.loss;
    for (const format of [[], ['--format', 'pt']]) {
      const r = await runCli(['ce', '-', '--json', ...format], {}, false, readFileSync(at('reordered.bin')));
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(Math.abs((JSON.parse(r.stdout) as { loss: number }).loss - want)).toBeLessThanOrEqual(1e-12 * want);
    }
    const named = await runCli(['ce', at('reordered.bin'), '--format', 'pt', '--json']);
    expect([named.code, named.stderr]).toEqual([0, '']);
  });

  it('the first bytes of a stream, short of the central directory, do not decide between torch.save and npz', () => {
    const head = readFileSync(at('reordered.bin')).subarray(0, SNIFF_BYTES);
    expect(() => checkContent(head, 'pt', '-')).not.toThrow();
    expect(() => checkContent(head, 'npz', '-')).not.toThrow();
    expect(() => checkContent(head, 'csv', '-')).toThrow('this is an npz archive (by its first bytes), not CSV text');
  });

  it('stdin holds both operands: -:logits -:labels', async () => {
    const r = await runCli(['ce', '-:logits', '-:labels', '--json'], {}, false, readFileSync(at('dump.pt')));
    const want = expected.cli.find((c) => c.argv.join(' ') === 'ce dump.pt:logits dump.pt:labels')!.loss;
    expect(r.code).toBe(0);
    expect(Math.abs((JSON.parse(r.stdout) as { loss: number }).loss - want)).toBeLessThanOrEqual(1e-12 * want);
  });
});

describe('keys', () => {
  it('an unknown key lists the keys that hold tensors or numbers', async () => {
    const r = await runCli(['ce', at('scalars.pt:nope'), at('dump.pt:labels')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`losscalc: ${at('scalars.pt')}: no array "nope" in the torch.save file; the keys are "zero_d", "zero_d_int", "py_float", "py_int", "py_bool"\n`);
  });

  it('a file of one tensor takes no key', async () => {
    const r = await runCli(['ce', at('single.pt:x'), at('dump.pt:labels')]);
    expect(r.stderr).toBe(`losscalc: ${at('single.pt')}: this torch.save file holds a single array and has no keys (got ':x')\n`);
    expect(r.code).toBe(2);
  });

  it('a key missing from a file of no arrays is named, before the labels are looked for', async () => {
    const r = await runCli(['ce', at('empty.pt:x')]);
    expect(r.stderr).toBe(`losscalc: ${at('empty.pt')}: no array "x" in the torch.save file; the torch.save file holds no arrays\n`);
    expect(r.code).toBe(2);
  });

  it('a tuple key is listed as Python spells it', async () => {
    const r = await runCli(['ce', at('key_kinds.pt:x')]);
    expect(r.stderr).toBe(`losscalc: ${at('key_kinds.pt')}: no array "x" in the torch.save file; the keys are "(0, 1)", "labels", "None", "1.0", "2.5", "('a', 3)"\n`);
    expect(r.code).toBe(2);
  });

  it('a torch.save file named .npz says what it is', async () => {
    const r = await runCli(['ce', at('torch_zip.npz:logits'), at('dump.pt:labels')]);
    expect(r.stderr).toBe(`losscalc: ${at('torch_zip.npz')}: this is a torch.save file (it holds dump/data.pkl), not an npz archive: rename it to .pt\n`);
    expect(r.code).toBe(2);
  });
});

/** What each hostile fixture must print (after `losscalc: <file>: `). */
const REFUSALS: Record<string, string> = {
  'hostile/system.pt': 'refuses to load posix.system: losscalc reads tensors only',
  'hostile/open.pt': 'refuses to load builtins.open: losscalc reads tensors only',
  'hostile/eval.pt': 'refuses to load builtins.eval: losscalc reads tensors only',
  'hostile/legacy_system.pt': 'refuses to load posix.system: losscalc reads tensors only',
  'hostile/stack_global.pt': 'refuses to load os.system: losscalc reads tensors only',
  'hostile/inst.pt': 'data.pkl byte 19: refuses the pickle opcode INST: losscalc reads tensors only',
  'hostile/huge_storage.pt':
    'tensor of shape (1099511627776,) in data/0: its storage claims 1099511627776 elements of float32 (4398046511104 bytes) from element 0, and the file holds 16 bytes',
  'hostile/huge_view.pt': "tensor of shape (1073741824, 1073741824) in data/0: storage offset 0 and strides (1, 1) reach element 2147483646, past the storage's 4",
  'hostile/repeated.pt':
    "tensor of shape (4194304, 2) in data/0: 8388608 elements repeat the storage's 2 (a stride of 0, as expand() makes) beyond 16 MiB: save x.contiguous()",
  'hostile/repeated_half.pt':
    "tensor of shape (4194304, 2) in data/0: 8388608 elements repeat the storage's 2 (a stride of 0, as expand() makes) beyond 16 MiB: save x.contiguous()",
  'hostile/unknown_opcode.pt': 'data.pkl byte 3: unknown pickle opcode 0xff',
  'hostile/memo.pt': 'data.pkl byte 5: memo 7 was never stored',
  'hostile/self.pt': 'a list that holds itself at key "0"',
  'hostile/long.pt': 'data.pkl byte 2: a text argument longer than 64 bytes',
  'hostile/long4.pt': 'data.pkl byte 2: an integer of 1000000 bytes, too large for a size or a value',
  'hostile/deep.pt': `containers nested more than 64 deep at key "${Array(64).fill('0').join('.')}"`,
  'hostile/bytes8.pt': 'data.pkl byte 2: truncated pickle: an argument of 1152921504606846976 bytes, and 1 are left',
  'hostile/sparse.pt': 'refuses to load torch._utils._rebuild_sparse_tensor (a sparse tensor): losscalc reads dense tensors only; save it with .to_dense()',
  'hostile/numpy_array.pt':
    'refuses to load numpy.core.multiarray._reconstruct (a NumPy array or scalar): losscalc reads dense tensors only; save torch.from_numpy(a) instead, or the array with np.save',
  'hostile/tar.pt': 'a torch.save file from before PyTorch 1.0 (a tar archive): load it with torch.load and save it again with a newer PyTorch',
  'hostile/duplicate_record.pt': 'the archive holds entry "duplicate_record/data/0" twice',
  'hostile/same_key_int.pt': 'duplicate key "0": two values of the saved object go by that name',
  'hostile/same_key_dotted.pt': 'duplicate key "a.b": two values of the saved object go by that name',
};

describe('hostile files are refused and nothing in them runs', () => {
  it('every hostile fixture has its message here', () => {
    expect(Object.keys(REFUSALS).sort()).toEqual(Object.keys(expected.hostile).sort());
  });

  it.each(Object.entries(expected.hostile))('%s', (name, { creates }) => {
    // the binary, spawned in an empty folder: a pickle that ran would leave its file there
    const cwd = mkdtempSync(join(tmpdir(), 'losscalc-torch-'));
    const r = spawnSync(process.execPath, [BIN, 'ce', at(name), at('dump.pt:labels')], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe(`losscalc: ${at(name)}: ${REFUSALS[name]}\n`);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    if (creates !== undefined) expect(existsSync(join(cwd, creates))).toBe(false);
  });
});

describe('broken torch zips', () => {
  const archive = readFileSync(at('single.pt')); // a zip: its records, one of them broken in each test
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-torch-zip-'));
  const src = bufferSource(archive, 'single.pt');
  const records = Object.fromEntries(readZipDirectory(src, 'single.pt').map((e) => [e.name, readZipEntry(src, e, 'single.pt')]));
  const write = (name: string, files: Record<string, Uint8Array>) => {
    writeFileSync(join(dir, name), zipSync(files, { level: 0 }));
    return join(dir, name);
  };

  it('a storage the pickle names and the archive lacks', async () => {
    const path = write('missing.pt', { 'single/data.pkl': records['single/data.pkl'] });
    const r = await runCli(['ce', path, at('dump.pt:labels')]);
    expect(r.stderr).toBe(`losscalc: ${path}: the pickle names storage "0", and there is no data/0 record\n`);
    expect(r.code).toBe(2);
  });

  it('a byteorder record that is neither little nor big', async () => {
    const path = write('order.pt', { ...records, 'single/byteorder': new TextEncoder().encode('middle') });
    const r = await runCli(['ce', path, at('dump.pt:labels')]);
    expect(r.stderr).toBe(`losscalc: ${path}: the byteorder record says "middle", not "little" or "big"\n`);
    expect(r.code).toBe(2);
  });

  it('a storage shorter than its persistent id claims', async () => {
    const path = write('short.pt', { ...records, 'single/data/0': records['single/data/0'].subarray(0, 16) });
    const r = await runCli(['ce', path, at('dump.pt:labels')]);
    expect(r.stderr).toBe(`losscalc: ${path}: tensor of shape (6, 5) in data/0: its storage claims 30 elements of float64 (240 bytes) from element 0, and the file holds 16 bytes\n`);
    expect(r.code).toBe(2);
  });

  it('a persistent id that names a dtype, not a storage class', async () => {
    const pkl = new TextDecoder('latin1').decode(records['single/data.pkl']).replace('torch\nDoubleStorage\n', 'torch\nfloat64\n');
    const path = write('dtype.pt', { ...records, 'single/data.pkl': Uint8Array.from(pkl, (c) => c.charCodeAt(0)) });
    const r = await runCli(['ce', path, at('dump.pt:labels')]);
    expect(r.stderr).toMatch(/^losscalc: .*dtype\.pt: data\.pkl byte \d+: the persistent id names no storage class\n$/);
    expect(r.code).toBe(2);
  });

  it('a list of 200000 numbers, appended at once, is read (no stack overflow)', async () => {
    const pkl = `\x80\x02](${'K\x00'.repeat(200_000)}e.`;
    const path = write('wide.pt', { 'wide/data.pkl': Uint8Array.from(pkl, (c) => c.charCodeAt(0)) });
    const r = await runCli(['ce', path, at('dump.pt:labels')]);
    expect(r.stderr).toMatch(/^losscalc: .*wide\.pt: the torch\.save file holds 200000 arrays: pick one as .*wide\.pt:<key>; the keys are "0", "1", .* and 199980 more\n$/);
    expect(r.code).toBe(2);
  });

  it('deflated records (a torch zip compressed again) read the same', async () => {
    const path = join(dir, 'deflated.pt');
    writeFileSync(path, zipSync(records, { level: 6 }));
    expect(Array.from(toFloat64(await readInput(path)))).toEqual(expected.tensors['single.pt'].values);
    expect(parseTorch(readFileSync(path), 'deflated.pt').single).toBe(true);
  });
});
