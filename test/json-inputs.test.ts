/**
 * The PyTorch cases with their NPY operands written as JSON (logits also as JSON Lines, one
 * row per line) and read in blocks of 64 bytes: the same values, so PyTorch's results, and
 * the same bits as the NPY run. On several threads too (the built binary), each reading its
 * rows of the JSON file from the offsets the open noted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../src/io/npy.js';
import { cases, expectReport, inBlocksOf, resolveArgv, type Report } from './cases.js';
import { runCli, THREADS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-json-inputs-'));

/** A number as JSON text that reads back to the same bits (-0 kept; NaN/Infinity as Python writes them). */
function literal(v: number | bigint): string {
  if (typeof v === 'bigint') return String(v);
  return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : String(v);
}

/** The NPY file at `path` written as nested JSON arrays, or as JSON Lines (one row per line). */
function asJson(path: string, lines: boolean): string {
  const t = parseNpy(readFileSync(path), path);
  const values = Array.from(t.data as ArrayLike<number | bigint>, literal);
  let at = 0;
  const nest = (dim: number): string => (dim === t.shape.length ? values[at++] : `[${Array.from({ length: t.shape[dim] }, () => nest(dim + 1)).join(', ')}]`);
  const text = lines && t.shape.length > 0 ? Array.from({ length: t.shape[0] }, () => nest(1)).join('\n') + '\n' : `${nest(0)}\n`;
  const out = join(dir, `${basename(path, '.npy')}-${t.dtype}.${lines ? 'jsonl' : 'json'}`);
  writeFileSync(out, text);
  return out;
}

/** The case's argv with its NPY operands as JSON; the logits (argv[1]) as JSON Lines when `lines`. */
function jsonArgv(argv: string[], lines: boolean): string[] {
  return resolveArgv(argv).map((a, i) => (a.endsWith('.npy') ? asJson(a, lines && i === 1) : a));
}

const jsonCases = cases.filter((c) => !c.merge && !c.stdin && c.argv[0] !== 'check' && c.argv.slice(1).some((a) => a.endsWith('.npy')));

describe('NPY operands as JSON, in blocks of 64 bytes', () => {
  inBlocksOf(64);
  it('has cases', () => expect(jsonCases.length).toBeGreaterThan(100));
  for (const c of jsonCases) {
    it(c.name, async () => {
      const npy = await runCli([...resolveArgv(c.argv), '--json']);
      for (const lines of [false, true]) {
        const out = await runCli([...jsonArgv(c.argv, lines), '--json']);
        expect(out.code, out.stderr).toBe(npy.code);
        const report = JSON.parse(out.stdout) as Report;
        expectReport(c, report);
        expect(report.loss, 'the NPY run, to the bit').toEqual((JSON.parse(npy.stdout) as Report).loss);
      }
    });
  }
});

describe('on three threads (the built binary)', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
  for (const c of jsonCases.filter((k) => k.argv[0] === 'bce-logits' || k.argv[0] === 'ce').slice(0, 6)) {
    it(c.name, () => {
      const r = spawnSync(process.execPath, [BIN, ...jsonArgv(c.argv, false), '--json', '-j', THREADS], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '64' },
      });
      expect(r.stderr.includes('internal error'), r.stderr).toBe(false);
      expectReport(c, JSON.parse(r.stdout) as Report);
    });
  }
});

describe('a bad value far into a JSON file read in blocks', () => {
  inBlocksOf(64);
  it('exits 2 with one line naming the file, the line and the column', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `[${i % 7}.5, -${i}.25, 1e-3]`);
    rows[150] = '[1.5, -2.25, "oops"]';
    const logits = join(dir, 'bad-logits.json');
    writeFileSync(logits, `[\n${rows.join(',\n')}\n]\n`);
    const labels = join(dir, 'bad-labels.json');
    writeFileSync(labels, JSON.stringify(Array.from({ length: 200 }, (_, i) => i % 3)));
    const out = await runCli(['ce', logits, labels]);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`losscalc: ${logits}: [150][2]: "oops" is not a number (line 152, column 14)\n`);
  });
});

