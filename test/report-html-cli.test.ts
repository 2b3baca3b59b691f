/**
 * --report from the command line on PyTorch-made fixtures (scripts/make_report_fixtures.py):
 * the page's loss and most-confused pairs are PyTorch's, its plots match --json's breakdown of
 * the same run, and it is written whole or not at all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, runCli } from './helpers.js';

interface Pair {
  label: number;
  predicted: number;
  count: number;
}
interface Case {
  argv: string[];
  loss: number;
  mistakes: Pair[];
}
const CASES = readJson<Record<'img' | 'bce', Case>>(join(FIXTURES, 'report.json'));
const ROOT = join(import.meta.dirname, '..');

const argvOf = (c: Case) => [c.argv[0], ...c.argv.slice(1).map((f) => join(FIXTURES, f))];
const folder = () => mkdtempSync(join(tmpdir(), 'losscalc-report-'));

/** The pairs the page draws, in order. */
function drawnPairs(page: string): Pair[] {
  return [...page.matchAll(/<g class="pair" data-label="(\d+)" data-predicted="(\d+)">.*?data-count="(\d+)"/g)].map((m) => ({
    label: Number(m[1]),
    predicted: Number(m[2]),
    count: Number(m[3]),
  }));
}

describe('--report', () => {
  for (const name of ['img', 'bce'] as const) {
    it(`${name}: draws PyTorch's 15 most frequent mistakes and shows its loss`, async () => {
      const c = CASES[name];
      const file = join(folder(), 'report.html');
      const r = await runCli([...argvOf(c), '--report', file, '--expect', String(c.loss)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const page = readFileSync(file, 'utf8');
      expect(drawnPairs(page)).toEqual(c.mistakes.slice(0, 15));
      const errors = c.mistakes.reduce((a, m) => a + m.count, 0);
      expect(page).toContain(`of ${errors} ${name === 'bce' ? 'elements' : 'samples'} predicted wrong`);
      const shown = Number(page.match(/<th>loss \(mean\)<\/th><td>([^<]+)<\/td>/)![1]);
      expect(Math.abs(shown - c.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(c.loss));
      expect(page).toContain('data-verdict="PASS"');
      // the options of the mode only; the class dim as PyTorch counts it, then from the end
      const rows = [...page.matchAll(/<tr><th>([^<]+)<\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => m[1]);
      expect(rows).toContain('reduction');
      if (name === 'bce') for (const other of ['ignore_index', 'label_smoothing', 'log_softmax', 'class dim']) expect(rows).not.toContain(other);
      else expect(page).toContain('<tr><th>class dim</th><td>1 (-1 from the end)</td></tr>');
      expect(rows).not.toContain('log_softmax');
    });
  }

  it("draws the breakdown that --json of the same run gives, the worst --top rows, and the inputs' digests", async () => {
    const file = join(folder(), 'report.html');
    const r = await runCli([...argvOf(CASES.img), '--report', file, '--top', '4', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const page = readFileSync(file, 'utf8');
    expect(page).toContain(`<g class="histogram" data-bars="${json.histogram.counts.length}">`);
    const counts = [...page.matchAll(/<rect class="bar" [^>]*data-count="(\d+)"><title>[^<]*\.\. /g)].map((m) => Number(m[1]));
    expect(counts).toEqual(json.histogram.counts);
    expect(page).toContain(`data-classes="${json.perClass.length}"`);
    expect(page).toContain('<table class="worst" data-rows="4">');
    const positions = [...page.matchAll(/<tr class="sample"><td>([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(positions).toEqual(json.worst.map((w: { index: number }) => String(w.index)));
    for (const digest of [...json.inputs.logits, ...json.inputs.labels]) expect(page).toContain(digest);
    expect(page).toContain('(600, 12)</td><td>float32');
    // --report alone leaves --json as it was: no breakdown in it
    const alone = JSON.parse((await runCli([...argvOf(CASES.img), '--report', join(folder(), 'r.html'), '--json'])).stdout);
    expect(alone.worst).toBeUndefined();
    expect(alone.perSample).toBeUndefined();
  });

  it('check mode: a page with each way and the verdict', async () => {
    const file = join(folder(), 'check.html');
    const r = await runCli(['check', ...argvOf(CASES.img).slice(1), '--report', file]);
    expect(r.code).toBe(0);
    const page = readFileSync(file, 'utf8');
    expect(page).toContain('data-verdict="PASS"');
    expect(page).toMatch(/<table class="checks" data-checks="[1-9]\d*">/);
  });

  it('refuses a name that is not .html, in one line', async () => {
    const r = await runCli([...argvOf(CASES.img), '--report', 'report.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('losscalc: --report: the report is an HTML page: name the file .html, got "report.txt"\n');
  });

  it('on a full device: exit 2, one line', async () => {
    const r = await runCli([...argvOf(CASES.img), '--report', '/dev/full']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('losscalc: /dev/full: cannot write: no space left on device\n');
  });

  it('a write that fails leaves the file as it was and no temporary file', () => {
    const dir = folder();
    const file = join(dir, 'report.html');
    writeFileSync(file, 'old');
    // files larger than 4 KiB cannot be written (EFBIG); the page is larger
    const r = spawnSync('prlimit', ['--fsize=4096', process.execPath, join(ROOT, 'bin', 'losscalc.cjs'), ...argvOf(CASES.img), '--report', file], { encoding: 'utf8' });
    expect(r.stderr).toBe(`losscalc: ${file}: cannot write: file too large\n`);
    expect(r.status).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(existsSync(file)).toBe(true);
  });
});
