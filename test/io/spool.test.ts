/**
 * Streams kept as they arrive (stream.ts, spool.ts): in memory while small, else in an
 * unlinked temporary file that the ordinary readers read at offsets, in blocks, from threads
 * too. Expected values are those of the same bytes read from a regular file (tested against
 * PyTorch elsewhere); small bounds (spooling.memoryBytes, LOSSCALC_SPOOL_BYTES) send small
 * inputs through the file.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { openInput, readInput, threadSpec } from '../../src/io/read.js';
import { spooling } from '../../src/io/spool.js';
import { spoolStream } from '../../src/io/stream.js';
import type { Tensor } from '../../src/tensor.js';
import { isValues, type Values } from '../../src/values.js';
import { canMount, withTinyDisk } from '../tiny-disk.js';
import { inputError } from './helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const memoryBytes = spooling.memoryBytes;
afterEach(() => {
  spooling.memoryBytes = memoryBytes;
});

// 2000 x 5 float64 logits (80 KB) and their labels
const rows = 2000;
const logits: Tensor = { data: new Float64Array(rows * 5).map((_, i) => Math.sin(i) * 4), shape: [rows, 5], dtype: 'float64' };
const npy = encodeNpy(logits);
const labels = join(dir, 'labels.npy');
writeFileSync(labels, encodeNpy({ data: new Float64Array(rows).map((_, i) => (i * 7) % 5), shape: [rows], dtype: 'float64' }));
const logitsFile = join(dir, 'logits.npy');
writeFileSync(logitsFile, npy);

/** A stream of `bytes` in chunks of `size`. */
function chunked(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(Buffer.from(bytes.subarray(at, at + size)));
  return Readable.from(parts);
}

function everyValue(v: Values): number[] {
  const out: number[] = [];
  v.read(5, 0, v.shape[0], (d) => out.push(...Array.from(d as Float64Array)));
  return out;
}

describe('spoolStream', () => {
  it('keeps a small stream in memory', async () => {
    const kept = await spoolStream(chunked(npy, 1000), '-', undefined);
    expect(kept.path).toBeUndefined();
    expect(Buffer.compare(Buffer.from(kept.bytes!), Buffer.from(npy))).toBe(0);
  });

  it('puts a larger one in a temporary file that has no name left, byte for byte, hashed as it passed', async () => {
    spooling.memoryBytes = 4096;
    const own = mkdtempSync(join(dir, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = own;
    try {
      const kept = await spoolStream(chunked(npy, 1000), '-', undefined);
      expect(kept.bytes).toBeUndefined();
      expect(kept.size).toBe(npy.length);
      expect(Buffer.compare(readFileSync(kept.path!), Buffer.from(npy))).toBe(0);
      expect(kept.sha256).toBe(createHash('sha256').update(npy).digest('hex'));
      expect(readdirSync(own)).toEqual([]); // unlinked as soon as it was open
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('gzip is decompressed into it', async () => {
    spooling.memoryBytes = 4096;
    const kept = await spoolStream(chunked(gzipSync(npy), 777), 'x.npy.gz', undefined);
    expect(Buffer.compare(readFileSync(kept.path!), Buffer.from(npy))).toBe(0);
    expect(kept.sha256).toBe(createHash('sha256').update(npy).digest('hex'));
  });
});

describe('a stream in its temporary file is read like a regular file', () => {
  it('gzip standard input comes back as Values read in blocks, equal to the file', async () => {
    spooling.memoryBytes = 4096;
    const v = await openInput('-', { stdin: gzipSync(npy) });
    expect(isValues(v)).toBe(true);
    expect(everyValue(v as Values)).toEqual(Array.from(logits.data as Float64Array));
  });

  it('-:key of an archive on standard input, at offsets', async () => {
    spooling.memoryBytes = 4096;
    const { zipSync } = await import('fflate');
    const zip = gzipSync(zipSync({ 'logits.npy': npy, 'labels.npy': readFileSync(labels) }, { level: 0 }));
    const v = await openInput('-:logits', { stdin: zip });
    expect(isValues(v)).toBe(true);
    expect(everyValue(v as Values)).toEqual(Array.from(logits.data as Float64Array));
    expect((await readInput('-:labels', { stdin: zip })).data).toEqual((await readInput(labels)).data);
  });

  it('threads open the temporary file of a gzip file, with the format its name gave', async () => {
    spooling.memoryBytes = 4096;
    const gz = join(dir, 'threads.npy.gz');
    writeFileSync(gz, gzipSync(npy));
    expect(isValues(await openInput(gz))).toBe(true);
    const found = await threadSpec(gz, undefined);
    expect(found?.spec).not.toBe(gz);
    expect(found?.format).toBe('npy');
    const v = await openInput(found!.spec, { format: found!.format });
    expect(everyValue(v as Values)).toEqual(Array.from(logits.data as Float64Array));
  });

  it('its errors name the input, never the temporary file', async () => {
    spooling.memoryBytes = 4096;
    const trailing = Buffer.concat([Buffer.from(npy), Buffer.from([1, 2, 3, 4])]);
    const e = await inputError(() => readInput('-', { stdin: gzipSync(trailing) }), '-');
    expect(e.message).toBe(`4 trailing bytes after the data, which ends at byte ${npy.length} (file is ${npy.length + 4} bytes)`);
  });
});

/** The CLI with `stdin` piped in (through a socket, as Node's child processes get it) and `env` added. */
function cli(args: string[], stdin: Uint8Array, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input: stdin, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI with the file `input` piped in by a shell (`cat input | losscalc ...`: a pipe, read from descriptor 0). */
function piped(input: string, args: string[], env: Record<string, string> = {}) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('sh', ['-c', `cat '${input}' | ${quoted}`], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the CLI on standard input larger than what is kept in memory', () => {
  const small = { LOSSCALC_SPOOL_BYTES: '4096', LOSSCALC_BLOCK_BYTES: '1000' };
  const expected = cli(['ce', logitsFile, labels, '--json', '-j', '1'], new Uint8Array(0));

  it.each([
    ['one thread', ['-j', '1']],
    ['two threads, each reading the temporary file', ['-j', '2']],
  ])('gives the loss of the file (%s)', (_, threads) => {
    expect(expected.code, expected.stderr).toBe(0);
    const piped = cli(['ce', '-', labels, '--json', ...threads], npy, small);
    expect(piped.code, piped.stderr).toBe(0);
    const loss = (out: string) => JSON.parse(out).loss;
    expect(loss(piped.stdout)).toBe(loss(expected.stdout));
    const digest = JSON.parse(piped.stdout).inputs.logits[0];
    expect(digest).toBe(createHash('sha256').update(npy).digest('hex'));
  });

  it.each([
    ['NPY', logitsFile],
    ['gzip', join(dir, 'logits.npy.gz')],
  ])('%s through a shell pipe, on one and two threads', (_, input) => {
    writeFileSync(join(dir, 'logits.npy.gz'), gzipSync(npy));
    for (const threads of ['1', '2']) {
      const r = piped(input, ['ce', '-', labels, '--json', '-j', threads], small);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).loss).toBe(JSON.parse(expected.stdout).loss);
      expect(JSON.parse(r.stdout).inputs.logits[0]).toBe(createHash('sha256').update(npy).digest('hex'));
    }
  });

  it('/dev/zero through a shell pipe is refused at its first bytes', () => {
    const r = spawnSync('sh', ['-c', `head -c 100000000 /dev/zero | '${process.execPath}' '${BIN}' ce - '${labels}'`], { encoding: 'utf8', timeout: 30_000 });
    expect([r.status, r.stderr]).toEqual([2, 'losscalc: -: binary data of unknown format: a NUL byte at byte 0, and no NPY, npz or safetensors header\n']);
  });

  it.skipIf(!canMount)('a full temporary folder: exit 2, one line naming stdin and the folder (skipped unless mounting a tmpfs is allowed)', () => {
    withTinyDisk((mount) => {
      const r = cli(['ce', '-', labels], new Uint8Array(200_000).fill(0x31).map((b, i) => (i % 10 === 9 ? 0x0a : b)), { ...small, TMPDIR: mount });
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', `losscalc: -: no space left on device in ${mount}, where it is copied to be read: set TMPDIR to a folder with room for it\n`]);
      expect(readdirSync(mount)).toEqual([]);
      const big = join(dir, 'rows.csv');
      writeFileSync(big, '0.5,1.5\n'.repeat(50_000));
      const fromPipe = piped(big, ['ce', '-', labels], { ...small, TMPDIR: mount });
      expect([fromPipe.code, fromPipe.stderr]).toEqual([2, `losscalc: -: no space left on device in ${mount}, where it is copied to be read: set TMPDIR to a folder with room for it\n`]);
    });
  });

  it.skipIf(!canMount)('a gzip bomb fills the temporary folder, not memory: exit 2 (skipped unless mounting is allowed)', () => {
    withTinyDisk((mount) => {
      const bomb = join(dir, 'bomb.csv.gz');
      writeFileSync(bomb, gzipSync(Buffer.from('0.5,1.5\n'.repeat(1 << 20)), { level: 9 })); // 8 MiB of rows
      const r = cli(['ce', bomb, labels], new Uint8Array(0), { ...small, TMPDIR: mount });
      expect([r.code, r.stderr]).toEqual([2, `losscalc: ${bomb}: no space left on device in ${mount}, where it is copied to be read: set TMPDIR to a folder with room for it\n`]);
    });
  });
});

describe('standard input that is a directory', () => {
  it('is exit 2 saying so, not "no data"', () => {
    const folder = mkdtempSync(join(tmpdir(), 'losscalc-stdin-dir-'));
    const fd = openSync(folder, 'r');
    try {
      const r = spawnSync(process.execPath, [BIN, 'ce', '-', join(import.meta.dirname, '..', '..', 'fixtures', 'example', 'labels.csv')], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('losscalc: -: is a directory\n');
    } finally {
      closeSync(fd);
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('a safetensors file whose header is longer than the first bytes sniffed', () => {
  it('is read from standard input as from the file', () => {
    const header: Record<string, unknown> = {};
    const parts: Buffer[] = [];
    let offset = 0;
    const add = (name: string, dtype: string, shape: number[], bytes: Buffer) => {
      header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
      parts.push(bytes);
      offset += bytes.length;
    };
    add('logits', 'F64', [4, 3], Buffer.from(Float64Array.from([0.5, -1, 2, 1, 1, 1, -3, 0.25, 4, 2, 2, -2]).buffer));
    add('labels', 'I64', [4], Buffer.from(BigInt64Array.from([0n, 1n, 2n, 1n]).buffer));
    for (let i = 0; i < 120; i++) add(`an_extra_tensor_with_a_rather_long_name_${i}`, 'F64', [1], Buffer.alloc(8));
    const json = Buffer.from(JSON.stringify(header));
    expect(json.length).toBeGreaterThan(4096);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    const bytes = Buffer.concat([length, json, ...parts]);
    const folder = mkdtempSync(join(tmpdir(), 'losscalc-long-header-'));
    const path = join(folder, 'dump.safetensors');
    writeFileSync(path, bytes);
    try {
      const fromFile = spawnSync(process.execPath, [BIN, 'ce', `${path}:logits`, `${path}:labels`, '-q'], { encoding: 'utf8' });
      const fromStdin = spawnSync(process.execPath, [BIN, 'ce', '-:logits', '-:labels', '-q'], { input: bytes, encoding: 'utf8' });
      expect(fromFile.status, fromFile.stderr).toBe(0);
      expect(fromStdin.stderr).toBe('');
      expect(fromStdin.stdout).toBe(fromFile.stdout);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
