/**
 * Rows wider than a block (io/csv-rows.ts values(), csv-values.ts): read in pieces from any
 * value on, the parser's place kept inside the row from one piece to the next, against the
 * whole-text reader (parseCsv); the open pass and the reads never make a buffer of the row's
 * width; cross-entropy over such a row gives the bits of the same values as NPY.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { csvChecks, openCsvFile } from '../../src/io/csv-file.js';
import { encodeNpy } from '../../src/io/npy.js';
import { streaming } from '../../src/io/npy-file.js';
import { kernelOn } from '../../src/kernel/index.js';
import { SNIFF_BYTES } from '../../src/io/format.js';
import { openTableFile } from '../../src/io/table-file.js';
import { parseTable } from '../../src/io/table.js';
import { wideRows } from '../../src/losses/cross-entropy.js';
import type { Values } from '../../src/values.js';
import { runCli } from '../helpers.js';
import { check, csvTestHooks, expectSameBits, file, reference } from './csv-check.js';

csvTestHooks();

const WIDTH = 700;

/** Value i of a wide file: eighths, with a few that need Number() (17 digits, 1e-300) and non-finite ones. */
function valueAt(i: number): number {
  if (i % 17 === 5) return 0.12345678901234568 * (i % 3 === 0 ? -1 : 1);
  if (i % 23 === 7) return 1e-300;
  if (i % 29 === 11) return i % 2 === 0 ? -Infinity : NaN;
  return ((i * 7919) % 1000) / 8 - 60;
}

/** The cell of value i as written: plain, quoted, or with spaces around (String(v) reads back as v). */
function cellAt(i: number): string {
  const v = valueAt(i);
  const text = Number.isNaN(v) ? 'nan' : v === -Infinity ? '-inf' : String(v);
  if (i % 11 === 3) return `"${text}"`;
  if (i % 13 === 4) return ` ${text}\t`;
  return text;
}

/** `rows` rows of WIDTH cells, a comment and a blank line between the first two, with line breaks `nl`. */
function wideFile(rows: number, nl = '\n'): { path: string; want: Float64Array } {
  const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: WIDTH }, (_, c) => cellAt(r * WIDTH + c)).join(','));
  const text = lines[0] + nl + '# a comment' + nl + nl + lines.slice(1).join(nl) + nl;
  const want = Float64Array.from({ length: rows * WIDTH }, (_, i) => valueAt(i));
  return { path: file(text), want };
}

/** Values [start, end) of `v` in units of one value, checking that no block holds more than `most`. */
function piece(v: Values, start: number, end: number, most: number): Float64Array {
  const out = new Float64Array(end - start);
  let next = start;
  v.read(1, start, end, (data, first, count) => {
    expect(first).toBe(next);
    expect(count).toBeLessThanOrEqual(most);
    out.set(data as Float64Array, first - start);
    next += count;
  });
  expect(next).toBe(end);
  return out;
}

describe('a row wider than a block, read in pieces', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('values from any start, in blocks of 16 bytes to 1 MiB, are the whole-text reader\'s (%s)', (_, nl) => {
    const { path, want } = wideFile(3, nl);
    const whole = reference(path, 'csv') as { data: Float64Array };
    expectSameBits(whole.data, want); // the file says what it means to
    for (const bytes of [16, 64, 200, 1 << 20]) {
      streaming.blockBytes = bytes;
      const most = Math.floor(bytes / 8);
      const v = openCsvFile(path, 'csv', ',')!;
      expect(v.shape).toEqual([3, WIDTH]);
      const starts = [...Array.from({ length: 3 * WIDTH }, (_, i) => i).filter((i) => i % 61 === 0), WIDTH - 1, WIDTH, WIDTH + 1, 2 * WIDTH - 1];
      for (const start of starts) {
        for (const length of [1, 9, WIDTH + 5]) {
          const end = Math.min(3 * WIDTH, start + length);
          expectSameBits(piece(v, start, end, most), want.subarray(start, end));
        }
      }
    }
  });

  it('pieces read one after another take up the row where the last stopped', () => {
    const { path, want } = wideFile(3);
    streaming.blockBytes = 64;
    const v = openCsvFile(path, 'csv', ',')!;
    for (const length of [333, 1, 700, 701]) {
      for (let start = 0; start < want.length; start += length) {
        const end = Math.min(want.length, start + length);
        expectSameBits(piece(v, start, end, 8), want.subarray(start, end));
      }
    }
  });

  it('wide first rows decide the header as parseCsv does, their plain numbers counted in bulk', () => {
    const numbers = (from: number, n: number): string[] => Array.from({ length: n }, (_, c) => cellAt(from + c));
    const names = Array.from({ length: 1500 }, (_, c) => `c${c}`);
    const integers = Array.from({ length: 1500 }, (_, c) => String(c));
    for (const text of [
      `${names.join(',')}\n${numbers(0, 1500).join(',')}\n`, // names above numbers
      `${integers.join(',')}\n${numbers(0, 1500).join(',')}\n`, // pandas' column numbers above floats
      `${integers.join(',')}\n${integers.join(',')}\n`, // integers under 0, 1, ...: data
      `x,${numbers(1, 1499).join(',')}\n`, // a lone row with a name among numbers: data, an error
      `${numbers(0, 1499).join(',')},\n${numbers(0, 1500).join(',')}\n`, // an empty cell last: data, an error
      `${numbers(0, 1500).join(',')}\n${numbers(1500, 1499).join(',')}\n`, // a ragged second row
    ]) {
      const path = file(text);
      for (const bytes of [16, 200, 1 << 20]) {
        streaming.blockBytes = bytes;
        expect(check(path)).toBe(true);
      }
    }
  });

  it('a ragged wide row, or a bad cell deep in one, is the whole-text reader\'s error', () => {
    const row = Array.from({ length: WIDTH }, (_, c) => cellAt(c));
    const short = file(`${row.join(',')}\n${row.slice(1).join(',')}\n`);
    const long = file(`${row.join(',')}\n${row.join(',')},1\n`);
    const bad = file(`${row.join(',')}\n${row.map((c, i) => (i === 555 ? '"5x"' : c)).join(',')}\n`);
    csvChecks.openBytes = 0; // found when the row is read
    for (const path of [short, long, bad]) {
      expect(reference(path, 'csv')).toBeInstanceOf(InputError);
      for (const bytes of [16, 64, 200]) {
        streaming.blockBytes = bytes;
        expect(check(path)).toBe(true);
      }
    }
  });

  it('a wide --label-column table: its logits from any start are parseTable\'s', () => {
    const names = Array.from({ length: WIDTH }, (_, c) => (c === 100 ? 'label' : `c${c}`));
    const rows = [0, 1, 2].map((r) => Array.from({ length: WIDTH }, (_, c) => (c === 100 ? String(r * 3) : cellAt(r * WIDTH + c))).join(','));
    const text = `${names.join(',')}\n${rows.join('\n')}\n`;
    const path = file(text);
    const opts = { labelColumn: 'label', dropColumns: ['c200'], delimiter: ',' };
    const want = parseTable(text, path, opts).logits.data as Float64Array;
    const width = WIDTH - 2;
    for (const bytes of [16, 200]) {
      streaming.blockBytes = bytes;
      const { logits } = openTableFile(path, opts)!;
      expect(logits.shape).toEqual([3, width]);
      for (let start = 0; start < 3 * width; start += 41) {
        for (const length of [5, width]) {
          const end = Math.min(3 * width, start + length);
          expectSameBits(piece(logits, start, end, Math.floor(bytes / 8)), want.subarray(start, end));
        }
      }
    }
  });
});

describe('no buffer of the row\'s width', () => {
  /** The largest typed array or Buffer made while `run` runs, in bytes. */
  function largestAllocation(run: () => void): number {
    let largest = 0;
    const g = globalThis as unknown as Record<string, unknown>;
    const names = ['Float64Array', 'Float32Array', 'Int32Array', 'Uint32Array', 'Uint8Array', 'Uint16Array', 'Int16Array', 'Int8Array', 'ArrayBuffer'];
    const saved = names.map((n) => g[n]);
    for (const [k, n] of names.entries()) {
      const real = saved[k] as new (...args: unknown[]) => { byteLength: number };
      const counted: unknown = new Proxy(real, {
        construct(target, args, newTarget) {
          const made = Reflect.construct(target, args, newTarget === counted ? target : newTarget) as { byteLength: number };
          largest = Math.max(largest, made.byteLength);
          return made;
        },
      });
      g[n] = counted;
    }
    const spies = (['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const).map((f) => {
      const real = Buffer[f].bind(Buffer);
      return vi.spyOn(Buffer, f).mockImplementation(((size: number, ...rest: unknown[]) => {
        largest = Math.max(largest, size);
        return (real as (...a: unknown[]) => Buffer)(size, ...rest);
      }) as never);
    });
    try {
      run();
    } finally {
      names.forEach((n, k) => (g[n] = saved[k]));
      for (const s of spies) s.mockRestore();
    }
    return largest;
  }

  afterEach(() => vi.restoreAllMocks());
  // the kernel loaded before (the open reads into its memory): its code is read once, whatever the rows
  beforeAll(() => kernelOn());

  // the window and the blocks are 64 bytes; the largest is the 256-byte table of whitespace bytes
  const most = (WIDTH * 8) / 8;
  // the open also reads the first bytes to tell the format (SNIFF_BYTES, 4096): still less than
  // the row's 5600 bytes of values
  const mostAtOpen = SNIFF_BYTES + 1;

  it('the open pass makes nothing near the row\'s 5600 bytes of values', () => {
    const { path } = wideFile(2);
    streaming.blockBytes = 64;
    let v: Values | undefined;
    expect(largestAllocation(() => (v = openCsvFile(path, 'csv', ',')))).toBeLessThan(mostAtOpen);
    expect(mostAtOpen).toBeLessThan(WIDTH * 8);
    expect(v!.shape).toEqual([2, WIDTH]);
  });

  it('nor do reads in pieces from any start', () => {
    const { path, want } = wideFile(2);
    streaming.blockBytes = 64;
    const v = openCsvFile(path, 'csv', ',')!;
    const got = new Float64Array(want.length);
    const largest = largestAllocation(() => {
      for (const [start, end] of [[0, want.length], [350, 1050], [699, 1400]]) {
        v.read(1, start, end, (data, first, count) => got.set((data as Float64Array).subarray(0, count), first));
      }
    });
    expectSameBits(got, want);
    expect(largest).toBeLessThan(most);
  });

  it('the counter sees a buffer of the row\'s width when one is made', () => {
    expect(largestAllocation(() => new Float64Array(WIDTH))).toBe(WIDTH * 8);
    expect(largestAllocation(() => Buffer.allocUnsafe(WIDTH))).toBe(WIDTH);
  });
});

describe('cross-entropy over a wide CSV row', () => {
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-wide-csv-'));
  const saved = wideRows.values;
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    wideRows.values = saved;
  });

  it('read in pieces of 8 values, gives the bits of the same values as NPY', async () => {
    const classes = 3000;
    const x = Float64Array.from({ length: 2 * classes }, (_, i) => (Number.isFinite(valueAt(i)) ? valueAt(i) : 0.5));
    const csv = join(dir, 'logits.csv');
    const npy = join(dir, 'logits.npy');
    const labels = join(dir, 'labels.npy');
    writeFileSync(csv, [0, 1].map((r) => Array.from(x.subarray(r * classes, (r + 1) * classes), (v, c) => (c % 11 === 3 ? `"${v}"` : String(v))).join(',')).join('\n') + '\n');
    writeFileSync(npy, encodeNpy({ data: x, shape: [2, classes], dtype: 'float64' }));
    writeFileSync(labels, encodeNpy({ data: BigInt64Array.from([1234n, 2999n]), shape: [2], dtype: 'int64' }));
    wideRows.values = 2; // every row in pieces
    streaming.blockBytes = 64;
    const loss = async (logits: string): Promise<number> => {
      const out = await runCli(['ce', logits, labels, '--json']);
      expect(out.code, out.stderr).toBe(0);
      return (JSON.parse(out.stdout) as { loss: number }).loss;
    };
    const fromNpy = await loss(npy);
    expect(Number.isFinite(fromNpy)).toBe(true);
    expect(await loss(csv)).toBe(fromNpy);
  });
});
