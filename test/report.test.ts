/**
 * Reports: --quiet, --per-sample tables, --save-per-sample, compare's output, warnings,
 * colour. Values are PyTorch's (cases.test.ts); here it is what the user sees around them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../src/io/npy.js';
import { FIXTURES, runCli } from './helpers.js';

const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];
const dir = mkdtempSync(join(tmpdir(), 'losscalc-report-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function json(args: string[]) {
  const r = await runCli([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('--quiet', () => {
  it('prints the loss alone, the same number --json reports', async () => {
    const r = await runCli(['ce', ...EXAMPLE, '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9.e-]+\n$/);
    expect(Number(r.stdout)).toBe((await json(['ce', ...EXAMPLE])).loss);
  });
  it('prints one value a line for reduction none', async () => {
    const r = await runCli(['ce', ...EXAMPLE, '-q', '--reduction', 'none']);
    expect(r.stdout.trim().split('\n').map(Number)).toEqual((await json(['ce', ...EXAMPLE, '--reduction', 'none'])).perSample);
  });
  it('does not go with --json', async () => {
    const r = await runCli(['ce', ...EXAMPLE, '-q', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--quiet and --json');
  });
});

describe('--per-sample and --top', () => {
  it('adds worst samples, per-class table and histogram to the human output within 100 columns', async () => {
    const r = await runCli(['ce', ...EXAMPLE, '--per-sample']);
    expect(r.code).toBe(0);
    for (const heading of ['worst 8 samples', 'per class', 'loss histogram (8 finite)']) expect(r.stdout).toContain(heading);
    expect(r.stdout).toMatch(/index +label +predicted +p\(label\) +loss/);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
  it('--top k turns the breakdown on with k rows, worst first, also in JSON', async () => {
    const j = await json(['ce', ...EXAMPLE, '--top', '3']);
    expect(j.worst).toHaveLength(3);
    const losses = j.worst.map((w: { loss: number }) => w.loss);
    expect([...losses].sort((a: number, b: number) => b - a)).toEqual(losses);
    expect(Math.max(...j.perSample)).toBe(losses[0]);
    expect(j.perClass.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(8);
    expect(j.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(8);
  });
  it('--top needs a whole number', async () => {
    expect((await runCli(['ce', ...EXAMPLE, '--top', '0'])).code).toBe(2);
    expect((await runCli(['ce', ...EXAMPLE, '--top', '2.5'])).stderr).toContain('--top needs a whole number');
  });
  it('leaves ignored targets out of every table', async () => {
    const x = file('x.csv', '1,2,3\n3,2,1\n0,0,9\n');
    const y = file('y.csv', '0\n-100\n1\n');
    const j = await json(['ce', x, y, '--top', '5']);
    expect(j.worst.map((w: { index: number }) => w.index).sort()).toEqual([0, 2]);
    expect(j.perClass.map((c: { class: number }) => c.class)).toEqual([0, 1]);
  });
});

describe('--save-per-sample', () => {
  it('writes .npy (float64, the loss shape), .csv (index,loss,...) and .json (records), equal to perSample', async () => {
    const want = (await json(['ce', ...EXAMPLE, '--reduction', 'none'])).perSample as number[];
    const npy = join(dir, 'l.npy');
    const csv = join(dir, 'l.csv');
    const js = join(dir, 'l.json');
    for (const out of [npy, csv, js]) expect((await runCli(['ce', ...EXAMPLE, '--save-per-sample', out])).code).toBe(0);
    const t = parseNpy(readFileSync(npy), npy);
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([8]);
    expect(Array.from(t.data as Float64Array)).toEqual(want);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('index,loss,label,predicted,p_label');
    expect(lines.slice(1).map((l) => Number(l.split(',')[1]))).toEqual(want);
    expect(JSON.parse(readFileSync(js, 'utf8')).map((r: { loss: number }) => r.loss)).toEqual(want);
  });
  it('refuses other extensions, and a failed write leaves no file behind', async () => {
    expect((await runCli(['ce', ...EXAMPLE, '--save-per-sample', join(dir, 'l.txt')])).code).toBe(2);
    const missing = join(dir, 'no-such-dir', 'l.npy');
    const r = await runCli(['ce', ...EXAMPLE, '--save-per-sample', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`losscalc: ${missing}: cannot write: no such directory\n`);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('warnings go to stderr', () => {
  it('non-finite losses: how many and the first index', async () => {
    const r = await runCli(['ce', file('nan.csv', '1,2\nnan,1\n3,nan\n'), file('l2.csv', '0\n1\n0\n'), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: 2 non-finite loss value(s), first NaN at index 1');
    expect(JSON.parse(r.stdout).loss).toBe('NaN');
  });
  it('non-finite logits and targets: how many and the first index, also when the loss stays finite', async () => {
    const r = await runCli(['ce', file('inf.csv', '1,2,3\n0,-inf,1\n2,1,-inf\n'), file('l3.csv', '0\n2\n0\n'), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('losscalc: warning: 2 non-finite logits, first -Infinity at index (1, 1)\n');
    expect(Number.isFinite(JSON.parse(r.stdout).loss)).toBe(true);
    const t = await runCli(['bce', file('bx2.csv', '0.5\n-1\n2\n'), file('bt2.csv', '1\nnan\n0\n')]);
    expect(t.stderr).toContain('warning: 1 non-finite labels, first NaN at index 1');
  });
  it('all targets ignored', async () => {
    const r = await runCli(['ce', file('a.csv', '1,2\n3,4\n'), file('ign.csv', '-100\n-100\n')]);
    expect(r.stderr).toContain('all targets equal ignore_index -100');
    expect(r.stdout).toContain('nan');
  });
});

describe('compare', () => {
  const a = file('a.json', '[1, 2, 3, 4]');
  it('exit 0 and a one-line verdict when every element is close', async () => {
    const r = await runCli(['compare', a, file('b.json', '[1, 2, 3, 4.000001]')]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('all 4 elements close');
  });
  it('exit 1 with the mismatches and both values', async () => {
    const r = await runCli(['compare', a, file('c.json', '[1, 2.5, 3, 5]')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2 of 4 elements differ (50%)');
    expect(r.stdout).toMatch(/\n +1 +2 +2\.5 +0\.5\n/);
  });
  it('shapes that differ are a failed comparison naming both', async () => {
    const b = file('d.json', '[[1, 2], [3, 4]]');
    const r = await runCli(['compare', a, b]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${a} is (4,), ${b} is (2, 2)`);
    expect(JSON.parse((await runCli(['compare', a, b, '--json'])).stdout)).toMatchObject({ ok: false, shapes: { a: [4], b: [2, 2] } });
  });
  it('needs two files', async () => {
    const r = await runCli(['compare', a]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('compare needs two files');
  });
});

describe('colour', () => {
  it('is off without a terminal and on with FORCE_COLOR; NO_COLOR and --no-color turn it off', async () => {
    const esc = '\u001b[';
    expect((await runCli(['check', ...EXAMPLE], {}, false)).stdout).not.toContain(esc);
    expect((await runCli(['check', ...EXAMPLE], {}, true)).stdout).toContain(esc);
    expect((await runCli(['check', ...EXAMPLE], { NO_COLOR: '1' }, true)).stdout).not.toContain(esc);
    expect((await runCli(['check', ...EXAMPLE, '--no-color'], { FORCE_COLOR: '1' }, true)).stdout).not.toContain(esc);
    expect((await runCli(['check', ...EXAMPLE], { FORCE_COLOR: '1' }, false)).stdout).toContain(esc);
  });
});

describe('layout (snapshot)', () => {
  it('check --per-sample on the example', async () => {
    const r = await runCli(['check', ...EXAMPLE, '--top', '3', '--no-color']);
    expect(r.stdout).toMatchSnapshot();
  });
  it('compare with mismatches', async () => {
    const r = await runCli(['compare', a(), file('snap-b.json', '[1, 2.5, 3, 5]'), '--no-color']);
    expect(r.stdout).toMatchSnapshot();
  });
});

function a(): string {
  return file('snap-a.json', '[1, 2, 3, 4]');
}

describe('progress bar', () => {
  it('draws nothing in the first second, then a bar, and clears its line when done', async () => {
    const { Progress, withProgress } = await import('../src/report/progress.js');
    const { Stderr } = await import('../src/report/stderr.js');
    const { inMemory } = await import('../src/values.js');
    let t = 0;
    let err = '';
    const p = new Progress(new Stderr({ write: (s: string) => (err += s) }, true), 'ce logits.npy', () => t);
    const v = withProgress(inMemory({ data: new Float64Array(4), shape: [4], dtype: 'float64' }), p);
    v.read(1, 0, 2, () => undefined);
    expect(err).toBe('');
    t = 1500;
    v.read(1, 0, 4, () => undefined);
    expect(err).toContain('100% ce logits.npy');
    p.done();
    expect(err.endsWith('\r\u001b[K')).toBe(true);
  });
  it('is not drawn when stderr is not a terminal', async () => {
    const r = await runCli(['ce', ...EXAMPLE]);
    expect(r.stderr).toBe('');
  });
});

describe('internal errors', () => {
  it('exit 3 with one line that says how to report it, never a stack trace', async () => {
    const { run } = await import('../src/cli.js');
    let stderr = '';
    const code = await run(['ce', ...EXAMPLE], {
      stdout: {
        write: () => {
          throw new TypeError('boom\n    at somewhere (file.js:1:1)');
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      isTTY: false,
    });
    expect(code).toBe(3);
    expect(stderr).toBe('losscalc: internal error: boom (please report it with the command and its input files)\n');
  });
});

describe('--reference takes a scalar dump in any format', () => {
  it('a 0-d .npy, a JSON number and a one-value CSV, compared with the reduced loss', async () => {
    const { encodeNpy } = await import('../src/io/npy.js');
    const loss = (await json(['ce', ...EXAMPLE])).loss as number;
    const npy = join(dir, 'ref0d.npy');
    writeFileSync(npy, encodeNpy({ data: Float64Array.of(loss), shape: [], dtype: 'float64' }));
    for (const ref of [npy, file('ref.json', String(loss)), file('ref1.csv', `${loss}\n`)]) {
      expect((await runCli(['ce', ...EXAMPLE, '--reference', ref])).code, ref).toBe(0);
    }
    writeFileSync(npy, encodeNpy({ data: Float64Array.of(loss * 1.01), shape: [], dtype: 'float64' }));
    expect((await runCli(['ce', ...EXAMPLE, '--reference', npy])).code).toBe(1);
  });
});
