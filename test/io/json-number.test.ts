/**
 * Number literals read from bytes give the float64 JSON.parse gives, to the bit, for every
 * literal the grammar allows: long mantissas, exponents of any size, -0, integers beyond
 * 2^53 (which also keep their text, as `written`); in memory and from a file read in chunks
 * of a few bytes, so that literals cross chunk boundaries.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/io/json.js';
import { openJsonFile } from '../../src/io/json-file.js';
import { streaming } from '../../src/io/npy-file.js';

const digits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** Any literal of JSON's number grammar. */
const literal = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 24)).map(([a, b]) => a + b)),
    fc.option(digits(1, 30)),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.oneof(digits(1, 2), digits(1, 4), fc.constant('400')))),
  )
  .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`);

/** How JavaScript (and Python) print doubles and float32 values widened: shortest round-trip digits. */
const printed = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.float({ noNaN: true, noDefaultInfinity: true })).map((x) => JSON.stringify(x));

/** Literals at the edges: subnormals, the largest double, halfway cases, 2^53 and past it. */
const EDGES = [
  '0', '-0', '-0.0', '0e0', '-0e-5', '5e-324', '2e-324', '4.9406564584124654e-324', '2.2250738585072011e-308',
  '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '1e309', '-1e400',
  '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '18446744073709551615',
  '123456789012345678901234567890', '0.1', '0.30000000000000004', '1e22', '1e23', '8.98846567431158e307',
  '9007199254740993.0', '2.00000000000000011102230246251565404236316680908203125', '0.000000000000000000000000000001',
  '1.00000000000000000000000000000000000000001', '7.038531e-26', '1e-7', '123456789012345.6', '1234567890123456.7',
];

function expectSame(read: ArrayLike<number>, literals: string[]): void {
  expect(read.length).toBe(literals.length);
  for (let i = 0; i < literals.length; i++) {
    const want = JSON.parse(literals[i]) as number;
    if (!Object.is(read[i], want)) expect.fail(`${literals[i]}: read ${read[i]}, JSON.parse gives ${want}`);
  }
}

describe('number literals as JSON.parse reads them', () => {
  it('edge cases', () => {
    expectSame(parseJson(`[${EDGES.join(', ')}]`, 'n.json').data as Float64Array, EDGES);
  });

  it('any literal of the grammar, and every printed double', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(literal, printed), { minLength: 1, maxLength: 20 }), (literals) => {
        expectSame(parseJson(`[${literals.join(',')}]`, 'n.json').data as Float64Array, literals);
      }),
      { numRuns: 2000 },
    );
  });

  it('integers beyond 2^53 keep their text; others do not', () => {
    const t = parseJson('[9007199254740993, -18446744073709551617, 9007199254740991, 1e300, 12345678901234567890.5, 3]', 'n.json');
    expect([0, 1, 2, 3, 4, 5].map((i) => t.written?.(i))).toEqual(['9007199254740993', '-18446744073709551617', undefined, undefined, undefined, undefined]);
  });
});

describe('number literals from a file read in chunks of a few bytes', () => {
  const saved = streaming.blockBytes;
  beforeAll(() => {
    streaming.blockBytes = 8;
  });
  afterAll(() => {
    streaming.blockBytes = saved;
  });
  const dir = mkdtempSync(join(tmpdir(), 'losscalc-json-number-'));
  let n = 0;

  it('give the same values, and the same written text', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(literal, printed, fc.constantFrom(...EDGES)), { minLength: 2, maxLength: 30 }), (literals) => {
        const path = join(dir, `n${n++}.json`);
        writeFileSync(path, `[${literals.join(', ')}]`);
        const v = openJsonFile(path, 'json')!;
        const read: number[] = [];
        v.read(1, 0, literals.length, (d) => read.push(...d));
        expectSame(read, literals);
        const whole = parseJson(`[${literals.join(', ')}]`, 'n.json');
        for (let i = 0; i < literals.length; i++) expect(v.written?.(i)).toBe(whole.written?.(i));
      }),
      { numRuns: 300 },
    );
  });
});
