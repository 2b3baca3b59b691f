/**
 * --save-per-sample's columns beside the loss (label, predicted, p_label, id) in .csv, .json
 * and .npz, and the per-class table's order, names and "N more" line, against the values
 * PyTorch gives (scripts/make_sample_fixtures.py, fixtures/samples/expected.json).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../src/io/read.js';
import { FIXTURES, runCli } from './helpers.js';

const SAMPLES = join(FIXTURES, 'samples');
interface Case {
  argv: string[];
  loss: number[];
  label: number[];
  predicted: (number | null)[];
  p_label: (number | null)[];
  ids?: string[];
  perClass?: { rows: { class: number; name?: string; meanLoss: number }[]; more: number };
}
const cases = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Record<string, Case>;
const dir = mkdtempSync(join(tmpdir(), 'losscalc-save-columns-'));

/** The case's arguments with its files as paths. */
const argvOf = (c: Case) => c.argv.map((a) => (/\.(csv|npy|txt|json)$/.test(a) ? join(SAMPLES, a) : a));

/** float64 agreement with PyTorch: the same formulas in another order of operations. */
function expectClose(got: (number | null)[], want: (number | null)[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i];
    if (w === null || g === null) expect([i, g]).toEqual([i, w]);
    else expect(Math.abs(g - w), `at ${i}: ${g} vs ${w}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
  });
}

/** RFC 4180 rows (quoted cells may hold commas and doubled quotes). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split('\n')) {
    const cells: string[] = [];
    for (let i = 0; i <= line.length; ) {
      if (line[i] === '"') {
        let cell = '';
        let j = i + 1;
        for (;;) {
          const q = line.indexOf('"', j);
          cell += line.slice(j, q);
          if (line[q + 1] === '"') {
            cell += '"';
            j = q + 2;
          } else {
            i = q + 2;
            break;
          }
        }
        cells.push(cell);
      } else {
        const end = line.indexOf(',', i) === -1 ? line.length : line.indexOf(',', i);
        cells.push(line.slice(i, end));
        i = end + 1;
      }
    }
    rows.push(cells);
  }
  return rows;
}

async function save(c: Case, ext: string, extra: string[] = []): Promise<string> {
  const out = join(dir, `${c.argv[1]}-${Math.random().toString(36).slice(2)}${ext}`);
  const r = await runCli([...argvOf(c), ...extra, '--save-per-sample', out, '-q']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

const number = (cell: string) => (cell === '' ? null : Number(cell));

describe('--save-per-sample .csv: index, id, loss, label, predicted, p_label', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const [header, ...rows] = csvRows(readFileSync(await save(c, '.csv'), 'utf8'));
      const columns = c.ids ? ['index', 'id', 'loss', 'label', 'predicted', 'p_label'] : ['index', 'loss', 'label', 'predicted', 'p_label'];
      expect(header).toEqual(columns);
      const col = (n: string) => rows.map((r) => r[columns.indexOf(n)]);
      expect(col('index').map(Number)).toEqual(c.loss.map((_, i) => i));
      if (c.ids) expect(col('id')).toEqual(c.ids);
      expectClose(col('loss').map(number), c.loss);
      expect(col('label').map(number)).toEqual(c.label);
      expect(col('predicted').map(number)).toEqual(c.predicted);
      expectClose(col('p_label').map(number), c.p_label);
    });
  }
});

describe('--save-per-sample .json: a record per sample', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const records = JSON.parse(readFileSync(await save(c, '.json'), 'utf8')) as Record<string, number | string | null>[];
      expect(records.map((r) => Object.keys(r))).toEqual(c.loss.map(() => (c.ids ? ['index', 'id', 'loss', 'label', 'predicted', 'p_label'] : ['index', 'loss', 'label', 'predicted', 'p_label'])));
      if (c.ids) expect(records.map((r) => r.id)).toEqual(c.ids);
      expectClose(records.map((r) => r.loss as number), c.loss);
      expect(records.map((r) => r.label)).toEqual(c.label);
      expect(records.map((r) => r.predicted)).toEqual(c.predicted);
      expectClose(records.map((r) => r.p_label as number | null), c.p_label);
    });
  }
});

describe('--save-per-sample .npz: loss, label, predicted, p_label', () => {
  const arrays = ['loss', 'label', 'predicted', 'p_label'] as const;
  const values = async (spec: string) => {
    const t = await readInput(spec);
    return { shape: t.shape, dtype: t.dtype, values: Array.from(t.data as Float64Array, (v) => (Number.isNaN(v) ? null : v)) };
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}, read back by losscalc's npz reader`, async () => {
      const out = await save(c, '.npz');
      for (const a of arrays) {
        const got = await values(`${out}:${a}`);
        expect(got.dtype).toBe('float64');
        expectClose(got.values, c[a]);
      }
    });
  }
  it("equals numpy.savez's archive of PyTorch's arrays, shapes included (K-dim, an ignored target as NaN)", async () => {
    const out = await save(cases.kdim, '.npz');
    for (const a of arrays) {
      const [got, want] = [await values(`${out}:${a}`), await values(`${join(SAMPLES, 'kdim_expected.npz')}:${a}`)];
      expect(got.shape).toEqual([2, 4]);
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values);
    }
  });
  it('.npy stays the losses alone', async () => {
    const t = await readInput(await save(cases.kdim, '.npy'));
    expect(t.shape).toEqual([2, 4]);
    expectClose(Array.from(t.data as Float64Array), cases.kdim.loss);
  });
});

/** The per-class table's rows (class, then name when there is one) and the line after them. */
function perClassTable(stdout: string): { rows: string[][]; after: string } {
  const lines = stdout.split('\n');
  const start = lines.indexOf('per class') + 2;
  let end = start;
  while (/^\s+\d/.test(lines[end])) end++;
  return { rows: lines.slice(start, end).map((l) => l.trim().split(/\s+/)), after: lines[end] };
}

describe('the per-class table: --classes k rows, highest mean loss first, named', () => {
  it('--classes 4 of 6: the 4 with the highest mean loss, names from the CSV header, then "2 more"', async () => {
    const c = cases.ce_ids;
    const r = await runCli([...argvOf(c), '--top', '1', '--classes', '4', '--no-color']);
    expect(r.code).toBe(0);
    const { rows, after } = perClassTable(r.stdout);
    expect(rows.map((row) => [Number(row[0]), row[1]])).toEqual(c.perClass!.rows.map((p) => [p.class, p.name]));
    expect(c.perClass!.more).toBe(2);
    expect(after).toBe('  ... 2 more classes (--classes 6 shows them all)');
  });
  it('default 20: every class, names from the --label-column table header, no "more" line', async () => {
    const c = cases.table_ids;
    const r = await runCli([...argvOf(c), '--top', '1', '--no-color']);
    const { rows, after } = perClassTable(r.stdout);
    expect(rows.map((row) => [Number(row[0]), row[1]])).toEqual(c.perClass!.rows.map((p) => [p.class, p.name]));
    expect(after).toBe('');
  });
  for (const file of ['names.txt', 'names.json']) {
    it(`names from --class-names ${file}; --json perClass keeps every class, by class, each named`, async () => {
      const c = cases.names_file;
      const argv = argvOf(c).map((a) => a.replace(/names\.txt$/, file));
      const { rows, after } = perClassTable((await runCli([...argv, '--top', '1', '--classes', '3', '--no-color'])).stdout);
      expect(rows.map((row) => [Number(row[0]), row[1]])).toEqual(c.perClass!.rows.map((p) => [p.class, p.name]));
      expect(after).toBe('  ... 3 more classes (--classes 6 shows them all)');
      const j = JSON.parse((await runCli([...argv, '--top', '1', '--json'])).stdout) as { perClass: { class: number; name: string }[] };
      const names = JSON.parse(readFileSync(join(SAMPLES, 'names.json'), 'utf8')) as string[];
      expect(j.perClass.map((p) => [p.class, p.name])).toEqual(names.map((n, i) => [i, n]));
    });
  }
  it('--json perClass has no "name" when no names are known', async () => {
    const c = cases.kdim;
    const j = JSON.parse((await runCli([...argvOf(c), '--top', '1', '--json'])).stdout) as { perClass: object[] };
    expect(j.perClass.length).toBe(3);
    for (const p of j.perClass) expect(p).not.toHaveProperty('name');
  });
});

describe('errors: exit 2 and one line naming the file or flag', () => {
  const cli = async (argv: string[]) => {
    const r = await runCli(argv);
    return [r.code, r.stdout, r.stderr];
  };
  const ce = argvOf(cases.ce_ids).slice(0, 3);
  const at = (name: string) => join(SAMPLES, name);
  it('--class-names with a count other than C', async () => {
    expect(await cli([...ce, '--id-column', 'image', '--class-names', at('names_short.txt')])).toEqual([2, '', `losscalc: ${at('names_short.txt')}: holds 5 class names, but the logits have 6 classes\n`]);
  });
  it('--class-names: a JSON list with an item that is not a string, or not a list', async () => {
    const bad = join(dir, 'bad-names.json');
    writeFileSync(bad, '["a", 3]');
    expect(await cli([...ce, '--id-column', 'image', '--class-names', bad])).toEqual([2, '', `losscalc: ${bad}: item 1 of the JSON list is 3, not a string (a class name)\n`]);
    writeFileSync(bad, '[1,');
    expect((await cli([...ce, '--id-column', 'image', '--class-names', bad]))[2]).toMatch(new RegExp(`^losscalc: ${bad}: not a JSON list of class names: .*\n$`));
  });
  it('--class-names: a file that is not there', async () => {
    const missing = join(dir, 'no-names.txt');
    expect(await cli([...ce, '--id-column', 'image', '--class-names', missing])).toEqual([2, '', `losscalc: ${missing}: no such file\n`]);
  });
  it('--classes: not a whole number >= 1', async () => {
    expect(await cli([...ce, '--id-column', 'image', '--classes', '0'])).toEqual([2, '', 'losscalc: --classes needs a whole number >= 1, got 0\n']);
  });
  it('--id-column: a column the CSV does not have, by name and by index', async () => {
    expect(await cli([...ce, '--id-column', 'img'])).toEqual([
      2,
      '',
      `losscalc: ${ce[1]}: the id column "img" is not in the header; the columns are "image", "cat", "dog", "bird", "fish", "frog", "newt"\n`,
    ]);
    expect((await cli([...ce, '--id-column', '9']))[2]).toBe(
      `losscalc: ${ce[1]}: the id column index 9 is out of range: the table has 7 columns (0-based indices 0 to 6, or -1 to -7 from the end)\n`,
    );
  });
  it('--id-column: the label column', async () => {
    expect(await cli(['ce', at('ce_table.csv'), '--label-column', 'label', '--id-column', 'label'])).toEqual([
      2,
      '',
      `losscalc: ${at('ce_table.csv')}: the id column "label" (index 7) is also the label column\n`,
    ]);
  });
  it('--id-column with a non-CSV input, or standard input', async () => {
    expect(await cli(['ce', at('ce_logits.npy'), at('ce_labels.npy'), '--id-column', '0'])).toEqual([
      2,
      '',
      `losscalc: ${at('ce_logits.npy')}: --id-column reads the ids again when saving, from a CSV/TSV file: this is an NPY file\n`,
    ]);
    const r = await runCli(['ce', '-', at('ce_labels.npy'), '--id-column', 'image'], {}, false, readFileSync(at('ce_logits.csv')));
    expect([r.code, r.stderr]).toEqual([2, 'losscalc: -: --id-column reads the ids again when saving, from a CSV/TSV file: this is standard input, read once\n']);
  });
  it('--id-column with shards, or with no labels file', async () => {
    expect(await cli(['ce', '-l', ce[1], '-l', ce[1], '-y', ce[2], '-y', ce[2], '--id-column', 'image'])).toEqual([
      2,
      '',
      'losscalc: --id-column reads the ids from one CSV file, not 2 shards\n',
    ]);
    expect(await cli(['ce', ce[1], '--id-column', 'image'])).toEqual([2, '', 'losscalc: --id-column needs the labels as a file of their own, or a --label-column in the same CSV\n']);
  });
});
