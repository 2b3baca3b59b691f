/**
 * --save-per-sample's columns over more samples than one window (report/sample-columns.ts):
 * the windows join without a gap or an overlap, the ids stay with their rows, and the id
 * reader (io/id-column.ts) reports a ragged row with its line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdReader } from '../src/io/id-column.js';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { runCli, seeded } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-save-windows-'));
const N = 40_000; // more than two windows of 16,384 samples
const C = 3;

describe('windows of samples', () => {
  const random = seeded(7);
  const logits = Float32Array.from({ length: N * C }, () => (random() - 0.5) * 8);
  const labels = BigInt64Array.from({ length: N }, (_, i) => BigInt(i % C));
  const rows = Array.from({ length: N }, (_, i) => `r${i},${Array.from(logits.subarray(i * C, (i + 1) * C)).join(',')}`);
  writeFileSync(join(dir, 'x.csv'), `id,a,b,c\n${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ data: labels, shape: [N], dtype: 'int64' }));

  it('-j 2 reads the logits without their id column too: the same file as one thread writes', async () => {
    const saved = ['j1.csv', 'j2.csv'].map((f) => join(dir, f));
    for (const [i, j] of ['1', '2'].entries()) {
      const r = await runCli(['ce', join(dir, 'x.csv'), join(dir, 'y.npy'), '--id-column', 'id', '-j', j, '--save-per-sample', saved[i], '-q']);
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
    expect(readFileSync(saved[1], 'utf8')).toBe(readFileSync(saved[0], 'utf8'));
  });
  it('the CSV rows are the .npy losses, each with its row id and label, and p_label = exp(-loss) (cross-entropy without weights)', async () => {
    const [csv, npy] = [join(dir, 's.csv'), join(dir, 's.npy')];
    for (const out of [csv, npy]) expect((await runCli(['ce', join(dir, 'x.csv'), join(dir, 'y.npy'), '--id-column', 'id', '--save-per-sample', out, '-q'])).code).toBe(0);
    const losses = parseNpy(readFileSync(npy), npy).data as Float64Array;
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('index,id,loss,label,predicted,p_label');
    expect(lines.length).toBe(N + 1);
    for (let i = 0; i < N; i++) {
      const [index, id, loss, label, predicted, p] = lines[i + 1].split(',');
      expect([Number(index), id, Number(loss), Number(label)]).toEqual([i, `r${i}`, losses[i], i % C]);
      // softmax(x)[y] = exp(-cross_entropy(x, y)); above 1/2 it is the largest
      expect(Math.abs(Number(p) - Math.exp(-losses[i]))).toBeLessThanOrEqual(1e-12);
      if (Number(p) > 0.5) expect(Number(predicted)).toBe(i % C);
    }
  });
});

describe('the id reader', () => {
  const at = (text: string, columns: number, headed: boolean) => {
    const path = join(dir, `ids-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, text);
    return { path, delimiter: ',', column: 0, columns, headed };
  };
  it('skips the header, comments and blank lines; reads quoted ids as written, unquoted ones trimmed (CRLF too)', () => {
    const reader = new IdReader(at('id,a\r\n# note\r\n a ,1\r\n\r\n"b, ""c""",2\r\n', 2, true));
    expect([reader.next(), reader.next()]).toEqual(['a', 'b, "c"']);
    reader.close();
  });
  it('a ragged row: its line and how many columns', () => {
    const reader = new IdReader(at('id,a\nx,1\ny\n', 2, true));
    expect(reader.next()).toBe('x');
    expect(() => reader.next()).toThrow(/^line 3 has 1 columns, expected 2$/);
    reader.close();
  });
  it('fewer rows than samples: the file changed', () => {
    const reader = new IdReader(at('x,1\n', 2, false));
    expect(reader.next()).toBe('x');
    expect(() => reader.next()).toThrow(/has fewer rows than samples/);
    reader.close();
  });
});
