/**
 * The files a loss run writes beside its result: --report and --save-per-sample never over
 * one of the run's inputs (by any name) nor over each other, every --save-per-sample written,
 * a --class-names file read up to a bound, a NaN of a counted sample written as NaN (empty and
 * null are an ignored target's), and an .npz too large for a zip without zip64 refused before
 * a byte of it is made.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdtempSync, openSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npyHeaderBytes } from '../src/io/npy.js';
import { readInput } from '../src/io/read.js';
import { npzChunks } from '../src/report/save-npz.js';
import { CLASS_NAMES_LIMIT } from '../src/io/class-names.js';
import { FIXTURES, runCli } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const EXAMPLE = [join(FIXTURES, 'example', 'logits.csv'), join(FIXTURES, 'example', 'labels.csv')];
const dir = mkdtempSync(join(tmpdir(), 'losscalc-save-targets-'));
let made = 0;

/** A file of this text in a folder of its own. */
function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(dir, `${made++}-`)), name);
  writeFileSync(path, text);
  return path;
}

/** Another name for `path`: a hard or symbolic link beside it. */
function alias(path: string, name: string, how: 'hard' | 'symbolic'): string {
  const to = join(path, '..', name);
  if (how === 'hard') linkSync(path, to);
  else symlinkSync(path, to);
  return to;
}

describe('--report and --save-per-sample onto an input of the run: refused before anything is read', () => {
  const inputs = () => {
    const x = file('x.csv', '0.5,0.25\n0.125,1\n');
    const y = file('y.csv', '0\n1\n');
    return { x, y, ce: ['ce', x, y] };
  };
  const ce = (input: 'x' | 'y') => {
    const i = inputs();
    return { argv: i.ce, input: i[input] };
  };
  const plus = (flag: string, name: string, text: string) => {
    const f = file(name, text);
    return { argv: [...inputs().ce, flag, f], input: f };
  };
  const cases: [string, () => { argv: string[]; input: string }, 'hard' | 'symbolic'][] = [
    ['logits', () => ce('x'), 'hard'],
    ['labels', () => ce('y'), 'symbolic'],
    ['weight', () => plus('--weight', 'w.csv', '1\n2\n'), 'hard'],
    ['pos-weight', () => {
      const [x, p] = [file('b.csv', '0.5,0.25\n0.125,1\n'), file('pw.csv', '0.5\n2\n')];
      return { argv: ['bce-logits', x, x, '--pos-weight', p], input: p };
    }, 'symbolic'],
    ['reference', () => plus('--reference', 'ref.csv', '1\n'), 'hard'],
    ['class-names', () => plus('--class-names', 'names.txt', 'cat\ndog\n'), 'symbolic'],
  ];
  for (const [operand, make, how] of cases) {
    it(`--report onto the ${operand} (a ${how} link)`, async () => {
      const { argv, input } = make();
      const target = alias(input, `${operand}-${how}.html`, how);
      const before = readFileSync(input);
      const r = await runCli([...argv, '--report', target, '-q']);
      expect(r.stderr).toBe(`losscalc: --report ${target} is an input of this run (${operand}): name another file\n`);
      expect(r.code).toBe(2);
      expect(readFileSync(input)).toEqual(before);
    });
    it(`a second --save-per-sample onto the ${operand} (a ${how} link)`, async () => {
      const { argv, input } = make();
      const target = alias(input, `${operand}-${how}.csv`, how);
      const before = readFileSync(input);
      const first = join(dir, `first-${made++}.npy`);
      const r = await runCli([...argv, '--save-per-sample', first, '--save-per-sample', target, '-q']);
      expect(r.stderr).toBe(`losscalc: --save-per-sample ${target} is an input of this run (${operand}): name another file\n`);
      expect(r.code).toBe(2);
      expect(readFileSync(input)).toEqual(before);
      expect(existsSync(first)).toBe(false);
    });
  }
  it('--save-per-sample onto the --class-names file itself', async () => {
    const names = file('names.csv', 'cat\ndog\n');
    const r = await runCli([...inputs().ce, '--class-names', names, '--save-per-sample', names, '-q']);
    expect(r.stderr).toBe(`losscalc: --save-per-sample ${names} is an input of this run (class-names): name another file\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(names, 'utf8')).toBe('cat\ndog\n');
  });
});

describe('--save-per-sample, repeated: every file written', () => {
  it('.npy (the losses alone), .npz (with the columns) and .csv from one run, all the same losses', async () => {
    const out = mkdtempSync(join(dir, 'many-'));
    const [npy, npz, csv] = ['l.npy', 'l.npz', 'l.csv'].map((n) => join(out, n));
    const r = await runCli(['ce', ...EXAMPLE, '--save-per-sample', npy, '--save-per-sample', npz, '--save-per-sample', csv, '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const alone = Array.from((await readInput(npy)).data as Float64Array);
    expect(alone).toHaveLength(8);
    expect(Array.from((await readInput(`${npz}:loss`)).data as Float64Array)).toEqual(alone);
    expect((await readInput(`${npz}:p_label`)).shape).toEqual([8]);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('index,loss,label,predicted,p_label');
    expect(rows.slice(1).map((row) => Number(row.split(',')[1]))).toEqual(alone);
  });
  it('the same file twice: refused, by the same path or by another name of it', async () => {
    const out = mkdtempSync(join(dir, 'twice-'));
    const a = join(out, 'a.csv');
    let r = await runCli(['ce', ...EXAMPLE, '--save-per-sample', a, '--save-per-sample', join(out, '.', 'a.csv'), '-q']);
    expect(r.stderr).toBe(`losscalc: --save-per-sample ${join(out, '.', 'a.csv')} is given twice: name each file once\n`);
    expect(r.code).toBe(2);
    expect(existsSync(a)).toBe(false);
    writeFileSync(a, 'kept\n');
    const b = alias(a, 'b.csv', 'hard');
    r = await runCli(['ce', ...EXAMPLE, '--save-per-sample', a, '--save-per-sample', b, '-q']);
    expect(r.stderr).toBe(`losscalc: --save-per-sample ${b} is the file --save-per-sample ${a} writes: name another file\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(a, 'utf8')).toBe('kept\n');
  });
});

describe('--class-names is read up to a bound', () => {
  /** The built CLI, killed after 30 s (reading a device whole never ends, or ends the process). */
  const losscalc = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } });
    return { code: r.status, stderr: r.stderr };
  };
  it.each([
    ['/dev/zero, which never ends', () => '/dev/zero'],
    ['a file one byte over the bound', () => {
      const big = join(dir, 'big-names.txt');
      writeFileSync(big, 'cat\n');
      truncateSync(big, CLASS_NAMES_LIMIT + 1);
      return big;
    }],
  ])('%s: exit 2, one line naming the file', (_, path) => {
    const names = path();
    const r = losscalc(['ce', ...EXAMPLE, '--class-names', names, '-q']);
    expect(r.stderr).toBe(`losscalc: ${names}: holds more than 64 MiB: not a list of class names (one a line, or a JSON list)\n`);
    expect(r.code).toBe(2);
  }, 60_000);
});

describe('a NaN beside the loss is NaN; empty (CSV) and null (JSON) are an ignored target', () => {
  // row 1 has a NaN logit (a NaN softmax, so a NaN p_label: the .npz says so too); row 2 is ignored
  const argv = () => ['ce', file('x.csv', '0.5,0.25,1\nnan,1,2\n3,1,0\n'), file('y.csv', '0\n1\n-100\n')];
  it('.csv and .json against the .npz of the same run', async () => {
    const out = mkdtempSync(join(dir, 'nan-'));
    const [csv, json, npz] = ['s.csv', 's.json', 's.npz'].map((n) => join(out, n));
    const r = await runCli([...argv(), '--save-per-sample', csv, '--save-per-sample', json, '--save-per-sample', npz, '-q']);
    expect(r.code).toBe(0);
    const column = async (a: string) => Array.from((await readInput(`${npz}:${a}`)).data as Float64Array);
    const [loss, label, predicted, pLabel] = await Promise.all(['loss', 'label', 'predicted', 'p_label'].map(column));
    expect([loss[1], pLabel[1], predicted[2], pLabel[2]].map(Number.isNaN)).toEqual([true, true, true, true]);
    expect(label[2]).toBe(-100);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1).map((row) => row.split(','));
    expect(rows[1].slice(1)).toEqual(['nan', '1', String(predicted[1]), 'nan']);
    expect(rows[2].slice(1)).toEqual(['0', '-100', '', '']);
    const records = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>[];
    expect(records[1]).toEqual({ index: 1, loss: 'NaN', label: 1, predicted: predicted[1], p_label: 'NaN' });
    expect(records[2]).toEqual({ index: 2, loss: 0, label: -100, predicted: null, p_label: null });
  });
});

describe('an .npz over 4 GiB', () => {
  it('is refused before its first byte, though its first arrays alone would fit', () => {
    // four arrays of 140M float64 each: 1.1 GB apiece, 4.5 GB in all; none may be read
    const arrays = ['loss', 'label', 'predicted', 'p_label'].map((name) => ({
      name,
      shape: [140_000_000],
      blocks: (): Iterable<number[]> => {
        throw new Error(`${name} was read`);
      },
    }));
    const chunks = npzChunks(arrays, 'big.npz');
    expect(() => chunks.next()).toThrow('140000000 samples make an .npz of more than 4 GiB, which needs zip64: save .npy (the losses) or .csv instead');
  });
  it('is written when it ends at the last byte a zip without zip64 can hold', () => {
    const n = 100_000_000;
    const size = (extra: number) => 30 + 8 + npyHeaderBytes([n + extra], 'float64').length + 8 * (n + extra) + 16 + 46 + 8 + 22;
    const fits = n + Math.floor((0xffffffff - size(0)) / 8);
    expect(npzChunks([{ name: 'loss', shape: [fits], blocks: () => [] }], 'fits.npz').next().done).toBe(false);
    expect(() => npzChunks([{ name: 'loss', shape: [fits + 1], blocks: () => [] }], 'over.npz').next()).toThrow('more than 4 GiB');
});
});

describe('inputs read from standard input, and outputs into one pipe', () => {
  const run = (args: string[], stdin: number | 'pipe', input?: string) =>
    spawnSync('bash', ['-c', `"$@" | cat; exit \${PIPESTATUS[0]}`, 'run', process.execPath, BIN, ...args], { encoding: 'utf8', stdio: [stdin, 'pipe', 'pipe'], input });
  it('a file given as standard input is an input: --report or --save-per-sample onto it is refused, and it is kept', () => {
    const logits = file('L.html', readFileSync(EXAMPLE[0], 'utf8'));
    const fd = openSync(logits, 'r');
    const r = run(['ce', '-', EXAMPLE[1], '--format', 'csv', '--report', logits, '-q'], fd);
    closeSync(fd);
    expect([r.status, r.stderr]).toEqual([2, `losscalc: --report ${logits} is an input of this run (logits): name another file\n`]);
    expect(readFileSync(logits, 'utf8')).toBe(readFileSync(EXAMPLE[0], 'utf8'));
    const labels = file('Y.csv', readFileSync(EXAMPLE[1], 'utf8'));
    const fd2 = openSync(labels, 'r');
    const s = run(['ce', EXAMPLE[0], '-', '--save-per-sample', labels, '-q'], fd2);
    closeSync(fd2);
    expect([s.status, s.stderr]).toEqual([2, `losscalc: --save-per-sample ${labels} is an input of this run (labels): name another file\n`]);
    expect(readFileSync(labels, 'utf8')).toBe(readFileSync(EXAMPLE[1], 'utf8'));
  });
  it('a pipe named twice (/dev/stdout, /dev/fd/1) is refused; piped standard input and a saved /dev/stdout go together', () => {
    const twice = run(['ce', ...EXAMPLE, '--save-per-sample', '/dev/stdout', '--save-per-sample', '/dev/fd/1', '-q'], 'pipe', '');
    expect([twice.status, twice.stderr]).toEqual([2, 'losscalc: --save-per-sample /dev/fd/1 is the file --save-per-sample /dev/stdout writes: name another file\n']);
    const piped = run(['ce', EXAMPLE[0], '-', '--save-per-sample', '/dev/stdout', '-q'], 'pipe', readFileSync(EXAMPLE[1], 'utf8'));
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout.split('\n')[0]).toBe('index,loss,label,predicted,p_label');
  });
});
