/**
 * CSV's byte loops in the WebAssembly kernel (io/csv-kernel.ts, kernel/csv.ts) against the
 * JavaScript path (LOSSCALC_KERNEL=scalar, kernelMode.scalar): the same values, to the bit
 * (Object.is per value, NaN bits aside), and the same errors (text, line, column), on
 * generated CSV with every kind of cell and row, read in blocks of every size, with the open
 * pass parsing the rows or only counting them; and both the same as parseCsv's. The loops
 * on their own: csv-kernel-loops.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvChecks, openCsvFile } from '../../src/io/csv-file.js';
import { csvKernelRows } from '../../src/io/csv-kernel.js';
import { streaming } from '../../src/io/npy-file.js';
import { kernelMode, kernelOn } from '../../src/kernel/index.js';
import { check, csvTestHooks, file, readAll } from './csv-check.js';

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
