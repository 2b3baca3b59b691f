/**
 * --label-column tables read in blocks (io/table-file.ts) against the whole-text table reader
 * (parseTable, tested on the numpy/pandas fixtures): the same logits and labels to the bit,
 * in blocks of every size, or the same error, at the open or when the bad row is read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { decodeText } from '../../src/io/format.js';
import { streaming } from '../../src/io/npy-file.js';
import { csvChecks } from '../../src/io/csv-file.js';
import { parseTable, type Table, type TableOptions } from '../../src/io/table.js';
import { openTableFile } from '../../src/io/table-file.js';
import { openTable, readTable } from '../../src/io/read.js';
import { isValues, type Values } from '../../src/values.js';
import { materialize } from '../../src/losses/targets.js';
import { toFloat64 } from '../../src/tensor.js';
import { BLOCKS, csvTestHooks, expectSameBits, file, readAll, readError } from './csv-check.js';
import { FIXTURES, manifest } from './manifest.js';

csvTestHooks();

/** The table through openTableFile against parseTable; false when the open left it to parseTable. */
function checkTable(path: string, opts: TableOptions): boolean {
  const delimiter = opts.delimiter ?? (path.endsWith('.tsv') ? '\t' : ',');
  let expected: Table | Error;
  try {
    expected = parseTable(decodeText(readFileSync(path)), path, { ...opts, delimiter });
  } catch (e) {
    expected = e as Error;
  }
  let opened: { logits: Values; labels: Values } | undefined;
  try {
    opened = openTableFile(path, { ...opts, delimiter });
  } catch (e) {
    expect(expected).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe((expected as Error).message);
    return true;
  }
  if (opened === undefined) return false;
  if (expected instanceof Error) {
    const e = readError(opened.logits) ?? readError(opened.labels);
    expect(e?.message).toBe(expected.message);
    return true;
  }
  for (const name of ['logits', 'labels'] as const) {
    const v = opened[name];
    const want = expected[name];
    expect(v.shape).toEqual(want.shape);
    const rows = v.shape[0];
    const width = v.shape[1] ?? 1;
    expectSameBits(readAll(v, width, 0, rows), want.data as Float64Array);
    expectSameBits(readAll(v, 1, 0, rows * width), want.data as Float64Array);
    const mid = Math.floor(rows / 2);
    expectSameBits(readAll(v, width, mid, rows), (want.data as Float64Array).subarray(mid * width));
  }
  return true;
}

describe('tables in blocks', () => {
  it.each(Object.keys(manifest.tables))('the fixture %s', (name) => {
    const exp = manifest.tables[name];
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      expect(checkTable(join(FIXTURES, name), { labelColumn: exp.labelColumn, dropColumns: exp.dropColumns })).toBe(true);
    }
  });

  it.each([
    ['ids and a label column by name', 'id,a,p\nx-1,1,0.25\n"y,2",2,1\n', { labelColumn: 'p', dropColumns: ['id'] }],
    ['a text id in a dropped first column, no header', 'x-1,1,0\ny-2,2,1\n', { labelColumn: -1, dropColumns: [0] }],
    ['--header over a first row of numbers', 'x,0,1\n5,6,7\n8,9,10\n', { labelColumn: '-3', header: true }],
    ['one logits column', 'y,x\n1,0.5\n0,-2\n', { labelColumn: 'y' }],
    ['quoted names with non-ASCII, CRLF', '"clé","naïve ""x""",label\r\n0.5,1.5,1\r\n-2,3e-3,0\r\n', { labelColumn: 'label' }],
    ['a bad cell in a read column', 'a,y\n1,0\n2,0\n3,cat\n', { labelColumn: 'y' }],
    ['a bad cell in a dropped column is never read', 'a,y,id\n1,0,x\n2,1,y\n3,0,"z\nw"\n', { labelColumn: 'y', dropColumns: ['id'] }],
    ['a ragged row', 'a,y\n1,0\n2,1\n2\n', { labelColumn: 'y' }],
    ['an unknown label column', 'a,b\n1,2\n3,4\n', { labelColumn: 'target' }],
    ['the label column dropped', 'a,b,c\n1,2,3\n4,5,6\n', { labelColumn: 'a', dropColumns: [0] }],
  ] as [string, string, TableOptions][])('%s', (_, text, opts) => {
    const path = file(text);
    for (const bytes of BLOCKS) {
      streaming.blockBytes = bytes;
      for (const openBytes of [0, 4 << 20]) {
        csvChecks.openBytes = openBytes;
        const taken = checkTable(path, opts);
        // a bad row that the open checks leaves the file to parseTable
        if (openBytes === 0 || !/bad cell in a read|ragged/.test(_)) expect(taken).toBe(true);
      }
    }
  });

  it('openTable gives Values for one CSV file and for shards, the values readTable gives', async () => {
    const path = file('a,y\n1,0\n2,1\n');
    const one = await openTable(path, { labelColumn: 'y' });
    expect(isValues(one.logits) && isValues(one.labels)).toBe(true);
    const two = await openTable([path, path], { labelColumn: 'y' });
    expect(isValues(two.logits) && isValues(two.labels)).toBe(true);
    const whole = await readTable([path, path], { labelColumn: 'y' });
    for (const k of ['logits', 'labels'] as const) expect(toFloat64(materialize(two[k]))).toEqual(toFloat64(materialize(whole[k])));
  });
});

describe('table shards', () => {
  it('are joined when their headers name the same columns in the same order (the label anywhere), refused otherwise', async () => {
    const a = file('id,f0,f1,label\n0,0.5,1.5,1\n1,2.5,-1,0\n');
    const moved = file('label,f0,f1,id\n0,3,4,2\n');
    const swapped = file('id,f1,f0,label\n2,4,3,0\n');
    const renamed = file('id,g0,g1,label\n2,3,4,0\n');
    const opts = { labelColumn: 'label', dropColumns: ['id'] };
    const joined = await openTable([a, moved], opts);
    expect(Array.from(toFloat64(materialize(joined.logits)))).toEqual([0.5, 1.5, 2.5, -1, 3, 4]);
    for (const other of [swapped, renamed]) {
      await expect(openTable([a, other], opts)).rejects.toThrow(/shards must name the same columns in the same order/);
      await expect(readTable([a, other], opts)).rejects.toThrow(/shards must name the same columns in the same order/);
    }
  });
});
