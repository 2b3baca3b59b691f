/**
 * One file with everything (logits and labels found by name in one container), gzip read
 * transparently, and binary formats losscalc does not read, each refused by name. The files
 * come from scripts/make_io_fixtures.py (make_inputs); PyTorch's losses over them are in the
 * manifest's `cli` list, which test/cli.test.ts runs; here, what they share and the errors.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { keyByName, ARRAY_NAMES } from '../../src/io/by-name.js';
import type { Container } from '../../src/io/container.js';
import { foreignFormat } from '../../src/io/foreign.js';
import { parseInput } from '../../src/io/format.js';
import { openCsvFile } from '../../src/io/csv-file.js';
import { runCli } from '../helpers.js';
import { FIXTURES } from './manifest.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { cli: { argv: string[]; loss: number }[] }).cli;
/** PyTorch's loss for the manifest's command that starts with these arguments. */
function lossOf(...argv: string[]): number {
  const found = cli.find((c) => argv.every((a, i) => c.argv[i] === a));
  if (found === undefined) throw new Error(`manifest: no command ${argv.join(' ')}`);
  return found.loss;
}
const fixture = (name: string) => join(FIXTURES, name);

function losscalc(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectLoss(r: { code: number | null; stdout: string; stderr: string }, want: number): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const loss = Number(r.stdout.trim());
  expect(Math.abs(loss - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
}

function container(keys: string[]): Container {
  return { kind: 'npz archive', keys, read: () => ({ data: new Float64Array(0), shape: [0], dtype: 'float64' }) };
}

describe('arrays found by name', () => {
  it.each(ARRAY_NAMES.logits.flatMap((l) => ARRAY_NAMES.labels.map((y) => [l, y])))('logits %s and labels %s', (l, y) => {
    const c = container(['epoch', y, l, 'weight']);
    expect(keyByName(c, 'logits', 'd.npz')).toBe(l);
    expect(keyByName(c, 'labels', 'd.npz', l)).toBe(y);
  });

  it('a nested key by its last part; a key that is a name itself wins over nested ones', () => {
    expect(keyByName(container(['model.outputs', 'meta.epoch', 'targets']), 'logits', 'd.json')).toBe('model.outputs');
    expect(keyByName(container(['aux.logits', 'logits', 'y']), 'logits', 'd.json')).toBe('logits');
    // a part that only contains a name does not match
    expect(() => keyByName(container(['logits_aux', 'my_labels']), 'labels', 'd.json')).toThrow(/no key/);
  });

  it('the key taken by the logits is not the labels', () => {
    expect(() => keyByName(container(['y']), 'labels', 'd.npz', 'y')).toThrow(/no key/);
  });

  it('zero matches list the keys; several list the matches', () => {
    expect(() => keyByName(container(['a', 'b']), 'logits', 'd.npz')).toThrow(
      'no key of the npz archive names the logits ("logits", "outputs", "output", "preds", "predictions", "scores", "y_pred"); the keys are "a", "b": give them as d.npz:<key>',
    );
    expect(() => keyByName(container(['logits', 'target', 'label']), 'labels', 'd.npz', 'logits')).toThrow(
      'several keys of the npz archive name the labels: "target", "label"; give them as a second operand, d.npz:<key>',
    );
    expect(() => keyByName(container(['train.logits', 'val.logits']), 'logits', 'd.npz')).toThrow(
      'several keys of the npz archive name the logits: "train.logits", "val.logits"; give them as d.npz:<key>',
    );
    expect(() => keyByName(container([]), 'logits', 'e.npz')).toThrow('; it holds no arrays: give them as e.npz:<key>');
  });
});

describe('one file with everything on the command line', () => {
  it('reads both arrays from standard input too', () => {
    expectLoss(losscalc(['ce', '-', '-q'], readFileSync(fixture('one_file.npz'))), lossOf('ce', 'one_file.npz'));
    expectLoss(losscalc(['ce', '-', '-q'], readFileSync(fixture('one_file.npz.gz'))), lossOf('ce', 'one_file.npz'));
  });

  it('splits the rows across threads as it does for two files', () => {
    expectLoss(losscalc(['ce', fixture('one_file.npz'), '-j', '2', '-q']), lossOf('ce', 'one_file.npz'));
  });

  it('--json digests are the file and the key found, for merge', () => {
    const r = losscalc(['ce', fixture('one_file_two.npz:outputs'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const sha = createHash('sha256').update(readFileSync(fixture('one_file_two.npz'))).digest('hex');
    expect(JSON.parse(r.stdout).inputs).toEqual({ logits: [`${sha}:outputs`], labels: [`${sha}:label`] });
    const shards = JSON.parse(losscalc(['ce', '-l', fixture('one_file_0.npz'), '-l', fixture('one_file_1.npz'), '--json']).stdout);
    const digest = (name: string) => createHash('sha256').update(readFileSync(fixture(name))).digest('hex');
    expect(shards.inputs.labels).toEqual([`${digest('one_file_0.npz')}:labels`, `${digest('one_file_1.npz')}:labels`]);
  });

  it('gzip on standard input is hashed as it was read, decompressed, however it comes in', async () => {
    const sha = createHash('sha256').update(readFileSync(fixture('one_file.npz'))).digest('hex');
    const want = { logits: [`${sha}:logits`], labels: [`${sha}:labels`] };
    const gz = readFileSync(fixture('one_file.npz.gz'));
    expect(JSON.parse(losscalc(['ce', '-', '--json'], gz).stdout).inputs).toEqual(want);
    expect(JSON.parse((await runCli(['ce', '-', '--json'], {}, false, gz)).stdout).inputs).toEqual(want);
  });

  it('an error in the labels found names the file and key', () => {
    const bad = join(dir, 'bad-label.json');
    writeFileSync(bad, JSON.stringify({ logits: [[1, 2], [3, 4]], labels: [0, 5] }));
    const r = losscalc(['ce', bad]);
    expect([r.code, r.stderr]).toEqual([2, `losscalc: ${bad}:labels: label 5 at index 1 is outside [0, 2)\n`]);
  });

  it('a file of a format that holds one array says the labels are missing, without reading it', () => {
    const r = losscalc(['ce', fixture('gz_preds.csv.gz')]);
    expect([r.code, r.stderr]).toEqual([
      2,
      `losscalc: ${fixture('gz_preds.csv.gz')}: missing labels: CSV text holds one array; give the labels as a second operand or with --labels <file>, or name their column with --label-column\n`,
    ]);
    const json = join(dir, 'array.json');
    writeFileSync(json, '[[1, 2]]');
    expect(losscalc(['ce', json]).stderr).toBe(`losscalc: ${json}: missing labels: JSON holds one array; give the labels as a second operand or with --labels <file>\n`);
  });
});

describe('gzip', () => {
  it('the same bytes decompressed on standard input, with the format asked for', () => {
    expectLoss(losscalc(['ce', '-', fixture('gz_labels.npy.gz'), '-q'], readFileSync(fixture('gz_preds.csv.gz'))), lossOf('ce', 'gz_preds.csv.gz'));
    const tsv = losscalc(['ce', '-', fixture('gz_labels.npy.gz'), '--format', 'tsv', '--weight', fixture('gz_weight.json.gz'), '-q'], readFileSync(fixture('gz_preds.tsv.gz')));
    expectLoss(tsv, lossOf('ce', 'gz_preds.tsv.gz'));
  });

  it('gzip inside gzip, and gzip cut short, are errors', () => {
    const twice = losscalc(['ce', fixture('gz_twice.npy.gz.gz'), fixture('gz_labels.npy.gz')]);
    expect([twice.code, twice.stderr]).toEqual([2, `losscalc: ${fixture('gz_twice.npy.gz.gz')}: gzip-compressed data: decompress it first (gunzip)\n`]);
    const cut = losscalc(['ce', fixture('gz_truncated.npy.gz'), fixture('gz_labels.npy.gz')]);
    expect([cut.code, cut.stderr]).toEqual([2, `losscalc: ${fixture('gz_truncated.npy.gz')}: gzip data that cannot be decompressed: unexpected end of file\n`]);
    const stdin = losscalc(['ce', '-', fixture('gz_labels.npy.gz')], readFileSync(fixture('gz_truncated.npy.gz')));
    expect([stdin.code, stdin.stderr]).toEqual([2, 'losscalc: -: gzip data that cannot be decompressed: unexpected end of file\n']);
  });

  it('a bomb of zeros ends at its first bytes, in little time and memory', () => {
    const bomb = join(dir, 'zeros.csv.gz');
    writeFileSync(bomb, gzipSync(new Uint8Array(2 ** 28), { level: 9 })); // 256 MiB of zeros in 256 KiB
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', BIN, 'ce', bomb, fixture('gz_labels.npy.gz')], { encoding: 'utf8', timeout: 30_000 });
    expect([r.status, r.stderr]).toEqual([2, `losscalc: ${bomb}: binary data, not CSV text: a NUL byte at byte 0\n`]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('binary formats losscalc does not read', () => {
  const pickle = 'a Python pickle: losscalc does not run pickles; save the arrays with torch.save, np.save or safetensors';
  const hdf5 = 'an HDF5 file: losscalc does not read HDF5; save each array with np.save (np.save("logits.npy", f["logits"][()]) with h5py)';
  const refused: [string, string][] = [
    ['pickle_p2.pkl', pickle],
    ['pickle_p4.pkl', pickle],
    ['pickle_p5.pkl', pickle],
    ['pickle_named.csv', pickle],
    ['arrays.h5', hdf5],
    ['userblock.h5', hdf5],
    ['arrays.tar', 'a tar archive: extract it (tar -xf) and give the files inside'],
    ['logits.npy.zst', 'zstd-compressed data: losscalc does not read zstd; decompress it first (zstd -d), or compress with gzip, which losscalc reads'],
    ['logits.npy.xz', 'xz-compressed data: losscalc does not read xz; decompress it first (xz -d), or compress with gzip, which losscalc reads'],
    ['preds.csv.bz2', 'bzip2-compressed data: losscalc does not read bzip2; decompress it first (bunzip2), or compress with gzip, which losscalc reads'],
  ];

  it.each(refused)('%s, as a file, on standard input, and as labels', (name, message) => {
    const file = losscalc(['ce', fixture(name), fixture('gz_labels.npy.gz')]);
    expect([file.code, file.stderr]).toEqual([2, `losscalc: ${fixture(name)}: ${message}\n`]);
    const stdin = losscalc(['ce', '-', fixture('gz_labels.npy.gz')], readFileSync(fixture(name)));
    expect([stdin.code, stdin.stderr]).toEqual([2, `losscalc: -: ${message}\n`]);
    const labels = losscalc(['ce', fixture('gz_logits.npy.gz'), fixture(name)]);
    expect([labels.code, labels.stderr]).toEqual([2, `losscalc: ${fixture(name)}: ${message}\n`]);
  });

  it('whatever the extension or --format says, and inside gzip', async () => {
    const pkl = readFileSync(fixture('pickle_p4.pkl'));
    for (const name of ['p.npy', 'p.json', 'p.tsv', 'p.safetensors', 'p.npz']) {
      writeFileSync(join(dir, name), pkl);
      const r = await runCli(['ce', join(dir, name), fixture('gz_labels.npy.gz')]);
      expect([r.code, r.stderr]).toEqual([2, `losscalc: ${join(dir, name)}: ${pickle}\n`]);
    }
    const asked = await runCli(['ce', '-', fixture('gz_labels.npy.gz'), '--format', 'csv'], {}, false, pkl);
    expect(asked.stderr).toBe(`losscalc: -: ${pickle}\n`);
    const inside = join(dir, 'arrays.h5.gz');
    writeFileSync(inside, gzipSync(readFileSync(fixture('arrays.h5'))));
    expect((await runCli(['ce', inside])).stderr).toBe(`losscalc: ${inside}: ${hdf5}\n`);
    expect((await runCli(['ce', fixture('pickle_named.csv'), '--label-column', '0'])).stderr).toBe(`losscalc: ${fixture('pickle_named.csv')}: ${pickle}\n`);
  });

  it('a zip that is not an npz: an Excel workbook, zipped CSV files', async () => {
    const xml = new TextEncoder().encode('<x/>');
    const xlsx = join(dir, 'book.xlsx');
    writeFileSync(xlsx, zipSync({ '[Content_Types].xml': xml, '_rels/.rels': xml, 'xl/workbook.xml': xml, 'xl/worksheets/sheet1.xml': xml }));
    expect((await runCli(['ce', xlsx, fixture('gz_labels.npy.gz')])).stderr).toBe(`losscalc: ${xlsx}: an Excel workbook (xlsx), not an npz: save the sheet as CSV\n`);
    const csvs = join(dir, 'preds.zip');
    writeFileSync(csvs, zipSync({ 'preds.csv': readFileSync(fixture('savetxt.csv')), 'labels.csv': new TextEncoder().encode('0\n') }));
    for (const args of [[csvs, fixture('gz_labels.npy.gz')], [csvs], [`${csvs}:preds.csv`, fixture('gz_labels.npy.gz')]]) {
      const r = await runCli(['ce', ...args]);
      expect([r.code, r.stderr]).toEqual([2, `losscalc: ${csvs}: a zip archive with no .npy entries, so not an npz: unzip it and give the files inside ("preds.csv", "labels.csv")\n`]);
    }
  });

  it('a NUL byte in a file named as text is binary data, not a CSV error', async () => {
    const nul = join(dir, 'nul.csv');
    writeFileSync(nul, '1,2\n3,\0\n');
    const r = await runCli(['ce', nul, fixture('gz_labels.npy.gz')]);
    expect([r.code, r.stderr]).toEqual([2, `losscalc: ${nul}: binary data, not CSV text: a NUL byte at byte 6\n`]);
  });

  it('a NUL byte anywhere in a CSV file keeps it from the block reader, which would read it', () => {
    // found by the fuzzer: a NUL in a comment line, and a NUL line
    for (const [name, bytes] of [['comment.csv', '#\0\n1,1,1\n2,0,6'], ['line.csv', '\0\n2']]) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      expect(openCsvFile(path, 'csv', ',')).toBeUndefined();
      expect(() => parseInput(readFileSync(path), path, { format: 'csv' })).toThrow(/^binary data, not CSV text: a NUL byte at byte \d$/);
    }
  });

  it('magic that is not what it seems: torch legacy files, safetensors, NPY and zip are not refused', () => {
    const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
    expect(foreignFormat(legacy)).toBeUndefined();
    // a safetensors header of 640 bytes starts with 80 02, as a pickle does
    const header = `{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`.padEnd(640, ' ');
    const st = new Uint8Array(8 + 640 + 8);
    new DataView(st.buffer).setBigUint64(0, 640n, true);
    st.set(new TextEncoder().encode(header), 8);
    expect(Array.from(parseInput(st, 'x.safetensors').shape)).toEqual([1]);
    expect(foreignFormat(gzipSync('1,2\n'))?.name).toBe('gzip-compressed data');
    expect(() => parseInput(gzipSync('1,2\n'), 'x')).toThrow('gzip-compressed data: decompress it first (gunzip)');
  });
});
