/**
 * Deflated npz entries (np.savez_compressed) read as Values, inflated as they are read: the
 * numpy-written fixtures in blocks of any size, a larger archive made here against the same
 * NPY read whole, reads that go back (a new pass from the entry's start) or go on, and the
 * CRC-32 and size checked before the entry's last block is handed out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { streaming } from '../../src/io/npy-file.js';
import { openInput, threadSpec } from '../../src/io/read.js';
import type { Storage, Tensor } from '../../src/tensor.js';
import { isValues, type Values } from '../../src/values.js';
import { runCli } from '../helpers.js';
import { inputError } from './helpers.js';
import { expectTensor, FIXTURES, manifest } from './manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-inflate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every block `read` visits of units [start, end), copied, with blockBytes as given. */
function blocks(v: Values, unit: number, start: number, end: number, blockBytes: number): Storage[] {
  const saved = streaming.blockBytes;
  streaming.blockBytes = blockBytes;
  try {
    const out: Storage[] = [];
    v.read(unit, start, end, (data, _first, count) => {
      expect(data.length).toBe(count * unit);
      out.push(data.slice() as Storage);
    });
    return out;
  } finally {
    streaming.blockBytes = saved;
  }
}

function joined(parts: Storage[]): number[] {
  return parts.flatMap((p) => Array.from(p as ArrayLike<number>, Number));
}

/** The blocks as one array of their own type (BigInt64Array for int64 ones). */
function concatenated(parts: Storage[]): Storage {
  const out = new (parts[0].constructor as new (n: number) => Storage)(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    (out as Float64Array).set(p as Float64Array, at);
    at += p.length;
  }
  return out;
}

async function opened(spec: string): Promise<Values> {
  const v = await openInput(spec);
  expect(isValues(v)).toBe(true);
  return v as Values;
}

describe('numpy-written deflated entries, in blocks', () => {
  it.each(['dump_compressed.npz', 'zip64_compressed.npz'].flatMap((name) => ['logits', 'labels'].map((key) => [name, key])))(
    '%s:%s in blocks of 1 to 4096 bytes',
    async (name, key) => {
      const v = await opened(`${FIXTURES}${name}:${key}`);
      const rows = v.shape[0];
      const unit = v.shape.slice(1).reduce((a, d) => a * d, 1);
      for (const blockBytes of [1, 24, 4096]) {
        const parts = blocks(v, unit, 0, rows, blockBytes);
        expectTensor({ data: concatenated(parts), shape: v.shape, dtype: v.dtype } as Tensor, manifest.files[`${name}:${key}`]);
      }
    },
  );
});

describe('an entry inflating to megabytes', () => {
  // 3000 x 50 float64 of a pattern deflate compresses, as the same NPY read whole
  const rows = 3000;
  const columns = 50;
  const data = new Float64Array(rows * columns).map((_, i) => Math.sin(i % 977) * 3 + (i % 7));
  const npy = encodeNpy({ data, shape: [rows, columns], dtype: 'float64' });
  const whole = Array.from(parseNpy(npy, 'x.npy').data as Float64Array);
  const path = join(dir, 'big.npz');
  writeFileSync(path, zipSync({ 'logits.npy': [npy, { level: 6 }] }));

  it('is read in blocks no larger than asked, equal to the NPY read whole', async () => {
    const v = await opened(`${path}:logits`);
    const parts = blocks(v, columns, 0, rows, 4000);
    expect(parts.length).toBeGreaterThan(100);
    for (const p of parts) expect(p.length * 8).toBeLessThanOrEqual(4000);
    expect(joined(parts)).toEqual(whole);
  });

  it('goes on where the last read ended, or starts again for a read behind it', async () => {
    const v = await opened(`${path}:logits`);
    const ranges: [number, number][] = [
      [100, 200],
      [200, 1500],
      [10, 20],
      [2999, 3000],
      [0, 3000],
    ];
    for (const [start, end] of ranges) {
      expect(joined(blocks(v, columns, start, end, 1 << 16))).toEqual(whole.slice(start * columns, end * columns));
    }
  });
});

describe('threads', () => {
  it('a deflated entry is not split among threads (each would inflate all before its part); a stored one is', async () => {
    expect(await threadSpec(`${FIXTURES}dump_compressed.npz:logits`, undefined)).toBeUndefined();
    expect(await threadSpec(`${FIXTURES}dump.npz:logits`, undefined)).toEqual({ spec: `${FIXTURES}dump.npz:logits`, format: 'npz' });
  });
});

describe('a deflated entry that is not what its directory says', () => {
  /**
   * An archive with entry x.npy deflated from `npy`, its central directory changed by
   * `change`; values that barely compress, so that it takes several pushes to inflate.
   */
  function archive(npy: Uint8Array, change: (view: DataView, central: number) => void): string {
    const zip = zipSync({ 'x.npy': [npy, { level: 6 }] });
    const view = new DataView(zip.buffer);
    change(view, view.getUint32(zip.length - 22 + 16, true));
    const path = join(dir, `broken-${Math.random().toString(36).slice(2)}.npz`);
    writeFileSync(path, zip);
    return path;
  }
  const npyOf = (rows: number) => encodeNpy({ data: new Float64Array(rows * 4).map((_, i) => Math.sin(i)), shape: [rows, 4], dtype: 'float64' });

  it('a CRC-32 mismatch is an error before the last block is visited', async () => {
    const path = archive(npyOf(1000), (view, central) => view.setUint32(central + 16, view.getUint32(central + 16, true) ^ 1, true));
    const v = await opened(`${path}:x`);
    let visited = 0;
    const saved = streaming.blockBytes;
    streaming.blockBytes = 800;
    try {
      const e = await inputError(() => v.read(4, 0, 1000, () => visited++), `${path}:x`);
      expect(e.message).toMatch(/^entry "x\.npy": CRC-32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the archive is corrupt$/);
    } finally {
      streaming.blockBytes = saved;
    }
    // 40 blocks of 25 rows: some are read before the end, the last never reaches the loss
    expect(visited).toBeGreaterThan(20);
    expect(visited).toBeLessThan(40);
  });

  it('an entry that inflates to fewer bytes than it claims (and its NPY header)', async () => {
    // the header of 1001 rows, the data of 1000, and the directory claiming all of 1001
    const whole = npyOf(1001);
    const path = archive(whole.subarray(0, whole.length - 32), (view, central) => view.setUint32(central + 24, whole.length, true));
    const v = await opened(`${path}:x`);
    const e = await inputError(() => v.read(4, 0, 1001, () => {}), `${path}:x`);
    expect(e.message).toBe(`entry "x.npy" inflates to ${whole.length - 32} bytes, not the ${whole.length} it claims`);
  });

  it('numpy refuses the fixture whose CRC-32 field was changed; so does the CLI, with no loss printed', async () => {
    const file = `${FIXTURES}crc_deflated.npz`;
    const out = await runCli(['ce', `${file}:logits`, `${file}:labels`]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^losscalc: .*crc_deflated\.npz:labels: entry "labels\.npy": CRC-32 mismatch .*: the archive is corrupt\n$/);
  });
});
