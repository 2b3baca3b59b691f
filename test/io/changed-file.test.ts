/**
 * A file that changes while it is read in blocks — an NPY file, a stored NPZ entry (after its
 * CRC-32 pass), a CSV file — is an error, never a number from two versions of it. The file is
 * changed through the library API between the open and the read, or inside a read (from the
 * visit of its first block), so no timing is involved. A write is made visible to the check by
 * its size, or by setting the modification time, since file systems may keep one time for
 * writes in the same few milliseconds.
 */
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { streaming } from '../../src/io/npy-file.js';
import { openInput } from '../../src/io/read.js';
import { isValues, type Values } from '../../src/values.js';
import { inputError } from './helpers.js';
import { FIXTURES } from './manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-changed-'));
const saved = streaming.blockBytes;
afterEach(() => {
  streaming.blockBytes = saved;
});

const WRITTEN = 'the file changed while it was read: it was written to since it was opened';

/** Overwrite bytes of the file in place, as a writer would, and date the write a second later. */
function overwrite(path: string, at: number, bytes: Uint8Array, shiftTimes = 1): void {
  const whole = readFileSync(path);
  whole.set(bytes, at);
  const before = statSync(path);
  writeFileSync(path, whole);
  utimesSync(path, before.atime, new Date(before.mtimeMs + shiftTimes * 1000));
}

async function opened(spec: string): Promise<Values> {
  const v = await openInput(spec);
  expect(isValues(v)).toBe(true);
  return v as Values;
}

/** Read every row of `v` in blocks, calling `during` after the first block. */
function readAll(v: Values, during: () => void = () => {}): void {
  const unit = v.shape.slice(1).reduce((a, b) => a * b, 1);
  let first = true;
  v.read(unit, 0, v.shape[0], () => {
    if (first) during();
    first = false;
  });
}

const npyFile = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy({ data: Float64Array.from({ length: 256 }, (_, i) => i / 7), shape: [64, 4], dtype: 'float64' }));
  return path;
};

describe('an NPY file read in blocks', () => {
  it('overwritten in the middle of a read', async () => {
    streaming.blockBytes = 64;
    const path = npyFile('mid.npy');
    const v = await opened(path);
    const e = await inputError(() => readAll(v, () => overwrite(path, 1000, new Uint8Array(64).fill(0x40))), path);
    expect(e.message).toBe(WRITTEN);
  });

  it('grown in the middle of a read', async () => {
    streaming.blockBytes = 64;
    const path = npyFile('grown.npy');
    const size = statSync(path).size;
    const v = await opened(path);
    const e = await inputError(() => readAll(v, () => appendFileSync(path, new Uint8Array(32))), path);
    expect(e.message).toBe(`the file changed while it was read: it had ${size} bytes, it now has ${size + 32}`);
  });

  it('shortened in the middle of a read', async () => {
    streaming.blockBytes = 64;
    const path = npyFile('short.npy');
    const size = statSync(path).size;
    const v = await opened(path);
    const e = await inputError(() => readAll(v, () => writeFileSync(path, readFileSync(path).subarray(0, 600))), path);
    expect(e.message).toBe(`the file changed while it was read: it had ${size} bytes, it now has 600`);
  });

  it('overwritten between the open and the read', async () => {
    const path = npyFile('between.npy');
    const v = await opened(path);
    overwrite(path, 200, new Uint8Array(8).fill(0x40));
    expect((await inputError(() => readAll(v), path)).message).toBe(WRITTEN);
  });
});

describe('a stored NPZ entry, read in place after its CRC-32 pass', () => {
  it('whose data is overwritten after the CRC-32 pass', async () => {
    const path = join(dir, 'dump.npz');
    copyFileSync(join(FIXTURES, 'dump.npz'), path);
    const v = await opened(`${path}:logits`);
    // a byte inside the logits entry's data (the archive's first entry: np.savez writes in order)
    overwrite(path, 200, new Uint8Array([0x7f]));
    const e = await inputError(() => readAll(v), path); // the archive changed, not the array
    expect(e.message).toBe(WRITTEN);
  });
});

describe('a CSV file read in blocks', () => {
  it('rewritten with its size and modification time kept: the status-change time tells', async () => {
    streaming.blockBytes = 64;
    const path = join(dir, 'same.csv');
    const rows = Array.from({ length: 40 }, (_, i) => `${i}.5,${i}.25`).join('\n') + '\n';
    writeFileSync(path, rows);
    const before = statSync(path);
    utimesSync(path, before.atime, new Date(before.mtimeMs - 5000)); // an mtime the rewrite can restore exactly
    const then = statSync(path);
    const v = await opened(path);
    const e = await inputError(
      () =>
        readAll(v, () => {
          writeFileSync(path, rows.replace('1.5', '9.5'));
          utimesSync(path, then.atime, then.mtime); // as `touch -r` or a copy keeping times would
        }),
      path,
    );
    expect(e.message).toBe(WRITTEN);
  });
});
