/**
 * The README's error table is the contract: every row names an error class, the exit code and
 * the exact message. Each row has a scenario here that must print exactly that line, and every
 * scenario must have its row, so the table and the tool cannot drift apart.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { encodeNpy } from '../src/io/npy.js';
import { descriptorOutput } from '../src/report/output.js';
import { runCli, type RunOutput } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const section = readFileSync(join(ROOT, 'README.md'), 'utf8').split('## Errors')[1]?.split('\n## ')[0] ?? '';
/** | class | exit | `message` | */
const rows = [...section.matchAll(/^\| ([^|]+?) \| (\d) \| `([^`]+)` \|$/gm)].map((m) => ({ what: m[1], exit: Number(m[2]), message: m[3] }));

const dir = mkdtempSync(join(tmpdir(), 'losscalc-errors-'));
const at = (name: string) => join(dir, name);
const write = (name: string, data: string | Uint8Array) => (writeFileSync(at(name), data), name);
const f64 = (values: number[], shape: number[]) => encodeNpy({ data: Float64Array.from(values), shape, dtype: 'float64' });
const i64 = (values: number[]) => encodeNpy({ data: BigInt64Array.from(values.map(BigInt)), shape: [values.length], dtype: 'int64' });

/** An NPY file with a hand-written header dict and `dataBytes` zero bytes of data. */
function npy(header: string, dataBytes: number, version = 1): Uint8Array {
  let h = header;
  while ((10 + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const out = new Uint8Array(10 + h.length + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, h.length & 0xff, h.length >> 8]);
  out.set(new TextEncoder().encode(h), 10);
  return out;
}

/** `bytes` with the byte at `at` flipped. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
  bytes[at] ^= 0x01;
  return bytes;
}

function safetensors(header: string, dataBytes: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

/** A torch.save file that scripts/make_torch_fixtures.py wrote. */
const torchFixture = (name: string) => readFileSync(join(ROOT, 'fixtures', 'torch', name));

/** A --json result of cross-entropy over two samples; `edit` changes fields or settings. */
function result(edit: { sum?: number; perSample?: number[]; labelSmoothing?: number }): string {
  const perSample = edit.perSample ?? [1, 0.5];
  const settings = { ignoreIndex: -100, labelSmoothing: edit.labelSmoothing ?? 0, logSoftmax: false, weight: null, posWeight: null, classes: 4, classDim: -1 };
  const inputs = { logits: ['1'.repeat(64)], labels: ['2'.repeat(64)] };
  return JSON.stringify({ mode: 'cross-entropy', reduction: 'mean', count: 2, sum: edit.sum ?? 1.5, weightSum: 2, shape: [2], perSample, settings, inputs });
}
write('a.json', result({}));

// 10 samples x 4 classes, labels 0..3
const LOGITS = write('logits.npy', f64(Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]));
const LABELS = write('labels.npy', i64([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]));
mkdirSync(at('a-directory'));

/** The command for each class; files are named relative to the scenario folder. */
const scenarios: Record<string, string[]> = {
  'missing file': ['ce', 'nope.npy', LABELS],
  'a directory': ['ce', 'a-directory', LABELS],
  'empty file': ['ce', write('empty.csv', ''), LABELS],
  'binary data of unknown format': ['ce', write('noise.bin', new Uint8Array([0x31, 0x2c, 0x32, 0x0a, 0, 0xff])), LABELS],
  // pickle.dumps(1, protocol=4)
  'a binary format losscalc does not read': ['ce', write('dump.pkl', new Uint8Array([0x80, 0x04, 0x4b, 0x01, 0x2e])), LABELS],
  'gzip that cannot be decompressed': ['ce', write('cut.csv.gz', gzipSync('1,2,3,4\n'.repeat(10)).subarray(0, 16)), LABELS],
  'one file: no labels found by name': ['ce', write('nolabels.npz', zipSync({ 'logits.npy': f64([1, 2], [1, 2]), 'w.npy': f64([1, 1], [2]) }))],
  'one file: several arrays named as logits': [
    'ce',
    write('two.npz', zipSync({ 'logits.npy': f64([1, 2], [1, 2]), 'outputs.npy': f64([1, 2], [1, 2]), 'labels.npy': i64([0]) })),
  ],
  'one file: a format that holds one array': ['ce', LOGITS],
  'CSV: only a header': ['ce', write('header.csv', 'cat,dog,bird\n'), LABELS],
  'CSV: non-numeric cell': ['ce', write('cell.csv', '1,2,3\n4,abc,6\n'), LABELS],
  'CSV: ragged row': ['ce', write('ragged.csv', '1,2,3\n4,5\n'), LABELS],
  'CSV: unknown label column': ['ce', write('table.csv', 'a,b,label\n1,2,0\n'), '--label-column', 'target'],
  'CSV: a first row of numbers and text': ['ce', write('mixed.csv', '0.1,0.2,abc,1\n0.3,0.4,0.5,2\n0.6,0.1,0.2,0\n'), '--label-column', '-1'],
  "CSV: pandas' unnamed index column": ['ce', write('pandas.csv', ',0,1,2,3\n0,0.5,1.0,-2.0,0.25\n'), LABELS],
  'JSON: syntax': ['ce', write('bad.json', '[[1, 2],\n [3, ]]'), LABELS],
  'JSON: ragged nesting': ['ce', write('ragged.json', '[[1, 2], [3]]'), LABELS],
  'NPY: bad magic': ['ce', write('magic.npy', new Uint8Array(64)), LABELS],
  'NPY: version': ['ce', write('version.npy', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, 9)), LABELS],
  'NPY: malformed header': ['ce', write('header.npy', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,) ", 16)), LABELS],
  'NPY: unsupported dtype': ['ce', write('complex.npy', npy("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", 32)), LABELS],
  'NPY: truncated data': ['ce', write('truncated.npy', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (10, 4), }", 100)), LABELS],
  'NPY: a huge claimed shape': ['ce', write('huge.npy', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", 16)), LABELS],
  'NPY: too many dims': ['ce', write('deep.npy', npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${Array(65).fill(1).join(', ')}), }`, 8)), LABELS],
  'NPY: trailing bytes': ['ce', write('trailing.npy', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 20)), LABELS],
  'NPZ: no key given': ['ce', write('dump.npz', zipSync({ 'logits.npy': f64([1, 2], [1, 2]), 'labels.npy': i64([0]) })), LABELS],
  'NPZ: unknown key': ['ce', 'dump.npz:outputs', LABELS],
  'NPZ: data that does not match its CRC-32': ['ce', write('corrupt.npz', flipped(zipSync({ 'logits.npy': [f64([1, 2], [1, 2]), { level: 0 }] }), 30 + 10 + 130)), LABELS],
  'torch.save: a global outside the allow-list': ['ce', write('eval.pt', torchFixture('hostile/eval.pt')), LABELS],
  'torch.save: a view past its storage': ['ce', write('view.pt', torchFixture('hostile/huge_view.pt')), LABELS],
  'torch.save: a file named as an npz archive': ['ce', write('model.npz', torchFixture('dump.pt')), LABELS],
  'torch.save: a record twice': ['ce', write('twice.pt', torchFixture('hostile/duplicate_record.pt')), LABELS],
  'torch.save: two values by one name': ['ce', write('same.pt', torchFixture('hostile/same_key_int.pt')), LABELS],
  'safetensors: offsets outside the file': [
    'ce',
    write('model.safetensors', safetensors('{"logits":{"dtype":"F64","shape":[4],"data_offsets":[0,64]}}', 32)),
    LABELS,
  ],
  'label out of range': ['ce', LOGITS, write('big-label.npy', i64([0, 1, 2, 3, 0, 12, 2, 3, 0, 1]))],
  'label not an integer': ['ce', LOGITS, write('frac.json', '[0, 1, 2, 2.5, 0, 1, 2, 3, 0, 1]')],
  'a probability outside [0, 1]': ['bce-probs', write('probs.npy', f64([0.5, 0.1, 1.5, 0.2], [2, 2])), write('binary.npy', f64([1, 0, 1, 0], [2, 2]))],
  'labels counted from 1': ['ce', LOGITS, write('one-based.npy', i64([1, 2, 4, 3, 4, 1, 2, 3, 4, 1]))],
  'a segmentation void label': ['ce', LOGITS, write('void.npy', i64([0, 1, 255, 3, 2, 255, 1, 0, 3, 2]))],
  'shapes that do not fit': ['ce', LOGITS, write('short.npy', i64([0, 1, 2]))],
  '(B, T) labels of (B, T, V) logits': [
    'ce',
    write('lm-logits.npy', f64(Array.from({ length: 30 }, (_, i) => Math.cos(i)), [2, 3, 5])),
    write('lm-labels.npy', encodeNpy({ data: BigInt64Array.from([0n, 1n, 4n, 2n, 3n, 0n]), shape: [2, 3], dtype: 'int64' })),
  ],
  'a class dim the logits do not have': ['ce', LOGITS, LABELS, '--class-dim', '2'],
  'shards that do not fit': ['ce', '-l', LOGITS, '-l', write('narrow.npy', f64([1, 2, 3], [1, 3])), '-y', LABELS, '-y', LABELS],
  '--id-column: a column the CSV does not have': ['ce', write('ids.csv', 'a,b,label\n1,2,0\n'), '--label-column', 'label', '--id-column', 'image'],
  '--id-column: not a CSV file': ['ce', LOGITS, LABELS, '--id-column', '0'],
  '--class-names: a count other than C': ['ce', LOGITS, LABELS, '--class-names', write('names.txt', 'cat\ndog\nbird\n')],
  'table shards whose columns differ': ['ce', '-l', write('ta.csv', 'a,b,label\n1,2,0\n'), '-l', write('tb.csv', 'b,a,label\n2,1,0\n'), '--label-column', 'label'],
  'merge: a part that does not add up': ['merge', write('part2.json', result({ sum: 12.5, perSample: [10, 0.25] }))],
  'merge: parts computed with other settings': ['merge', 'a.json', write('b.json', result({ labelSmoothing: 0.1 }))],
  'merge: a shard given twice': ['merge', 'a.json', write('c.json', result({}))],
  'merge: a result of an older losscalc': ['merge', write('old.json', JSON.stringify({ ...JSON.parse(result({})), settings: undefined }))],
  'merge: reduction none without the losses': ['merge', write('none.json', JSON.stringify({ ...JSON.parse(result({})), reduction: 'none', perSample: undefined }))],
  'merge: a loss that is not its perSample': ['merge', write('loss.json', JSON.stringify({ ...JSON.parse(result({})), reduction: 'none', loss: [1, 0.75] }))],
  'merge: a part that ends inside its perSample': ['merge', write('cut.json', result({}).replace(/"perSample":\[1,.*/, '"perSample":[1,'))],
  'weight of the wrong size': ['ce', LOGITS, LABELS, '--weight', '1,2,3'],
  'pos_weight of the wrong size': ['bce', LOGITS, write('targets.npy', f64(new Array(40).fill(1), [10, 4])), '--pos-weight', '1,2'],
  'label smoothing outside [0, 1]': ['ce', LOGITS, LABELS, '--label-smoothing', '1.5'],
  'a number not in decimal': ['ce', LOGITS, LABELS, '--ignore-index', '0x1'],
  'bad reduction': ['ce', LOGITS, LABELS, '--reduction', 'avg'],
  'bad mode': ['crossentropy', LOGITS, LABELS],
  'an unknown option': ['ce', LOGITS, LABELS, '--ignore_index', '3'],
  'an option the mode does not take': ['gather', LOGITS, LABELS, '--weight', '1,1,1,1'],
  'conflicting options': ['ce', LOGITS, LABELS, '-q', '--json'],
  'stdout that cannot be written': ['ce', LOGITS, LABELS],
  'a file that cannot be written': ['ce', LOGITS, LABELS, '--save-per-sample', '/dev/full'],
  '--save-per-sample onto an input': ['ce', write('lx.csv', '0.5,0.25\n0.125,1\n'), write('ly.csv', '0\n1\n'), '--save-per-sample', 'ly.csv'],
  '--report onto an input': ['ce', write('rx.html', '0.5,0.25\n0.125,1\n'), write('ry.csv', '0\n1\n'), '--format', 'csv', '--report', 'rx.html'],
  'one file given twice to --save-per-sample': ['ce', LOGITS, LABELS, '--save-per-sample', 'o.csv', '--save-per-sample', 'o.csv'],
  'class names that are no list': ['ce', LOGITS, LABELS, '--class-names', '/dev/zero'],
  // more unreduced losses than are kept in memory (1 Mi), with TMPDIR naming a missing folder
  'a temporary file that cannot be made': ['bce-logits', write('wide.npy', encodeNpy({ data: new Float32Array(1100 * 1000), shape: [1100, 1000], dtype: 'float32' })), 'wide.npy', '--reduction', 'none', '-q'],
};

/** Scenarios run with TMPDIR naming a folder that does not exist. */
const MISSING_TMPDIR = new Set(['a temporary file that cannot be made']);

/** Scenarios run with stdout on a full device (/dev/full), as on a full disk. */
const FULL_STDOUT = new Set(['stdout that cannot be written']);

async function runFullStdout(args: string[]): Promise<RunOutput> {
  const fd = openSync('/dev/full', 'w');
  let stderr = '';
  try {
    const code = await run(args, { stdout: descriptorOutput(fd), stderr: { write: (s: string) => (stderr += s) }, env: {}, isTTY: false });
    return { code, stdout: '', stderr };
  } finally {
    closeSync(fd);
  }
}

describe('the README error table', () => {
  it('has a row for every scenario and a scenario for every row', () => {
    expect(rows.map((r) => r.what).sort()).toEqual(Object.keys(scenarios).sort());
  });
  for (const row of rows) {
    it(`${row.what}: exit ${row.exit}, ${row.message}`, async () => {
      const args = scenarios[row.what];
      expect(args, `no scenario for "${row.what}"`).toBeDefined();
      const cwd = process.cwd();
      const tmp = process.env.TMPDIR;
      process.chdir(dir);
      if (MISSING_TMPDIR.has(row.what)) process.env.TMPDIR = 'no-such-folder';
      try {
        const r = FULL_STDOUT.has(row.what) ? await runFullStdout(args) : await runCli(args);
        expect(r.code).toBe(row.exit);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`${row.message}\n`);
      } finally {
        process.chdir(cwd);
        if (tmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = tmp;
      }
    });
  }
});
