/**
 * An npz archive over 2 GiB (opt-in: LOSSCALC_LARGE_NPZ=1 npx vitest run test/io/npz-large.test.ts).
 * It writes 2.45 GB to the system's tmp (removed afterwards) and takes 20 s or more, so the
 * default suite skips it; the small zip64 archives of npz.test.ts run there instead.
 *
 * The archive is laid out as numpy writes large arrays (zip64: sizes 0xFFFFFFFF in the local
 * headers, the real ones in their zip64 extra fields): 6,000,500 x 100 float32 logits (2.4 GB,
 * so the labels entry starts past 2 GiB) and int64 labels, both stored. Their values, and
 * PyTorch's cross-entropy over them, come from scripts/make_io_fixtures.py (large_npz).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifest } from './manifest.js';
import { writeZipFile } from './zip-maker.js';

const { rows, classes, period, cross_entropy_mean: expected } = (manifest as unknown as { large_npz: Record<string, number> }).large_npz;
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');

/** An NPY header (version 1.0, padded to 64 bytes) for a C-order array. */
function npyHeader(descr: string, shape: number[]): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  dict += ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + dict.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/** `header`, then `block` (whole periods of rows) repeated until `rows` rows are written. */
function* periodic(header: Uint8Array, block: Uint8Array, blockRows: number): Iterable<Uint8Array> {
  yield header;
  for (let done = 0; done < rows; done += blockRows) yield block;
}

describe.runIf(process.env.LOSSCALC_LARGE_NPZ === '1')('an npz archive over 2 GiB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-large-npz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives PyTorch's cross-entropy", () => {
    const blockRows = period * 5; // divides the rows
    expect(rows % blockRows).toBe(0);
    const x = new Float32Array(blockRows * classes);
    const y = new BigInt64Array(blockRows);
    for (let i = 0; i < blockRows; i++) {
      for (let j = 0; j < classes; j++) x[i * classes + j] = ((((i * 7 + j * 3) % 11) - 5) / 4);
      y[i] = BigInt(i % classes);
    }
    const logits = npyHeader('<f4', [rows, classes]);
    const labels = npyHeader('<i8', [rows]);
    const path = join(dir, 'large.npz');
    writeZipFile(
      path,
      [
        { name: 'logits.npy', size: logits.length + rows * classes * 4, chunks: () => periodic(logits, new Uint8Array(x.buffer), blockRows) },
        { name: 'labels.npy', size: labels.length + rows * 8, chunks: () => periodic(labels, new Uint8Array(y.buffer), blockRows) },
      ],
      { local64: true, central64: false, end64: false },
    );
    const r = spawnSync(process.execPath, [BIN, 'ce', `${path}:logits`, `${path}:labels`, '-q'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const loss = Number(r.stdout);
    expect(Math.abs(loss - expected)).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
  }, 600_000);
});
