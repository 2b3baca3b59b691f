/**
 * Streams that may never end (standard input, FIFOs, devices): the first bytes decide, binary
 * data of unknown format is refused at once. The CLI runs are
 * spawned with a timeout: a hang fails the test instead of filling the disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readInput, readStdin } from '../../src/io/read.js';
import { readStream } from '../../src/io/stream.js';
import { inputError } from './helpers.js';
import { fixtureBytes } from './manifest.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
const LABELS = join(import.meta.dirname, '..', '..', 'fixtures', 'example', 'labels.csv');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stream that repeats `chunk` forever (after `head`, if given). */
function endless(chunk: Uint8Array, head?: Uint8Array): Readable {
  return Readable.from(
    (function* () {
      if (head) yield head;
      for (;;) yield chunk;
    })(),
  );
}

describe('readStream', () => {
  it('refuses binary data of unknown format from the first bytes', async () => {
    const zeros = endless(new Uint8Array(65536));
    expect((await inputError(() => readStream(zeros, '-', undefined), '-')).message).toBe(
      'binary data of unknown format: a NUL byte at byte 0, and no NPY, npz or safetensors header',
    );
    const latin1 = Readable.from([Buffer.from('temp\xe9rature\n1\n', 'latin1')]);
    expect((await inputError(() => readStream(latin1, '-', undefined), '-')).message).toBe(
      'binary data of unknown format: not UTF-8 in the first 14 bytes, and no NPY, npz or safetensors header',
    );
  });

  it('refuses binary data for a text format asked for', async () => {
    expect((await inputError(() => readStream(endless(new Uint8Array(4096)), '-', 'csv'), '-')).message).toBe(
      'binary data, not CSV text: a NUL byte at byte 0',
    );
  });

  it('reads what ends, short or split anywhere, byte for byte', async () => {
    const npy = fixtureBytes('dtype_f8.npy');
    const parts = [npy.subarray(0, 3), npy.subarray(3, 5000), npy.subarray(5000)];
    expect(Buffer.compare(await readStream(Readable.from(parts.map((p) => Buffer.from(p))), '-', undefined), Buffer.from(npy))).toBe(0);
    const text = 'é,1\n'.repeat(3000); // a two-byte character cut at the 4096-byte sniff
    const bytes = Buffer.from(text);
    const split = [bytes.subarray(0, 4095), bytes.subarray(4095)];
    expect(Buffer.from(await readStream(Readable.from(split), '-', undefined)).toString()).toBe(text);
  });

  it('readStdin uses it, with the format asked for', async () => {
    const stream = endless(new Uint8Array(100));
    expect((await inputError(() => readStdin(stream, 'json'), '-')).message).toBe('binary data, not JSON: a NUL byte at byte 0');
  });
});

describe('files of binary data of unknown format', () => {
  it('a regular file without a known extension is sniffed the same way', async () => {
    const path = join(dir, 'noise.bin');
    writeFileSync(path, Buffer.from([0x31, 0x2c, 0x32, 0x0a, 0x00, 0xff]));
    expect((await inputError(() => readInput(path), path)).message).toBe(
      'binary data of unknown format: a NUL byte at byte 4, and no NPY, npz or safetensors header',
    );
  });
});

/** Runs the CLI with a time limit; exit code, stderr and how long it took. */
function run(args: string[], stdin: 'ignore' | number = 'ignore') {
  const start = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: [stdin, 'pipe', 'pipe'], encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stderr: r.stderr, ms: Date.now() - start };
}

describe('the CLI on endless inputs ends at once with exit 2', () => {
  const devices = ['/dev/zero', '/dev/urandom'].filter(existsSync);

  for (const device of devices) {
    it(`${device} as a file argument`, () => {
      const r = run(['ce', device, LABELS]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^losscalc: ${device}: binary data of unknown format: a NUL byte at byte \\d+, and no NPY, npz or safetensors header\\n$`));
    });
  }

  it('standard input from /dev/zero', async () => {
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync('/dev/zero', 'r');
    try {
      const r = run(['ce', '-', LABELS], fd);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe('losscalc: -: binary data of unknown format: a NUL byte at byte 0, and no NPY, npz or safetensors header\n');
    } finally {
      closeSync(fd);
    }
  });

  it('a FIFO fed zeros forever', async () => {
    const fifo = join(dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo here
    const writer = spawn('sh', ['-c', `cat /dev/zero > '${fifo}'`], { stdio: 'ignore' });
    try {
      const r = run(['ce', fifo, LABELS]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`losscalc: ${fifo}: binary data of unknown format: a NUL byte at byte 0, and no NPY, npz or safetensors header\n`);
    } finally {
      writer.kill();
    }
  });
});
