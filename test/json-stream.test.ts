/**
 * --json and --save-per-sample .json written in chunks: the bytes JSON.stringify gives for the
 * same value, and no single write anywhere near the size of the output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { encodeNpy } from '../src/io/npy.js';
import { PassThrough } from 'node:stream';
import { CHUNK, jsonChunks, Streamed, writeJson } from '../src/report/json-stream.js';
import { streamOutput } from '../src/report/output.js';
import { encodePerSample } from '../src/report/save.js';
import { inMemoryLosses } from '../src/losses/reduce.js';

/** What --json wrote before it streamed: the values nested as arrays, then JSON.stringify. */
function stringified(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Streamed ? nestWhole(v.values, v.shape) : v));
}

function nestWhole(values: ArrayLike<number>, shape: readonly number[]): unknown {
  const asJson = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
  let offset = 0;
  const build = (dim: number): unknown => (dim === shape.length ? asJson(values[offset++]) : Array.from({ length: shape[dim] }, () => build(dim + 1)));
  return build(0);
}

const streamed = (value: unknown) => [...jsonChunks(value)].join('');

const SPECIAL = [0, -0, 1, -1.5, NaN, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE, 1e21, 1e-7, 0.1 + 0.2, 123456789012345680000];

describe('jsonChunks writes what JSON.stringify writes', () => {
  it('every kind of number, -0 as 0, the non-finite ones as strings', () => {
    const values = Float64Array.from(SPECIAL);
    expect(streamed(new Streamed(values, [values.length]))).toBe(stringified(new Streamed(values, [values.length])));
    expect(streamed(new Streamed([-0], []))).toBe('0');
    expect(streamed(new Streamed([NaN], []))).toBe('"NaN"');
  });

  it('shapes of every rank, empty dims included', () => {
    const values = Float64Array.from({ length: 24 }, (_, i) => SPECIAL[i % SPECIAL.length] * (i + 1));
    const shapes = [[], [1], [24], [2, 12], [2, 3, 4], [4, 1, 3, 2, 1], [0], [3, 0], [0, 5], [2, 0, 3], [1, 1, 1]];
    for (const shape of shapes) {
      const s = new Streamed(values.subarray(0, shape.reduce((a, b) => a * b, 1)), shape);
      expect(streamed(s), `shape (${shape})`).toBe(stringified(s));
    }
  });

  it('objects and arrays around them: keys in order, undefined left out of objects and null in arrays, strings escaped', () => {
    const value = {
      mode: 'cross-entropy',
      loss: new Streamed(Float64Array.from([1, -0, NaN]), [3]),
      skipped: undefined,
      nested: { 'a "key"\n': [1, undefined, null, true, 'é\u2028\u0000', { x: undefined }], empty: {}, list: [] },
      perSample: new Streamed(Float64Array.from([2.5, Infinity]), [2, 1]),
      losses: { a: new Streamed([3], []), b: 0.25 },
      count: 3,
      ok: false,
    };
    expect(streamed(value)).toBe(stringified(value));
    // and JSON.stringify of the report itself gives the same (a Streamed says what it is)
    expect(JSON.stringify(value)).toBe(stringified(value));
  });

  it('large arrays in chunks of about CHUNK characters, together the whole', () => {
    const values = Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * 10 ** (i % 7));
    const value = { before: 'x', loss: new Streamed(values, [1000, 100]), perSample: new Streamed(values, [values.length]), after: [1, 2] };
    const chunks = [...jsonChunks(value)];
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(CHUNK + 64);
    expect(chunks.join('')).toBe(stringified(value));
  });
});

describe('a pipe whose reader is behind', () => {
  it('is written no faster than it is read: the chunks are not all queued in memory', async () => {
    const values = Float64Array.from({ length: 200_000 }, (_, i) => Math.sin(i));
    const pipe = new PassThrough({ highWaterMark: 1024 });
    const writing = writeJson(streamOutput(pipe), new Streamed(values, [values.length]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // nobody has read yet: without waiting for the pipe, all 3.8 MB would be queued by now
    expect(pipe.writableLength).toBeLessThan(4 * CHUNK);
    const read: Buffer[] = [];
    pipe.on('data', (b: Buffer) => read.push(b));
    await writing;
    pipe.end();
    await new Promise((resolve) => pipe.on('end', resolve));
    expect(Buffer.concat(read).toString()).toBe(stringified(new Streamed(values, [values.length])) + '\n');
  });
});

describe('the commands write in chunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-json-stream-'));
  const N = 200_000;
  // bce-logits over N elements: the logits and targets need no particular values here
  const logits = join(dir, 'logits.npy');
  const targets = join(dir, 'targets.npy');
  writeFileSync(logits, encodeNpy({ data: Float64Array.from({ length: N }, (_, i) => Math.sin(i) * 5), shape: [N / 100, 100], dtype: 'float64' }));
  writeFileSync(targets, encodeNpy({ data: Float64Array.from({ length: N }, (_, i) => i % 2), shape: [N / 100, 100], dtype: 'float64' }));

  /** Runs losscalc, recording the size of every write to stdout. */
  async function recorded(argv: string[]) {
    const writes: number[] = [];
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: {
        write: (s: string | Uint8Array) => {
          const text = typeof s === 'string' ? s : new TextDecoder().decode(s);
          writes.push(text.length);
          stdout += text;
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      isTTY: false,
    });
    expect(code, stderr).toBe(0);
    return { writes, stdout };
  }

  it('--reduction none --json, and merge --json of it', async () => {
    const { writes, stdout } = await recorded(['bce-logits', logits, targets, '--reduction', 'none', '--json', '-j', '1']);
    const report = JSON.parse(stdout);
    expect(report.perSample).toHaveLength(N);
    expect(report.loss.flat()).toEqual(report.perSample);
    expect(stdout.length).toBeGreaterThan(20 * CHUNK);
    expect(Math.max(...writes)).toBeLessThan(CHUNK + 64);
    const part = join(dir, 'part.json');
    writeFileSync(part, stdout);
    const merged = await recorded(['merge', part, '--json']);
    expect(JSON.parse(merged.stdout).perSample).toEqual(report.perSample);
    expect(Math.max(...merged.writes)).toBeLessThan(CHUNK + 64);
  });

  it('-q of reduction none, one loss a line', async () => {
    const { writes, stdout } = await recorded(['bce-logits', logits, targets, '--reduction', 'none', '-q', '-j', '1']);
    const { stdout: json } = await recorded(['bce-logits', logits, targets, '--reduction', 'none', '--json', '-j', '1']);
    expect(stdout.trimEnd().split('\n').map(Number)).toEqual(JSON.parse(json).perSample);
    expect(writes.length).toBeGreaterThan(1);
    expect(Math.max(...writes)).toBeLessThan(stdout.length / 2);
  });
});

describe('--save-per-sample .json and .csv in chunks', () => {
  const values = Float64Array.from({ length: 60_000 }, (_, i) => (i % 11 === 0 ? [NaN, -0, Infinity][i % 3] : Math.cos(i) / (i + 1)));
  const r = inMemoryLosses(values, [300, 2, 100]);

  it('.json: the losses nested in their shape, as JSON.stringify wrote them, never one string', () => {
    const chunks = [...encodePerSample('losses.json', r)] as string[];
    expect(chunks.join('')).toBe(stringified(new Streamed(values, r.shape)) + '\n');
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(CHUNK + 64);
  });

  it('.npy: the header, then the data a piece at a time', () => {
    const chunks = [...encodePerSample('losses.npy', r)] as Uint8Array[];
    const whole = encodeNpy({ data: values, shape: r.shape, dtype: 'float64' });
    expect(Buffer.concat(chunks).equals(Buffer.from(whole))).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(1 << 20);
  });
});
