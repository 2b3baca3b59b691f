/**
 * The readers of text in blocks (CSV and TSV, --label-column tables, JSON), called directly as
 * threads and the library API call them, make of a file's first bytes what parseInput makes of
 * them (text-head.ts): a format losscalc does not read is refused by name, in parseInput's
 * words, never read as text; another readable format's magic is left to the whole-file reader.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openCsvFile } from '../../src/io/csv-file.js';
import { parseInput } from '../../src/io/format.js';
import { jsonFiles, openJsonFile } from '../../src/io/json-file.js';
import { streaming } from '../../src/io/npy-file.js';
import { openTableFile } from '../../src/io/table-file.js';
import { inputErrorSync } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-first-bytes-'));
let files = 0;
function file(bytes: Uint8Array, ext: string): string {
  const path = join(dir, `f${files++}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}

const saved = streaming.blockBytes;
beforeAll(() => {
  jsonFiles.wholeBytes = 0; // every JSON file in blocks, however small
});
afterAll(() => {
  streaming.blockBytes = saved;
  jsonFiles.wholeBytes = undefined;
});

const text = (s: string) => Buffer.from(s);
/** First bytes of formats losscalc does not read, each followed by text a CSV reader would take cells from. */
const FOREIGN: [string, Uint8Array][] = [
  ['gzip with an unknown method', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x09]), text('0\t1\n2\t3\n')])],
  ['gzip', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), text('1,2\n3,4\n')])],
  ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), text('1,2\n3,4\n')])],
  ['a Python pickle', Buffer.concat([Buffer.from([0x80, 0x04]), text('1,2\n3,4\n')])],
];

/** parseInput's message for the bytes read as `format`. */
function expected(bytes: Uint8Array, format: 'csv' | 'tsv' | 'json'): string {
  const e = inputErrorSync(() => parseInput(bytes, 'x', { format }), 'x');
  return e.message;
}

describe('a format losscalc does not read, given to a block reader of text', () => {
  it.each(FOREIGN)('%s: refused by openCsvFile in parseInput words, in blocks of every size', (_, bytes) => {
    for (const [format, delimiter] of [['csv', ','], ['tsv', '\t']] as const) {
      const path = file(bytes, format);
      for (const size of [1, 3, 8, 24, 4096]) {
        streaming.blockBytes = size;
        expect(inputErrorSync(() => openCsvFile(path, format, delimiter), path).message).toBe(expected(bytes, format));
      }
    }
  });

  it.each(FOREIGN)('%s: refused by openTableFile the same way', (_, bytes) => {
    const path = file(bytes, 'csv');
    streaming.blockBytes = 24;
    expect(inputErrorSync(() => openTableFile(path, { delimiter: ',', labelColumn: 0 }), path).message).toBe(expected(bytes, 'csv'));
  });

  it.each(FOREIGN)('%s: refused by openJsonFile with the format asked for', (_, bytes) => {
    const path = file(bytes, 'json');
    streaming.blockBytes = 24;
    expect(inputErrorSync(() => openJsonFile(path, 'json'), path).message).toBe(expected(bytes, 'json'));
  });
});

describe("another readable format's magic", () => {
  it('is left to the whole-file reader, which names it (a zip, an NPY file, safetensors with a long header)', () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), text('1,2\n3,4\n')]);
    const npy = Buffer.concat([Buffer.from([0x93]), text('NUMPY\x01\x00'), text('1,2\n3,4\n')]);
    // a safetensors header longer than the first bytes sniffed, its length's first byte a '['
    const header = Buffer.from(`{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "pad": "${' '.repeat(0x135b - 64)}"}`.slice(0, 0x135b - 1) + '}');
    const length = Buffer.alloc(8);
    length.writeUInt32LE(header.length);
    const st = Buffer.concat([length, header, Buffer.alloc(4)]);
    expect(st[0]).toBe(0x5b);
    for (const bytes of [zip, npy, st]) {
      expect(() => parseInput(bytes, 'x', { format: 'csv' })).toThrow(InputError);
      expect(openCsvFile(file(bytes, 'csv'), 'csv', ',')).toBeUndefined();
      expect(openJsonFile(file(bytes, 'json'), 'json')).toBeUndefined();
    }
  });
});
