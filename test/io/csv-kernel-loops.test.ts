/**
 * CSV's kernel (io/csv-kernel.ts, kernel/csv.ts) at the level of its loops and buffers: rows
 * parsed and counted as the JavaScript path does them (line breaks and all), window buffers
 * taken and given back, blocks parsed into a read region, and which files it reads.
 */
import { openSync, closeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { whitespace } from '../../src/io/csv-cells.js';
import { openCsvFile } from '../../src/io/csv-file.js';
import { CSV_KERNEL_MIN_BYTES, csvKernelRows } from '../../src/io/csv-kernel.js';
import { CsvRows } from '../../src/io/csv-rows.js';
import { ByteWindow } from '../../src/io/csv-window.js';
import { kernelMode } from '../../src/kernel/index.js';
import { loadKernel } from '../../src/kernel/load.js';
import { freeReadRegions } from '../../src/kernel/read-regions.js';
import { csvTestHooks, expectSameBits, file, readAll, reference } from './csv-check.js';

csvTestHooks();

// the kernel on for these tests, whatever LOSSCALC_KERNEL says; the files here are small
const mode = { ...kernelMode };
beforeAll(() => Object.assign(kernelMode, { scalar: false, simd: true }));
afterAll(() => Object.assign(kernelMode, mode));

describe('the kernel', () => {
  const COMMA = 44;
  /** A reader over `content`, at its first row, the file closed after `run`. */
  function over<T>(content: string, run: (rows: CsvRows) => T): T {
    const path = file(content);
    const fd = openSync(path, 'r');
    try {
      const rows = new CsvRows(fd, 0, 4096, path, COMMA, whitespace(COMMA), true);
      expect(rows.startRow()).toBe(true);
      const result = run(rows);
      rows.w.release();
      return result;
    } finally {
      closeSync(fd);
    }
  }

  it('parses plain rows and counts rows, with their line breaks, as the JavaScript path does', () => {
    const content = '1.5,-2e3, 7 \r\n+.25,nan,-Infinity\r\n3,4,5\n12345678901234567,1,2\n9,9,9\n';
    const run = (scalar: boolean) => {
      kernelMode.scalar = scalar;
      try {
        const out = new Float64Array(15);
        const parsed = over(content, (rows) => [rows.plainRows(out, 0, 10, 3), rows.line, rows.crBreaks, rows.offset()]);
        const counted = over(content, (rows) => [rows.countRows(10, 3, Infinity), rows.line, rows.crBreaks, rows.offset()]);
        return { out: Array.from(out), parsed, counted };
      } finally {
        kernelMode.scalar = false;
      }
    };
    const before = { ...csvKernelRows };
    const kernel = run(false);
    // the kernel took the first three rows, and left the fourth (17 digits) to parseRow
    expect(csvKernelRows.parsed - before.parsed).toBe(4);
    expect(csvKernelRows.counted - before.counted).toBe(5);
    const js = run(true);
    expect(kernel).toEqual(js);
    expect(js.parsed).toEqual([5, 6, 2, content.length]);
  });

  it('counts rows of every length from 2 to 80 bytes, their line breaks and quotes at every place in its 32-byte steps, as the JavaScript path does', () => {
    // two cells a row: "1" and digits, the row's length growing by one; now and then a quote, a ragged row, "\r\n"
    const rows = Array.from({ length: 160 }, (_, r) => {
      const second = '5'.repeat(r % 80);
      if (r % 37 === 36) return `1,"${second}"`;
      if (r % 53 === 52) return `1,${second},2`;
      return `1,${second}${r % 3 === 0 ? '\r' : ''}`;
    });
    const content = `${rows.join('\n')}\n`;
    const run = (scalar: boolean) => {
      kernelMode.scalar = scalar;
      try {
        // from every row on: each starts at another place in the steps
        return rows.map((_, skip) =>
          over(content, (rows) => {
            for (let k = 0; k < skip; k++) rows.skipRow(true), rows.startRow();
            const n = [];
            for (let more = 0; more < 3; more++) {
              n.push(rows.countRows(200, 2, Infinity), rows.line, rows.crBreaks, rows.offset());
              if (rows.skipRow(true) === undefined || !rows.startRow()) break;
            }
            return n;
          }),
        );
      } finally {
        kernelMode.scalar = false;
      }
    };
    const before = csvKernelRows.counted;
    const kernel = run(false);
    expect(csvKernelRows.counted).toBeGreaterThan(before);
    expect(kernel).toEqual(run(true));
  });

  it('takes the oldest window\'s buffer when none is free: that window reads on from the file, mid-row too', () => {
    // more files read part way, each keeping its reader for the read that goes on, than the kernel has window buffers
    const files = Array.from({ length: 6 }, (_, f) => file(Array.from({ length: 50 }, (_, r) => `${f}.5,${r}e-3,-${r}.25\r\n`).join('')));
    const values = files.map((path) => openCsvFile(path, 'csv', ',')!);
    const firsts = values.map((v) => readAll(v, 1, 0, 37));
    values.forEach((v, f) => {
      const want = reference(files[f], 'csv').data as Float64Array;
      expectSameBits(firsts[f], want.subarray(0, 37));
      const got = readAll(v, 1, 37, 150);
      expectSameBits(got, want.subarray(37));
    });
  });

  it('parses a block into the kernel\'s memory, where the loss kernels read it, and gives its region back', () => {
    const content = Array.from({ length: 3000 }, (_, r) => `${r}.5,-${r}.25,${r % 7}e-3\n`).join('');
    const path = file(content);
    const memory = loadKernel()!.memory.buffer;
    const regions = freeReadRegions()!.length;
    const v = openCsvFile(path, 'csv', ',')!;
    const before = csvKernelRows.parsed;
    const got = new Float64Array(9000);
    v.read(3, 0, 3000, (data, first) => {
      expect(data.buffer === memory, 'the block lies in the kernel\'s memory').toBe(true);
      expect(freeReadRegions()!.length).toBe(regions - 1);
      got.set(data, first * 3);
    });
    expect(freeReadRegions()!.length).toBe(regions);
    expect(csvKernelRows.parsed - before).toBeGreaterThan(2900);
    expectSameBits(got, reference(path, 'csv').data as Float64Array);
  });

  it('a reader whose window buffer was taken reads on from where it was, mid-row too', () => {
    const content = Array.from({ length: 40 }, (_, r) => `${r}.5,${r}e-3,-${r}.25\n`).join('');
    const path = file(content);
    const fd = openSync(path, 'r');
    try {
      const rows = new CsvRows(fd, 0, 4096, path, COMMA, whitespace(COMMA));
      const out = new Float64Array(120);
      expect(rows.values(out, 0, 31, 3, 3)).toBe(true); // ten rows and a cell
      const pos = rows.w.pos;
      const others = Array.from({ length: 3 }, () => new ByteWindow(fd, 0, 4096, path));
      expect(rows.w.pos).toBeLessThan(pos); // its bytes were dropped
      expect(rows.values(out, 31, 89, 3, 3)).toBe(true);
      expect(Array.from(out)).toEqual(content.trim().split(/[,\n]/).map(Number));
      for (const w of [...others, rows.w]) w.release();
    } finally {
      closeSync(fd);
    }
  });

  it('gives a window buffer back once, however often it is released: no two windows share one', () => {
    const a = new ByteWindow(0, 0, 4096, 'f');
    a.release();
    a.release();
    const b = new ByteWindow(0, 0, 4096, 'f');
    const c = new ByteWindow(0, 0, 4096, 'f');
    expect(b.buf.buffer === c.buf.buffer && b.buf.byteOffset === c.buf.byteOffset).toBe(false);
    b.release();
    c.release();
  });
});

describe('which files the kernel reads', () => {
  it('files from CSV_KERNEL_MIN_BYTES on, any file with LOSSCALC_KERNEL=simd, any file once the run uses the kernel', async () => {
    // modules of their own: no kernel loaded yet
    vi.resetModules();
    const { kernelFor: fresh } = await import('../../src/io/csv-kernel.js');
    const load = await import('../../src/kernel/load.js');
    Object.assign(load.kernelMode, { scalar: false, simd: false, small: false, sized: false });
    expect(fresh(CSV_KERNEL_MIN_BYTES - 1)).toBe(false);
    expect(fresh(CSV_KERNEL_MIN_BYTES)).toBe(true);
    load.kernelMode.simd = true;
    expect(fresh(10)).toBe(true);
    load.kernelMode.simd = false;
    // a run of large logits (useKernelFor) reads its small labels through the kernel too
    load.useKernelFor(1 << 20);
    expect(fresh(10)).toBe(true);
    // one of small logits does not
    load.useKernelFor(10);
    expect(fresh(10)).toBe(false);
    vi.resetModules();
  });
});
