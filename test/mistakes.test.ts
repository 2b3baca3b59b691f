/**
 * The usual mistakes, on PyTorch-made data (fixtures/mistakes.json, scripts/make_mistake_fixtures.py):
 * softmax output to cross-entropy, sigmoid output to bce-logits and what are not
 * log-probabilities to nll each get their warning (and ordinary logits, log-probabilities,
 * uniform values in [0, 1] and zeros get none), with PyTorch's loss and exit 0, in one thread
 * and in three over tiny blocks; 1-based and 255 labels get the hint in their error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isClose } from '../src/checks.js';
import { expectClose, resolveArgv } from './cases.js';
import { FIXTURES, readJson, runCli, THREADS } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');

interface MistakeCase {
  name: string;
  argv: string[];
  data: 'softmax' | 'softmax-nll' | 'sigmoid' | 'log-probs' | 'logits' | 'not-log-probs' | 'uniform' | 'zeros' | 'alias';
  loss: number;
  note: string;
  evidence?: { index: [number, number]; value: number } | { row: number; sum: number };
}

const { cases, errors } = readJson<{ cases: MistakeCase[]; errors: { name: string; argv: string[]; torch: string }[] }>(
  join(FIXTURES, 'mistakes.json'),
);

const SOFTMAX =
  'logits look like softmax output (every value in [0, 1], every row sums to 1); cross_entropy applies softmax again: pass --input probs';
const SOFTMAX_NLL =
  'logits look like softmax output (every value in [0, 1], every row sums to 1); nll expects log-probabilities: give their log (torch.log), or run ce --input probs';
const SIGMOID = 'logits look like sigmoid output (every value in [0, 1]); bce-logits applies sigmoid again: use binary-cross-entropy';
const NOT_LOG_PROBS = /^logits are not log-probabilities \((.*)\); nll expects log-probabilities: add --log-softmax$/;

/** The warnings a case must get, and no other. */
function expectWarnings(c: MistakeCase, warnings: string[]): void {
  if (c.data === 'softmax') expect(warnings).toEqual([SOFTMAX]);
  else if (c.data === 'softmax-nll') expect(warnings).toEqual([SOFTMAX_NLL]);
  else if (c.data === 'sigmoid') expect(warnings).toEqual([SIGMOID]);
  else if (c.data === 'not-log-probs') {
    expect(warnings).toHaveLength(1);
    const why = NOT_LOG_PROBS.exec(warnings[0])?.[1];
    const e = c.evidence!;
    if ('index' in e) expect(why).toBe(`${e.value} at index (${e.index.join(', ')}) is above 0`);
    else {
      const m = /^the exp of row (\d+) sums to (\S+), not 1$/.exec(why ?? '');
      expect(m?.[1], warnings[0]).toBe(String(e.row));
      expect(isClose(Number(m?.[2]), e.sum, { rtol: 1e-12, atol: 0 }), `${m?.[2]} vs ${e.sum}`).toBe(true);
    }
  } else expect(warnings).toEqual([]);
}

const mistakes = cases.filter((c) => c.data !== 'alias');

describe('the usual mistakes warn, with PyTorch loss and exit 0', () => {
  it('has cases of each kind', () => {
    for (const kind of ['softmax', 'softmax-nll', 'sigmoid', 'not-log-probs', 'log-probs', 'logits', 'uniform', 'zeros']) {
      expect(mistakes.some((c) => c.data === kind), kind).toBe(true);
    }
  });
  for (const c of mistakes) {
    it(`${c.name}: ${c.note}`, async () => {
      const r = await runCli([...resolveArgv(c.argv), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { loss: number; warnings: string[] };
      expectClose(report.loss, c.loss, 'loss');
      expectWarnings(c, report.warnings);
      expect(r.stderr).toBe(report.warnings.map((w) => `losscalc: warning: ${w}\n`).join(''));
    });
  }
});

describe('the same warnings on three threads, in blocks of 256 bytes (the built binary)', () => {
  for (const c of mistakes.filter((k) => k.argv[1].endsWith('.npy'))) {
    it(c.name, () => {
      const r = spawnSync(process.execPath, [BIN, ...resolveArgv(c.argv), '--json', '-j', THREADS], {
        encoding: 'utf8',
        env: { ...process.env, LOSSCALC_BLOCK_BYTES: '256' },
      });
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { loss: number; warnings: string[] };
      expectClose(report.loss, c.loss, 'loss');
      expectWarnings(c, report.warnings);
    });
  }
});

describe('labels PyTorch refuses: the error says what they look like', () => {
  const hints: Record<string, string> = {
    one_based: 'label 4 at index 2 is outside [0, 4): labels look 1-based: subtract 1',
    one_based_ignored: 'label 4 at index 2 is outside [0, 4): labels look 1-based: subtract 1',
    void: 'label 255 at index 2 is outside [0, 4): segmentation void label? pass --ignore-index 255',
    // a 0 among them: not 1-based, just out of range
    zero_and_c: 'label 4 at index 2 is outside [0, 4)',
  };
  for (const e of errors) {
    it(`${e.name} (PyTorch: ${e.torch})`, async () => {
      const argv = resolveArgv(e.argv);
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`losscalc: ${argv[2]}: ${hints[e.name]}\n`);
    });
  }
});

describe('the checks follow the layout and the input kind', () => {
  const json = async (argv: string[], stdin: Uint8Array) => {
    const r = await runCli([...argv, '--json'], {}, false, stdin);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).warnings as string[];
  };
  // softmax over the last dim of (2, 3, 4): rows of 4 along dim -1, but not along dim 1
  const rows = [[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]];
  const probs = new TextEncoder().encode(JSON.stringify([rows, rows]));

  const dir = mkdtempSync(join(tmpdir(), 'losscalc-mistakes-'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));

  it('--class-dim -1: rows along the last dim', async () => {
    const labels = file('labels-2x3.json', '[[0, 1, 2], [3, 0, 1]]');
    expect(await json(['ce', '-', labels, '--class-dim', '-1'], probs)).toEqual([SOFTMAX]);
    expect(await json(['ce', '-', labels, '--class-dim', '-1', '--input', 'probs'], probs)).toEqual([]);
  });

  it('cross-entropy --input log-probs on values that are not log-probabilities: leave --input out', async () => {
    const labels = new TextEncoder().encode('[0, 1, 2]');
    const logits = file('logits-3x4.json', '[[-1, 1.5, -2, -3], [-0.5, -1, -2, -3], [-4, -1, -2, -3]]');
    const r = await runCli(['ce', logits, '-', '--input', 'log-probs', '--json'], {}, false, labels);
    expect(JSON.parse(r.stdout).warnings).toEqual([
      'the predictions are not log-probabilities (1.5 at index (0, 1) is above 0); --input log-probs takes them as they are: for logits, leave --input out',
    ]);
  });
});
