/**
 * safetensors tensors and torch.save storages read in blocks at their offsets (array-file.ts):
 * every fixture tensor (numpy- and PyTorch-made: each dtype, float16 and bfloat16, big-endian,
 * views with a storage offset, shared storages, strided views, the legacy format) gives the
 * values the generators recorded, through tiny blocks, with no block larger than the block size
 * allows. A file changed after its header was read is an error.
 */
import { constants } from 'node:buffer';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, openSafetensorsFile } from '../../src/io/safetensors.js';
import { openInput, readInput } from '../../src/io/read.js';
import { ELEMENT } from '../../src/io/binary.js';
import { stridedValues } from '../../src/io/strided-file.js';
import { openTorchFile } from '../../src/io/torch/torch.js';
import { asFloats, numel } from '../../src/tensor.js';
import { isValues, type Values } from '../../src/values.js';
import { cases, expectReport, inBlocksOf, resolveArgv, type Report } from '../cases.js';
import { runCli, THREADS } from '../helpers.js';
import { expectedValues, readUnits, withBlockBytes } from './blocks.js';
import { inputError, inputErrorSync } from './helpers.js';
import { FIXTURES, fixtureBytes, manifest } from './manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-offsets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SIZE: Record<string, number> = { float16: 2, bfloat16: 2, float32: 4, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1 };

/** Reads `v` whole in blocks of each size, by rows and by values, checking values and block sizes. */
function expectInBlocks(open: () => Values | undefined, want: (number | string)[], shape: number[], dtype: string, asFloat = false): void {
  const row = shape.length === 0 ? 1 : numel(shape.slice(1));
  for (const bytes of [1, 5, 16, 4 << 20]) {
    withBlockBytes(bytes, () => {
      const v = open();
      expect(v, 'read in blocks').toBeDefined();
      expect([v!.shape, v!.dtype]).toEqual([shape, dtype]);
      for (const unit of row > 0 ? [row, 1] : [1]) {
        const read = readUnits(v!, unit);
        expect(asFloat ? read.values.map(Number) : read.values).toEqual(want);
        // as many units as fit, at least one; a strided view's block at least a row
        for (const b of read.blocks) expect(b).toBeLessThanOrEqual(Math.max(Math.floor(bytes / (unit * SIZE[dtype])), Math.ceil(row / unit), 1) * unit);
      }
    });
  }
}

const safetensorsKeys = Object.keys(manifest.files).filter((k) => /\.safetensors:/.test(k));

describe('safetensors tensors in blocks at their offsets', () => {
  it.each(safetensorsKeys)('%s', (spec) => {
    const [file, key] = spec.split(':');
    const exp = manifest.files[spec];
    expectInBlocks(() => openSafetensorsFile(FIXTURES + file)!.open!(key, spec), expectedValues(exp.values, exp.dtype), exp.shape, exp.dtype);
  });

  it('covers F16, BF16 and BOOL, and openInput gives Values', async () => {
    const dtypes = new Set(safetensorsKeys.map((k) => manifest.files[k].dtype));
    for (const d of ['float16', 'bfloat16', 'bool', 'int64']) expect(dtypes).toContain(d);
    expect(isValues(await openInput(`${FIXTURES}${safetensorsKeys[0]}`))).toBe(true);
  });

  it('refuses a broken header with the words of the whole-file reader', () => {
    const broken = Object.keys(manifest.errors).filter((n) => n.startsWith('st_'));
    expect(broken.length).toBeGreaterThan(4);
    for (const name of broken) {
      let whole: string | undefined;
      try {
        parseSafetensors(fixtureBytes(name), FIXTURES + name);
      } catch (e) {
        whole = (e as Error).message;
      }
      expect(whole, name).toBeDefined();
      let atOffsets: string | undefined;
      try {
        // undefined: not a safetensors start, left to the whole-file reader
        if (openSafetensorsFile(FIXTURES + name) === undefined) continue;
      } catch (e) {
        atOffsets = (e as Error).message;
      }
      expect(atOffsets, name).toBe(whole);
    }
  });

  it('a file written to after its header was read is an error, not a mix of two versions', async () => {
    const path = join(dir, 'changed.safetensors');
    copyFileSync(FIXTURES + 'all_dtypes.safetensors', path);
    const v = openSafetensorsFile(path)!.open!('f32', 'f32')!;
    const before = statSync(path);
    writeFileSync(path, readFileSync(path));
    utimesSync(path, before.atime, new Date(before.mtimeMs + 1000));
    const e = inputErrorSync(() => readUnits(v, 1), path);
    expect(e.message).toBe('the file changed while it was read: it was written to since it was opened');
  });
});

const TORCH = join(import.meta.dirname, '..', '..', 'fixtures', 'torch');
const torchExpected = JSON.parse(readFileSync(join(TORCH, 'expected.json'), 'utf8')) as {
  tensors: Record<string, { shape: number[]; dtype: string; values: number[] }>;
  cli: { argv: string[]; loss: number }[];
};
/** Views that are not C-contiguous: x.t(), x[:, ::2], expand (within its storage's size), x[:, 2:7], y[::2]. */
const STRIDED = /views\.pt:(transposed|strided|expanded|slice|labels)$/;

describe('torch.save storages in blocks at their offsets', () => {
  const tensors = Object.entries(torchExpected.tensors).filter(([, t]) => t.shape.length > 0 && numel(t.shape) > 0);
  it.each(tensors)('%s', (name, want) => {
    const [file, key] = name.includes(':') ? [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)] : [name, ''];
    const open = () => openTorchFile(join(TORCH, file)).open!(key, name);
    const floats = (v: Values | undefined) =>
      v && {
        ...v,
        // 64-bit integers compared as the generator wrote them, as numbers
        read: (unit: number, s: number, e: number, visit: Parameters<Values['read']>[3]) => v.read(unit, s, e, (d, f, c) => visit(asFloats(d), f, c)),
      };
    expectInBlocks(() => floats(open()), want.values, want.shape, want.dtype, true);
  });

  it('covers both formats, every dtype, big-endian, and a view at an offset into a shared storage', () => {
    const names = tensors.map(([n]) => n);
    for (const n of ['legacy_dtypes.pt:bfloat16', 'dtypes.pt:float16', 'big_endian.pt:half', 'views.pt:shared_b', 'legacy_views.pt:shared_b', 'single.pt']) expect(names).toContain(n);
  });

  it('covers every strided view of both formats: runs for x.t(), spans for slices, steps and expand', () => {
    const strided = Object.keys(torchExpected.tensors).filter((n) => STRIDED.test(n));
    expect(strided.length).toBe(10);
    for (const name of strided) expect(tensors.map(([n]) => n)).toContain(name);
  });

  it('a view with more elements than its storage (expand of a few values) is read whole, where repeats are capped', () => {
    for (const name of ['repeated.pt', 'repeated_half.pt']) {
      expect(openTorchFile(join(TORCH, 'hostile', name)).open!('', name), name).toBeUndefined();
    }
  });

  it('a view whose rows lie far apart in the file is read whole', () => {
    const path = join(dir, 'spread.bin');
    writeFileSync(path, new Uint8Array(8 * 400));
    const state = statSync(path);
    const layout = { spec: ELEMENT.float64, bigEndian: false, shape: [3, 5] };
    // x[::20] of a (60, 5) storage: rows 100 elements apart, 20 times what they hold
    expect(stridedValues(path, layout, [100, 1], 0, state, { blockBytes: 64 })).toBeUndefined();
    // x[::4]: four times, still read in blocks
    expect(stridedValues(path, layout, [20, 1], 0, state, { blockBytes: 64 })).toBeDefined();
  });

  it('a storage changed behind its CRC-32 is refused before any block is read', async () => {
    const path = join(dir, 'corrupt.pt');
    const bytes = new Uint8Array(readFileSync(join(TORCH, 'dump.pt')));
    // the logits' first float64 lies in a record after data.pkl: flip a byte of it
    const { readZipDirectory } = await import('../../src/io/zip.js');
    const { bufferSource } = await import('../../src/io/byte-source.js');
    const entries = readZipDirectory(bufferSource(bytes, path), path).filter((e) => /\/data\/\d+$/.test(e.name));
    const entry = entries[0];
    const nameLength = bytes[entry.headerOffset + 26] | (bytes[entry.headerOffset + 27] << 8);
    const extraLength = bytes[entry.headerOffset + 28] | (bytes[entry.headerOffset + 29] << 8);
    bytes[entry.headerOffset + 30 + nameLength + extraLength] ^= 0xff;
    writeFileSync(path, bytes);
    const file = openTorchFile(path);
    const key = file.keys.find((k) => {
      try {
        file.open!(k, k);
        return false;
      } catch {
        return true;
      }
    });
    expect(key).toBeDefined();
    const e = await inputError(() => openInput(`${path}:${key}`), path);
    expect(e.message).toMatch(/^entry ".*": CRC-32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the archive is corrupt$/);
  });
});

describe('torch.save fixtures through every mode in blocks of 64 bytes give PyTorch loss', () => {
  inBlocksOf(64);
  const spec = (a: string) => (/\.(pt|bin)(:|$)/.test(a) ? join(TORCH, a) : a);
  it.each(torchExpected.cli.map((c) => [c.argv.join(' '), c] as const))('%s', async (_, c) => {
    const r = await runCli([...c.argv.map(spec), '--json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const loss = (JSON.parse(r.stdout) as { loss: number }).loss;
    expect(Math.abs(loss - c.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(c.loss));
  });
});

describe('PyTorch cases on safetensors and torch.save files, in blocks of 64 bytes', () => {
  inBlocksOf(64);
  const binary = cases.filter((c) => !c.merge && !c.stdin && c.argv.some((a) => /\.(safetensors|pt)(:|$)/.test(a)));
  it('has cases', () => expect(binary.length).toBeGreaterThan(5));
  it.each(binary.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const out = await runCli([...resolveArgv(c.argv), '--json']);
    expect([0, 1], out.stderr).toContain(out.code);
    expectReport(c, JSON.parse(out.stdout) as Report);
  });
});

describe('a tensor over 4 GiB (a sparse file: no disk is used)', () => {
  // (2^26 + 1) x 16 float32: 4 GiB and 64 bytes, more than one buffer holds
  const rows = 2 ** 26 + 1;
  const bytes = rows * 16 * 4;
  const tail = Float32Array.from({ length: 16 }, (_, i) => i - 7.5);

  function sparse(name: string, head: Uint8Array): string {
    const path = join(dir, name);
    writeFileSync(path, head);
    truncateSync(path, head.length + bytes);
    const fd = openSync(path, 'r+');
    writeSync(fd, new Uint8Array(tail.buffer), 0, 64, head.length + bytes - 64);
    closeSync(fd);
    return path;
  }

  it('in a safetensors file is read in blocks as a loss operand; whole, it is an error', async () => {
    const json = new TextEncoder().encode(JSON.stringify({ big: { dtype: 'F32', shape: [rows, 16], data_offsets: [0, bytes] } }));
    const head = new Uint8Array(8 + json.length);
    new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
    head.set(json, 8);
    const path = sparse('big.safetensors', head);
    const v = (await openInput(`${path}:big`)) as Values;
    expect(isValues(v)).toBe(true);
    expect(readUnits(v, 16, rows - 2, rows).values).toEqual([...new Array(16).fill(0), ...tail]);
    const e = await inputError(() => readInput(`${path}:big`), path);
    expect(e.message).toBe(`tensor "big" holds ${bytes} bytes, more than one buffer can (${constants.MAX_LENGTH})`);
  });

  it('in an NPY file is read in blocks', async () => {
    const header = (descr: string) => {
      const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, 16), }`;
      const padded = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11) + '\n';
      const out = new Uint8Array(10 + padded.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 0xff, padded.length >> 8]);
      out.set(new TextEncoder().encode(padded), 10);
      return out;
    };
    const path = sparse('big.npy', header('<f4'));
    const v = (await openInput(path)) as Values;
    expect(isValues(v)).toBe(true);
    expect(readUnits(v, 16, rows - 1, rows).values).toEqual([...tail]);
  });
});

describe('safetensors and torch.save inputs on three threads, in blocks of 256 bytes (the built binary)', () => {
  const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
  const run = (argv: string[]) => spawnSync(process.execPath, [BIN, ...argv, '--json', '-j', THREADS], { encoding: 'utf8', env: { ...process.env, LOSSCALC_BLOCK_BYTES: '256' } });
  const st = cases.filter((c) => !c.merge && !c.stdin && c.argv[0] !== 'check' && /\.safetensors:/.test(c.argv[1] ?? '')).slice(0, 4);
  it.each(st.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const r = run(resolveArgv(c.argv));
    expect(r.stderr).toBe('');
    expectReport(c, JSON.parse(r.stdout) as Report);
  });
  // one case of each file: the zip and legacy formats, strided views, big-endian
  const pt = ['dump', 'views', 'legacy_views', 'big_endian'].map((f) => torchExpected.cli.find((c) => c.argv[0] !== 'check' && c.argv.length >= 3 && c.argv[1].startsWith(`${f}.pt:`))!);
  it.each(pt.map((c) => [c.argv.join(' '), c] as const))('%s', (_, c) => {
    const r = run(c.argv.map((a) => (/\.(pt|bin)(:|$)/.test(a) ? join(TORCH, a) : a)));
    expect(r.stderr).toBe('');
    const loss = (JSON.parse(r.stdout) as { loss: number }).loss;
    expect(Math.abs(loss - c.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(c.loss));
  });
});
