/**
 * Spellings: PyTorch's names run their modes (with the loss PyTorch's module or function of
 * that name gives, fixtures/mistakes.json), and an unknown option or mode gets the closest
 * one, PyTorch's underscores included.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES } from '../src/modes.js';
import { MODE_ALIASES } from '../src/options.js';
import { closest } from '../src/spelling.js';
import { expectClose, resolveArgv } from './cases.js';
import { FIXTURES, readJson, runCli } from './helpers.js';

/** Each alias case runs `mode` by one of PyTorch's names, argv[0]. */
const { cases } = readJson<{ cases: { name: string; argv: string[]; data: string; loss: number; mode?: string }[] }>(join(FIXTURES, 'mistakes.json'));
const aliases = cases.filter((c) => c.data === 'alias');

describe("PyTorch's names are modes", () => {
  it('has a PyTorch-made case for every name the issue lists', () => {
    expect(aliases.map((c) => c.argv[0]).sort()).toEqual(
      ['cross_entropy', 'CrossEntropyLoss', 'nll_loss', 'NLLLoss', 'binary_cross_entropy_with_logits', 'BCEWithLogitsLoss', 'binary_cross_entropy', 'BCELoss'].sort(),
    );
  });
  for (const c of aliases) {
    const alias = c.argv[0];
    const mode = c.mode!;
    // binary_cross_entropy and BCELoss name the mode binary-cross-entropy, when this build has it
    const missing = !(MODES as readonly string[]).includes(mode);
    it.skipIf(missing)(`${alias} runs ${mode}, with PyTorch's loss`, async () => {
      expect(MODE_ALIASES[alias]).toBe(mode);
      const r = await runCli([...resolveArgv(c.argv), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { mode: string; loss: number };
      expect(report.mode).toBe(mode);
      expectClose(report.loss, c.loss, 'loss');
    });
    it.skipIf(missing)(`losscalc ${alias} --help shows the mode's options`, async () => {
      const r = await runCli([alias, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: losscalc ${mode}|`);
    });
  }
});

describe('an unknown option gets the closest of the mode', () => {
  const logits = join(FIXTURES, 'example', 'logits.csv');
  const labels = join(FIXTURES, 'example', 'labels.csv');
  const cases: [string[], string][] = [
    [['ce', '--ignore_index', '3'], "unknown option '--ignore_index' (did you mean --ignore-index?)"],
    [['ce', '--ignore_index=3'], "unknown option '--ignore_index=3' (did you mean --ignore-index?)"],
    [['ce', '--weights', '1,1,1,1,1'], "unknown option '--weights' (did you mean --weight?)"],
    [['nll', '--weights', '1,1,1,1,1'], "unknown option '--weights' (did you mean --weight?)"],
    [['ce', '--label_smoothing', '0.1'], "unknown option '--label_smoothing' (did you mean --label-smoothing?)"],
    [['bce', '--pos_weight', '2'], "unknown option '--pos_weight' (did you mean --pos-weight?)"],
    [['nll', '--log_softmax'], "unknown option '--log_softmax' (did you mean --log-softmax?)"],
    [['ce', '--save_per_sample', 'x.npy'], "unknown option '--save_per_sample' (did you mean --save-per-sample?)"],
    [['ce', '-weight', '1'], "unknown option '-weight' (did you mean --weight?)"],
    [['check', '--rtoll', '1e-3'], "unknown option '--rtoll' (did you mean --rtol?)"],
    [['nll', '--hepl'], "unknown option '--hepl' (did you mean --help?)"],
    // only options the mode takes are offered
    [['gather', '--weights', '1'], "unknown option '--weights' (see losscalc gather --help)"],
    [['ce', '--frobnicate'], "unknown option '--frobnicate' (see losscalc cross-entropy --help)"],
    [['ce', '--xtol', '1'], "unknown option '--xtol' (did you mean one of --rtol, --atol?)"],
  ];
  for (const [[mode, ...flags], message] of cases) {
    it(`${mode} ${flags.join(' ')}`, async () => {
      const r = await runCli([mode, logits, labels, ...flags]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`losscalc: ${message}\n`);
    });
  }
});

describe('an unknown mode gets the closest mode or name', () => {
  const cases: [string, string][] = [
    ['crossentropy', " (did you mean cross-entropy?)"],
    ['CrossEntropy', " (did you mean cross-entropy?)"],
    ['crossentropyloss', ' (did you mean CrossEntropyLoss?)'],
    ['NLLoss', ' (did you mean NLLLoss?)'],
    ['nll-loss', ' (did you mean nll_loss?)'],
    ['BCEWithLogitLoss', ' (did you mean BCEWithLogitsLoss?)'],
    ['comapre', ' (did you mean compare?)'],
    ['frobnicate', ''],
  ];
  for (const [mode, hint] of cases) {
    it(mode, async () => {
      const r = await runCli([mode, 'x.npy', 'y.npy']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`losscalc: unknown mode '${mode}'${hint}\n`);
    });
  }
});

describe('closest', () => {
  it("reads '_' as '-' and ignores case and dashes", () => {
    expect(closest('--IGNORE_INDEX', ['--weight', '--ignore-index'])).toEqual(['--ignore-index']);
  });
  it('offers nothing for a short name far from every candidate', () => {
    expect(closest('--foo', ['--top', '--json'])).toEqual([]);
  });
  it('keeps every candidate at the best distance, in order', () => {
    expect(closest('--xtol', ['--rtol', '--atol', '--top'])).toEqual(['--rtol', '--atol']);
  });
});
