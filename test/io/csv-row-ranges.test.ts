/**
 * A CSV/TSV file read in blocks serves any range of rows quickly, as a thread that claims the
 * next chunk of rows asks for them (io/csv-values.ts, csv-scan.ts): chunks in any order give
 * the whole-text reader's values (parseCsv) to the bit, in files with quoted cells, CRLF,
 * comments and blank rows; reads that go on from where the last stopped read no byte twice;
 * and the marks a read starts from lie close enough that it skips little before its rows.
 */
import * as fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { openCsvFile } from '../../src/io/csv-file.js';
import { whitespace } from '../../src/io/csv-cells.js';
import { scanLayout } from '../../src/io/csv-scan.js';
import { streaming } from '../../src/io/npy-file.js';
import type { Tensor } from '../../src/tensor.js';
import { BLOCKS, csvTestHooks, expectSameBits, file, readAll, reference } from './csv-check.js';

// every byte the readers read, counted
const bytesRead = vi.hoisted(() => ({ n: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const readSync = (...args: Parameters<typeof real.readSync>): number => {
    const n = real.readSync(...args);
    bytesRead.n += n;
    return n;
  };
  return { ...real, default: { ...real, readSync }, readSync };
});

csvTestHooks();

/** A permutation of 0..n-1, the same every run. */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 7;
  for (let i = n - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = (seed >>> 8) % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** `rows` rows of `columns` cells, with the decorations `row` adds to row r's text. */
function text(rows: number, columns: number, nl: string, row: (r: number, line: string) => string = (_, line) => line): string {
  let out = '';
  for (let r = 0; r < rows; r++) {
    const cells = Array.from({ length: columns }, (_, c) => String(Math.round(Math.sin(r * columns + c) * 1e6) / 1e5));
    out += row(r, cells.join(',')) + nl;
  }
  return out;
}

const FILES: [string, string][] = [
  ['plain rows', text(300, 5, '\n')],
  ['CRLF', text(300, 5, '\r\n')],
  ['comments and blank rows', text(300, 5, '\n', (r, line) => (r % 17 === 3 ? `# note ${r}\n\n${line}` : line))],
  ['quoted cells, some holding line breaks', text(300, 5, '\n', (r, line) => (r % 13 === 2 ? line.replace(/^([^,]*)/, '"$1\n"') : line))],
  ['quoted cells, CRLF', text(300, 5, '\r\n', (r, line) => (r % 11 === 1 ? line.replace(/^([^,]*)/, '" $1 "') : line))],
  ['one column of labels', Array.from({ length: 3000 }, (_, i) => (i * 7) % 10).join('\n') + '\n'],
];

describe('chunks of rows in any order', () => {
  it.each(FILES)('%s: each chunk is the whole-text reader\'s rows', (_, content) => {
    const path = file(content);
    const expected = reference(path, 'csv') as Tensor;
    expect(expected).not.toBeInstanceOf(Error);
    const want = expected.data as Float64Array;
    const [rows] = expected.shape;
    const columns = expected.shape[1] ?? 1;
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      const v = openCsvFile(path, 'csv', ',')!;
      expect(v).toBeDefined();
      for (const size of [1, 7, 64]) {
        const chunks = Math.ceil(rows / size);
        for (const k of shuffled(chunks)) {
          const start = k * size;
          const end = Math.min(rows, start + size);
          expectSameBits(readAll(v, columns, start, end), want.subarray(start * columns, end * columns));
        }
      }
    }
  });
});

describe('reads that go on from where the last stopped', () => {
  it('read each byte of the file once, not a buffer again for each read', () => {
    const content = Array.from({ length: 20000 }, (_, i) => (i * 3) % 10).join('\n') + '\n';
    const path = file(content);
    streaming.blockBytes = 4096;
    const v = openCsvFile(path, 'csv', ',')!;
    bytesRead.n = 0;
    let sum = 0;
    for (let r = 0; r < 20000; r += 100) v.read(1, r, r + 100, (d) => (sum += (d as Float64Array).reduce((a, b) => a + b, 0)));
    expect(sum).toBe(Array.from({ length: 20000 }, (_, i) => (i * 3) % 10).reduce((a, b) => a + b, 0));
    expect(bytesRead.n).toBeLessThanOrEqual(content.length + 4096);
  });
});

describe('marks', () => {
  it('lie at most 1024 rows apart in a file of short rows, and at most 64 KiB apart', () => {
    const labels = file(Array.from({ length: 50000 }, (_, i) => i % 10).join('\n') + '\n');
    const wide = file(text(400, 60, '\n'));
    for (const [path, most] of [[labels, 1024], [wide, Infinity]] as const) {
      const fd = fs.openSync(path, 'r');
      const layout = scanLayout(fd, fs.fstatSync(fd), path, 44, whitespace(44), undefined)!;
      fs.closeSync(fd);
      const { markRows, markOffsets } = layout;
      expect(markRows[0]).toBe(0);
      for (let i = 1; i < markRows.length; i++) {
        expect(markRows[i] - markRows[i - 1]).toBeLessThanOrEqual(most);
        expect(markOffsets[i] - markOffsets[i - 1]).toBeLessThanOrEqual((1 << 16) + 1000);
      }
      // the last mark is near the end
      expect(layout.rows - markRows[markRows.length - 1]).toBeLessThanOrEqual(most === Infinity ? 400 : most);
      expect(layout.size - markOffsets[markOffsets.length - 1]).toBeLessThanOrEqual((1 << 16) + 1000);
    }
  });
});
