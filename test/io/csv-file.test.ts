/**
 * CSV/TSV files read in blocks at the byte level (io/csv-file.ts) against the whole-text
 * reader (parseCsv): the same values to the bit, read in blocks of every size and from any
 * row, and the same errors; files that are not plain numeric text are left to parseCsv.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { getEnvironmentData } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { csvChecks, csvLimits, openCsvFile } from '../../src/io/csv-file.js';
import { parseInput } from '../../src/io/format.js';
import { streaming } from '../../src/io/npy-file.js';
import { openInput, readInput } from '../../src/io/read.js';
import type { Tensor } from '../../src/tensor.js';
import { isValues, type Values } from '../../src/values.js';
// @ts-expect-error: a plain ES module without types (the benchmark's np.savetxt %g)
import { formatG } from '../../bench/lib/printf.mjs';
import { cases as pytorchCases, expectReport, resolveArgv, type Report } from '../cases.js';
import { inputErrorSync } from './helpers.js';
import { BLOCKS, check, csvTestHooks, delimiterOf, file, lastFile, readAll, readError, reference, type Format } from './csv-check.js';
import { THREADS } from '../helpers.js';
import { FIXTURES } from './manifest.js';

csvTestHooks();

describe('openCsvFile on the fixtures', () => {
  const io = readdirSync(FIXTURES)
    .filter((f) => /\.(csv|tsv|txt)$/.test(f))
    .map((f) => join(FIXTURES, f));
  const losses = join(FIXTURES, '..', 'losses');
  const cases = readdirSync(losses).flatMap((d) =>
    readdirSync(join(losses, d))
      .filter((f) => /\.(csv|tsv)$/.test(f))
      .map((f) => join(losses, d, f)),
  );
  const all = [...io, ...cases];
  it('finds them', () => expect(cases.length).toBeGreaterThan(30));
  for (const path of all) {
    const format: Format = /\.tsv$/.test(path) ? 'tsv' : 'csv';
    const delimiter = basename(path) === 'semicolon.txt' ? ';' : /_tab_txt/.test(path) ? '\t' : undefined;
    const name = path.slice(FIXTURES.length - 'io/'.length);
    it(name, () => {
      for (const bytes of BLOCKS) {
        streaming.blockBytes = bytes;
        const taken = check(path, format, delimiter);
        // every numeric fixture without quotes and with two rows or more takes the fast path
        const text = readFileSync(path, 'latin1');
        if (!text.includes('"') && !(reference(path, format, delimiter) instanceof Error) && /[\n].*\S/.test(text.trim())) {
          expect(taken, `${name} through the fast path`).toBe(true);
        }
      }
    });
  }
});

describe('openCsvFile on written files', () => {
  it.each([
    ['LF, trailing newline', '1,2\n3,4\n'],
    ['no trailing newline', '1,2\n3,4'],
    ['CRLF', '1,2\r\n3,4\r\n'],
    ['CRLF, no trailing newline', '1,2\r\n3,4'],
    ['BOM and a header', '\uFEFFa,b\n1,2\n3,4\n'],
    ['BOM and a comment', '\uFEFF# a b\n1,2\n3,4\n'],
    ['comments, blank and space-only lines', '# x\n\n1,2\n  \n#\n3,4\n\n\n \t \n'],
    ['a savetxt header', '# a,b\n1.5e+00,-2.5e-01\nnan,-inf\n'],
    ['spaces, tabs, \\v and \\f around cells', ' 1 ,\t2\x0b\n\x0c3,4 \n'],
    ['one column', '1\n2\n3\n'],
    ['one column with a header', 'x\n1\n2\n'],
    ['tokens in every case', 'NaN,+Inf,-INFINITY,inFinity\n-nan,inf,-inf,+nan\n'],
    ['signs, dots and exponents', '-0,+0,.5,5.\n1e5,1E-5,-.5e+3,+7.e2\n'],
    ['long and tiny numbers', '1.000000000000000056e-01,123456789012345678\n4.9e-324,1.7976931348623157e308\n'],
    ['overflow and underflow', '1e400,-1e400\n1e-400,0e999999999\n'],
    ["pandas' header of column numbers", '0,1\n0.5,1.0\n3,4\n'],
    ['a first row of integers 0, 1 under which integers are data', '0,1\n1,0\n3,4\n'],
  ])('%s', (_, content) => {
    const path = file(content);
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      expect(check(path)).toBe(true);
    }
  });

  it('takes --header and --no-header as parseCsv does', () => {
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      for (const header of [true, false, undefined]) {
        expect(check(file('0,1\n1,0\n3,4\n'), 'csv', undefined, header)).toBe(true);
        expect(check(file('# c\n1,2\n3,4\n5,6\n'), 'csv', undefined, header)).toBe(true);
        expect(check(file('0,1\n0.5,1.5\n3,4\n'), 'csv', undefined, header)).toBe(true);
      }
    }
    expect(openCsvFile(file('1,2\n3,4\n5,6\n'), 'csv', ',', true)!.shape).toEqual([2, 2]);
    const named = file('a,b\n3,4\n5,6\n');
    expect(inputErrorSync(() => openCsvFile(named, 'csv', ',', false), named).message).toBe('line 1, column 1: "a" is not a number');
  });

  it('reads TSV and other delimiters', () => {
    expect(check(file('1\t2\n3\t4\n', 'tsv'), 'tsv')).toBe(true);
    expect(check(file('1;2\n3;4\n', 'txt'), 'csv', ';')).toBe(true);
    expect(check(file('1|2\n3|4\n'), 'csv', '|')).toBe(true);
    expect(check(file('1 2\n3 4\n'), 'csv', ' ')).toBe(true);
  });

  it('reads a larger savetxt file in blocks of every size', () => {
    const rows = 300;
    const columns = 7;
    let text = '# a header line\n';
    for (let r = 0; r < rows; r++) {
      text += Array.from({ length: columns }, (_, c) => formatG(Math.sin(r * columns + c) * 10 ** ((r % 9) - 4), 7)).join(',') + '\n';
    }
    const path = file(text);
    for (const bytes of [16, 100, 1000, 10_000, 4 << 20]) {
      streaming.blockBytes = bytes;
      expect(check(path)).toBe(true);
    }
  });
});

describe('errors are parseCsv errors', () => {
  const bad = [
    ['a word', '1,2\n3,4\n5,abc\n'],
    ['an empty cell', '1,2\n3,4\n5,\n'],
    ['a short row', '1,2\n3,4\n5\n'],
    ['a long row', '1,2\n3,4\n5,6,7\n'],
    ['a bad number', '1,2\n3,4\n1e,2\n'],
    ['a hex number', '1,2\n3,4\n0x10,2\n'],
    ['two dots', '1,2\n3,4\n1.2.3,2\n'],
    ['an incomplete token', '1,2\n3,4\ninfinit,2\n'],
    ['a space-separated cell', '1,2\n3,4\n5 6,7\n'],
    ['a comment not at the line start', '1,2\n3,4\n #5,6\n'],
    ['a late quote', '1,2\n3,4\n"5",x\n'],
    ['a bad first row under a header', 'a,b\nx,2\n3,4\n'],
    ['a ragged second row', '1,2\n3\n5,6\n'],
    ['a first row of numbers and text', '0.1,abc\n0.3,0.4\n0.6,0.1\n'],
    ['a first row of numbers and names', '1,b\n1,2\n3,4\n'],
    ["a header with pandas' unnamed index column", ',0,1\n0,0.5,1.5\n1,2.5,3.5\n'],
  ];

  it.each(bad)('%s: when the open checks the row, the open throws the error', (_, content) => {
    const path = file(content);
    const expected = reference(path, 'csv');
    expect(expected).toBeInstanceOf(InputError);
    expect(inputErrorSync(() => openCsvFile(path, 'csv', ','), path).message).toBe((expected as Error).message);
    expect(check(path)).toBe(true);
  });

  it.each(bad)('%s: when the row is only read, the read throws the same error', (_, content) => {
    csvChecks.openBytes = 0;
    const path = file(content);
    expect(reference(path, 'csv')).toBeInstanceOf(InputError);
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      expect(check(path)).toBe(true);
    }
  });

  it('checks the rows in the first openBytes at the open, the others when read', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${i + 0.5}`);
    rows[40] = '40,x';
    const path = file(rows.join('\n') + '\n');
    csvChecks.openBytes = 100;
    expect(check(path)).toBe(true); // opens: row 40 is past byte 100
    csvChecks.openBytes = 1000;
    expect(inputErrorSync(() => openCsvFile(path, 'csv', ','), path).message).toBe('line 41, column 2: "x" is not a number');
  });

  it.each([
    ['empty', ''],
    ['only blank lines', '\n\n  \n'],
    ['only comments', '# a\n# b\n'],
    ['only a header', 'a,b\n'],
    ['only a quoted header', '"a","b"\n'],
  ])('%s: left to parseCsv', (_, content) => {
    const path = file(content);
    expect(openCsvFile(path, 'csv', ',')).toBeUndefined();
  });

  it('names the file and line through openInput, as readInput does', async () => {
    csvChecks.openBytes = 0;
    const path = file('1,2\n3,4\n5,x\n');
    const v = await openInput(path);
    expect(isValues(v)).toBe(true);
    const e = readError(v as Values) as InputError;
    const want = await readInput(path).catch((x: unknown) => x as InputError);
    expect(e).toBeInstanceOf(InputError);
    expect([e.source, e.message]).toEqual([want.source, want.message]);
    expect(e.message).toBe('line 3, column 2: "x" is not a number');
  });

  it('refuses a bad delimiter as parseCsv does', () => {
    const path = file('1#2\n3#4\n');
    expect(openCsvFile(path, 'csv', '#')).toBeUndefined();
    expect(openCsvFile(path, 'csv', '::')).toBeUndefined();
    expect(openCsvFile(path, 'csv', '1')).toBeUndefined();
  });

  it('says the file changed if it did since it was opened', () => {
    const path = file('1,2\n3,4\n');
    const v = openCsvFile(path, 'csv', ',')!;
    writeFileSync(path, '1,2\n"3",4\n'); // now quoted, and longer
    expect(readError(v)?.message).toBe('the file changed while it was read: it had 8 bytes, it now has 10');
    expect((readError(v) as InputError).source).toBe(path);
  });

  it('says the file changed if it shrank, in every block size, even after a part was read', () => {
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      const rows = Array.from({ length: 40 }, (_, i) => `${i},${i / 4}`).join('\n') + '\n';
      const path = file(rows);
      const v = openCsvFile(path, 'csv', ',')!;
      expect(v.shape).toEqual([40, 2]);
      readAll(v, 2, 0, 10);
      truncateSync(path, rows.indexOf('\n20,'));
      expect(readError(v)?.message).toBe(`the file changed while it was read: it had ${rows.length} bytes, it now has ${rows.indexOf('\n20,')}`);
      // also when it shrinks while a read is under way
      const w = openCsvFile(file(rows), 'csv', ',')!;
      const wPath = lastFile();
      const e = (() => {
        try {
          w.read(2, 0, 40, (_, first) => {
            if (first === 0) truncateSync(wPath, 30);
          });
        } catch (x) {
          return x as Error;
        }
        return undefined;
      })();
      if (bytes < rows.length) expect(e?.message).toBe(`the file changed while it was read: it had ${rows.length} bytes, it now has 30`);
    }
  });

  it('says the file changed if it was written to with the same size', () => {
    const path = file('1,2\n3,4\n');
    const v = openCsvFile(path, 'csv', ',')!;
    const { mtime } = statSync(path);
    writeFileSync(path, '1,2\n3,x\n');
    utimesSync(path, mtime, new Date(mtime.getTime() + 5000));
    expect(readError(v)?.message).toBe('the file changed while it was read: it was written to since it was opened');
  });

  it('refuses a cell longer than maxCellBytes, rather than growing a buffer for it; a long row is no error', () => {
    csvLimits.maxCellBytes = 64;
    const path = file(`1,2\n${'1'.repeat(100)},2\n3,4\n`);
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes; // from chunks that hold the cell to chunks that must grow for it
      if (bytes < 64) {
        const e = inputErrorSync(() => openCsvFile(path, 'csv', ','), path);
        expect(e.message).toBe('a cell longer than 64 bytes from byte 4: no number is that long');
      }
      const row = `${'1,'.repeat(100)}1\n`; // 202 bytes, in cells of 2
      expect(check(file(row + row + row))).toBe(true);
    }
  });
});

describe('files whose line breaks papaparse guesses are left to parseCsv', () => {
  it.each([
    ['mixed line breaks', '1,2\r\n3,4\n5,6\r\n'],
    ['a lone CR', '1,2\r3,4\r'],
    ['a CR at the end', '1,2\n3,4\r'],
    ['a lone CR in a comment', '# a\rb\n1,2\n3,4\n'],
    ['a lone CR in a quoted cell', '1,"2\r"\n3,4\n'],
    ['a stray quote in a CRLF file', 'a"b,c\r\n1,2\r\n3,4\r\n'],
    ['a second BOM', '\uFEFF\uFEFF1,2\n3,4\n'],
  ])('%s', async (_, content) => {
    const path = file(content);
    expect(openCsvFile(path, 'csv', ',')).toBeUndefined();
    const opened = await openInput(path).catch((e: unknown) => e);
    const whole = await readInput(path).catch((e: unknown) => e);
    expect(opened).toEqual(whole);
  });
});

describe('the layout shared with worker threads', () => {
  const key = (path: string, delimiter = ',', header?: boolean) => `losscalc:csv-layout:${path}\0${delimiter}\0${header}`;

  it('is shared for a settled file, and not used once the file changed', () => {
    csvChecks.settledMs = -60_000; // every file counts as settled
    const path = file('1,2\n3,4\n');
    expect(openCsvFile(path, 'csv', ',')!.shape).toEqual([2, 2]);
    expect(getEnvironmentData(key(path))).toMatchObject({ layout: { rows: 2, columns: 2 } });
    expect(openCsvFile(path, 'csv', ',')!.shape).toEqual([2, 2]);
    writeFileSync(path, '1,2,3\n4,5,6\n7,8,9\n');
    utimesSync(path, 0, 0);
    const v = openCsvFile(path, 'csv', ',')!;
    expect(v.shape).toEqual([3, 3]);
    expect(Array.from(readAll(v, 3, 0, 3))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('is not shared for a file written just now', () => {
    const path = file('1,2\n3,4\n');
    expect(openCsvFile(path, 'csv', ',')).toBeDefined();
    expect(getEnvironmentData(key(path))).toBeUndefined();
  });
});

describe('openInput', () => {
  it('gives Values for a plain CSV or TSV file, a tensor otherwise', async () => {
    expect(isValues(await openInput(file('1,2\n3,4\n')))).toBe(true);
    expect(isValues(await openInput(file('1\t2\n3\t4\n', 'tsv')))).toBe(true);
    expect(isValues(await openInput(file('1;2\n3;4\n', 'txt'), { delimiter: ';' }))).toBe(true);
    expect(isValues(await openInput(file('"1",2\n3,4\n')))).toBe(true);
    expect(isValues(await openInput(file('1,2\r\n3,4\n')))).toBe(false);
    expect(isValues(await openInput(file('1,2\n3,4\n', 'dat'), { format: 'csv' }))).toBe(true);
  });
});

/** A cell as np.savetxt, Python, JavaScript or a person may write it. */
const cell: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.double(), fc.integer({ min: 1, max: 17 })).map(([x, p]) => formatG(x, p) as string),
  fc.double().map((x) => formatG(x, 7) as string),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => formatG(x, 7) as string),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 })).map(([x, p]) => x.toPrecision(p)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([x, d]) => x.toExponential(d)),
  fc.double().map((x) => String(x)),
  fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      fc.stringMatching(/^[0-9]{0,25}$/),
      fc.option(fc.stringMatching(/^[0-9]{0,25}$/)),
      fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{1,4}$/))),
    )
    .filter(([, i, f]) => i.length + (f ?? '').length > 0)
    .map(([s, i, f, e]) => `${s}${i}${f === null ? '' : `.${f}`}${e === null ? '' : e.join('')}`),
  fc.tuple(fc.constantFrom('', '-', '+'), fc.constantFrom('nan', 'inf', 'infinity'), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 })).map(
    ([s, t, up]) => s + [...t].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join(''),
  ),
);

const padded = fc
  .tuple(fc.constantFrom('', '', '', ' ', '\t', '  '), cell, fc.constantFrom('', '', '', ' ', '\t'))
  .map(([a, c, b]) => a + c + b);

/** Rarely, a cell that is not a number. */
const anyCell = fc.oneof({ arbitrary: padded, weight: 30 }, { arbitrary: fc.constantFrom('', 'x', '1e', '.', '-', '1 2', '0x1', 'nana', '1..2', '1e+'), weight: 1 });

describe('properties', () => {
  it('every cell is read as parseCsv reads it, to the bit', () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 2, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(16, 64, 4096), fc.constantFrom(0, 100, 4 << 20), (cells, columns, block, openBytes) => {
        while (cells.length % columns !== 0) cells.pop();
        if (cells.length < 2 * columns) return;
        const rows = [];
        for (let i = 0; i < cells.length; i += columns) rows.push(cells.slice(i, i + columns).join(','));
        const path = file(rows.join('\n') + '\n');
        streaming.blockBytes = block;
        csvChecks.openBytes = openBytes;
        const expected = reference(path, 'csv');
        expect(expected).not.toBeInstanceOf(Error);
        expect(check(path)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('files with headers, comments, blank lines, CRLF, a BOM and bad cells read as parseCsv reads them', () => {
    const layout = fc.record({
      columns: fc.integer({ min: 1, max: 5 }),
      rows: fc.integer({ min: 2, max: 12 }),
      header: fc.boolean(),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      finalNewline: fc.boolean(),
      delimiter: fc.constantFrom(',', '\t', ';'),
      extras: fc.array(fc.tuple(fc.nat(20), fc.constantFrom('', '# comment', '#', '   ', '\t')), { maxLength: 4 }),
      seed: fc.array(anyCell, { minLength: 60, maxLength: 60 }),
      block: fc.constantFrom(16, 64, 4096),
      openBytes: fc.constantFrom(0, 100, 4 << 20),
    });
    fc.assert(
      fc.property(layout, (l) => {
        const pad = (c: string): string => (l.delimiter === '\t' ? c.replace(/\t/g, ' ') : c);
        const lines: string[] = [];
        if (l.header) lines.push(Array.from({ length: l.columns }, (_, c) => `col${c}`).join(l.delimiter));
        for (let r = 0; r < l.rows; r++) {
          lines.push(Array.from({ length: l.columns }, (_, c) => pad(l.seed[(r * l.columns + c) % l.seed.length])).join(l.delimiter));
        }
        for (const [at, extra] of l.extras) lines.splice(at % (lines.length + 1), 0, extra);
        const eol = l.crlf ? '\r\n' : '\n';
        const text = (l.bom ? '\uFEFF' : '') + lines.join(eol) + (l.finalNewline ? eol : '');
        const format: Format = l.delimiter === '\t' ? 'tsv' : 'csv';
        const path = file(text, format);
        streaming.blockBytes = l.block;
        csvChecks.openBytes = l.openBytes;
        check(path, format, l.delimiter);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the PyTorch cases with CSV logits, on three threads, in blocks of 64 bytes (the built binary)', () => {
  const BIN = join(import.meta.dirname, '..', '..', 'bin', 'losscalc.cjs');
  const csvCases = pytorchCases.filter(
    (c) => !c.merge && !c.stdin && c.argv[0] !== 'check' && /\.(csv|tsv|txt)$/.test(c.argv[1] ?? '') && !c.argv.includes('--label-column'),
  );
  it('has cases', () => expect(csvCases.length).toBeGreaterThan(10));
  for (const c of csvCases) {
    it(c.name, () => {
      const r = spawnSync(process.execPath, [BIN, ...resolveArgv(c.argv), '--json', '-j', THREADS], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '64' },
      });
      expect(r.stderr.includes('internal error'), r.stderr).toBe(false);
      expectReport(c, JSON.parse(r.stdout) as Report);
    });
  }

  it('a bad cell in the first row is an error, not a header, in blocks and threads', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},0.5,-1`);
    rows[0] = '0.1,0.2,abc,1';
    const logits = file(`${rows.join('\n')}\n`);
    const labels = file(Array.from({ length: 11 }, (_, i) => i % 4).join('\n') + '\n'); // the 11 rows a dropped header would leave
    for (const openBytes of ['0', String(4 << 20)]) {
      for (const threads of ['1', '2']) {
        const r = spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-j', threads], {
          encoding: 'utf8',
          env: { ...process.env, LOSSCALC_BLOCK_BYTES: '64', LOSSCALC_CSV_OPEN_BYTES: openBytes },
        });
        expect(r.stderr).toBe(`losscalc: ${logits}: line 1, column 3: "abc" is not a number (if line 1 is a header, give --header)\n`);
        expect(r.status).toBe(2);
      }
    }
  });

  it('--header reaches the threads', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${i},${-i},0.5,-1`);
    const logits = file(`${rows.join('\n')}\n`);
    const labels = file(`target\n${Array.from({ length: 11 }, (_, i) => i % 4).join('\n')}\n`);
    const run = (...more: string[]) =>
      spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-j', THREADS, '--json', ...more], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '64' },
      });
    const r = run('--header');
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { shapes: { logits: number[] } }).shapes.logits).toEqual([11, 4]);
    // without it, 12 rows of logits and 11 labels: an error, also on threads
    const e = run();
    expect(e.stderr).toBe(`losscalc: ${labels}: labels shape (11,) does not fit logits shape (12, 4): class indices need (12,), class probabilities (12, 4)\n`);
    expect(e.status).toBe(2);
  });

  it('names a bad cell found by a thread by its place in the whole file', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},0.5,-1`);
    rows[10] = '1,2,x,4'; // in the last of three parts
    const logits = file(`# a header comment\n${rows.join('\n')}\n`);
    const labels = file(Array.from({ length: 12 }, (_, i) => i % 4).join('\n') + '\n');
    const r = spawnSync(process.execPath, [BIN, 'ce', logits, labels, '-j', THREADS], {
      encoding: 'utf8',
      env: { ...process.env, LOSSCALC_BLOCK_BYTES: '64', LOSSCALC_CSV_OPEN_BYTES: '0' },
    });
    expect(r.stderr).toBe(`losscalc: ${logits}: line 12, column 3: "x" is not a number\n`);
    expect(r.status).toBe(2);
  });
});
