/**
 * CSV's byte loops in the WebAssembly kernel (io/csv-kernel.ts, kernel/csv.ts) against the
 * JavaScript path (LOSSCALC_KERNEL=scalar, kernelMode.scalar): the same values, to the bit
 * (Object.is per value, NaN bits aside), and the same errors (text, line, column), on
 * generated CSV with every kind of cell and row, read in blocks of every size, with the open
 * pass parsing the rows or only counting them; and both the same as parseCsv's.
 */
import fc from 'fast-check';
import { openSync, closeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { whitespace } from '../../src/io/csv-cells.js';
import { csvChecks, openCsvFile } from '../../src/io/csv-file.js';
import { CSV_KERNEL_MIN_BYTES, csvKernelRows } from '../../src/io/csv-kernel.js';
import { CsvRows } from '../../src/io/csv-rows.js';
import { ByteWindow } from '../../src/io/csv-window.js';
import { streaming } from '../../src/io/npy-file.js';
import { kernelMode, kernelOn } from '../../src/kernel/index.js';
import { loadKernel } from '../../src/kernel/load.js';
import { freeReadRegions } from '../../src/kernel/read-regions.js';
import { check, csvTestHooks, expectSameBits, file, readAll, reference } from './csv-check.js';

csvTestHooks();

// the kernel on for these tests, whatever LOSSCALC_KERNEL says
// the files here are small: the kernel reads them all the same, as LOSSCALC_KERNEL=simd makes it
const mode = { ...kernelMode };
beforeAll(() => Object.assign(kernelMode, { scalar: false, simd: true }));
afterAll(() => Object.assign(kernelMode, mode));

/** What the block reader makes of the file, with the kernel on or off: its values or its error. */
function outcome(path: string, scalar: boolean): Float64Array | Error | undefined {
  kernelMode.scalar = scalar;
  try {
    const v = openCsvFile(path, 'csv', ',');
    if (v === undefined) return undefined; // left to parseCsv
    return readAll(v, 1, 0, v.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    return e as Error;
  } finally {
    kernelMode.scalar = false;
  }
}

function expectSame(kernel: Float64Array | Error | undefined, js: Float64Array | Error | undefined): void {
  if (js instanceof Error || js === undefined) {
    expect(kernel).toEqual(js); // an error's class and message (line and column), or both left to parseCsv
    if (js instanceof Error) expect((kernel as Error).message).toBe(js.message);
    return;
  }
  expect(kernel).toBeInstanceOf(Float64Array);
  const k = kernel as Float64Array;
  expect(k.length).toBe(js.length);
  for (let i = 0; i < js.length; i++) {
    if (!Object.is(k[i], js[i])) expect(k[i], `value ${i}`).toBe(js[i]);
  }
}

/** Digits drawn evenly (fast-check's bias would make most of them zeros). */
const digits = (min: number, max: number) => fc.noBias(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max }));
const sign = fc.constantFrom('', '', '-', '+');
const space = fc.constantFrom('', '', '', ' ', '\t', '  ', '\v', '\f');
/**
 * A decimal of 1 to 20 digits, the point anywhere or nowhere, an exponent from -330 to 330 or
 * none: often around the fast path's edges (15 and 16 digits, exponents near ±22).
 */
const decimal = fc
  .tuple(
    sign,
    fc.oneof(digits(1, 8), digits(14, 17), digits(1, 20)),
    fc.nat(21),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 330 })), fc.constantFrom('', '0', '00'))),
  )
  .map(([s, d, point, exp]) => {
    const text = point >= d.length ? d : point === 0 ? `.${d}` : `${d.slice(0, point)}.${d.slice(point)}`;
    return s + text + (exp ? `${exp[0]}${exp[1]}${exp[3]}${exp[2]}` : '');
  });
const token = fc.tuple(sign, fc.constantFrom('nan', 'NaN', 'inf', 'Inf', 'INF', 'infinity', 'Infinity', 'iNfInItY')).map(([s, t]) => s + t);
/** Cells that are no number, or that the kernel leaves to the JavaScript path. */
const odd = fc.constantFrom('x', '', '.', '-', '+-1', '1e', '1.2.3', '0x10', '"1.5"', '" 2 "', '1"', 'infx', 'na', '1e+', '-.e1', '\u00a01');
const cell = fc.oneof({ weight: 6, arbitrary: fc.tuple(space, fc.oneof({ weight: 5, arbitrary: decimal }, { weight: 1, arbitrary: token }), space).map((p) => p.join('')) }, { weight: 1, arbitrary: odd });
/** Rows of `columns` cells, now and then one more or one less, a comment or a blank line between. */
const csv = fc.integer({ min: 1, max: 5 }).chain((columns) =>
  fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 12, arbitrary: fc.array(cell, { minLength: columns, maxLength: columns }) },
          { weight: 1, arbitrary: fc.array(cell, { minLength: 1, maxLength: columns + 2 }) },
          { weight: 1, arbitrary: fc.constantFrom(['# a comment, "quoted"'], [''], ['  ']) },
        ),
        { minLength: 1, maxLength: 24 },
      ),
      fc.constantFrom('\n', '\n', '\r\n'),
      fc.boolean(),
    )
    .map(([rows, nl, last]) => rows.map((r) => (r[0].startsWith('#') ? r[0] : r.join(','))).join(nl) + (last ? nl : '')),
);
/** Plain rows mostly: the kernel's path, now and then a cell it leaves. */
const plain = fc.integer({ min: 1, max: 6 }).chain((columns) =>
  fc
    .tuple(fc.array(fc.array(fc.oneof({ weight: 20, arbitrary: decimal }, { weight: 1, arbitrary: token }), { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 40 }), fc.constantFrom('\n', '\r\n'))
    .map(([rows, nl]) => rows.map((r) => r.join(',')).join(nl) + nl),
);

describe('the kernel path and the JavaScript path', () => {
  it('is on here, so that these tests compare two paths', () => expect(kernelOn()).toBe(true));

  for (const [what, arb] of [
    ['any rows', csv],
    ['plain rows', plain],
  ] as const) {
    it(`give the same values and errors on ${what}, in blocks of any size, the open parsing rows or counting them`, () => {
      const before = { ...csvKernelRows };
      fc.assert(
        fc.property(arb, fc.constantFrom(16, 48, 200, 4096, 4 << 20), fc.boolean(), (text, blockBytes, count) => {
          streaming.blockBytes = blockBytes;
          csvChecks.openBytes = count ? 0 : 4 << 20;
          const path = file(text);
          expectSame(outcome(path, false), outcome(path, true));
        }),
        { numRuns: 150 },
      );
      expect(csvKernelRows.parsed).toBeGreaterThan(before.parsed);
      if (what === 'plain rows') expect(csvKernelRows.counted).toBeGreaterThan(before.counted);
    });
  }

  it('give the same values on the fast path\'s edges: 15 to 17 digits, the point at every place, exponents from -24 to 24', () => {
    // digits from a fixed linear congruential sequence: many above 2^53, where a second rounding shows
    let seed = 12345;
    const digit = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) % 10;
    const rows: string[] = [];
    for (let r = 0; r < 400; r++) {
      const n = 15 + (r % 3);
      const d = Array.from({ length: n }, (_, i) => (i === 0 ? 9 : digit())).join('');
      const point = r % (n + 1);
      const e = (r % 49) - 24;
      rows.push(`${d.slice(0, point)}.${d.slice(point)}e${e},${r % 2 ? '-' : ''}${d.slice(0, point)}.${d.slice(point)}`);
    }
    const path = file(`${rows.join('\n')}\n`);
    const before = csvKernelRows.parsed;
    expectSame(outcome(path, false), outcome(path, true));
    expect(csvKernelRows.parsed).toBeGreaterThan(before);
  });

  it('give the same values on plain cells of every shape: no sign, "-" or "+", 1 to 15 digits, the point at every place or none', () => {
    // each shape its own swizzle (kernel/csv.ts fillDigitOrder); digits from a fixed linear congruential sequence
    let seed = 2024;
    const digit = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) % 10;
    const cells: string[] = [];
    for (const s of ['', '-', '+']) {
      for (let n = 1; n <= 15; n++) {
        for (let point = -1; point <= n; point++) {
          const d = Array.from({ length: n }, digit).join('');
          cells.push(s + (point < 0 ? d : `${d.slice(0, point)}.${d.slice(point)}`));
        }
      }
    }
    // three cells a row, the shapes in every column
    const rows = [0, 1, 2].flatMap((shift) => cells.map((_, i) => [0, 1, 2].map((c) => cells[(i + shift + c * 7) % cells.length]).join(',')));
    const path = file(`${rows.join('\n')}\n`);
    csvChecks.openBytes = 0; // the open only counts the rows: every row is parsed once, when read
    const before = csvKernelRows.parsed;
    const kernel = outcome(path, false);
    // the kernel took every row but the first, read on the JavaScript path as the buffer fills
    expect(csvKernelRows.parsed - before).toBe(rows.length - 1);
    expectSame(kernel, outcome(path, true));
    expect(Array.from(kernel as Float64Array)).toEqual(rows.flatMap((r) => r.split(',').map(Number)));
  });

  it('give parseCsv\'s values and errors, read from any row and in any unit', () => {
    fc.assert(
      fc.property(fc.oneof(csv, plain), fc.constantFrom(48, 4096, 4 << 20), (text, blockBytes) => {
        streaming.blockBytes = blockBytes;
        check(file(text));
      }),
      { numRuns: 60 },
    );
  });
});

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
