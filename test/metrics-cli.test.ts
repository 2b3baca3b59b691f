/**
 * --metrics, --topk, --bins and --markdown on the command line: the flags' errors (exit 2, one
 * line), the metrics section of the terminal output, the Markdown summary with its checks as
 * PASS/FAIL, and the same metrics whether a breakdown's pass or their own computes them, on one
 * thread or several.
 */
import { describe, expect, it } from 'vitest';
import { resolveArgv } from './cases.js';
import { runCli, THREADS } from './helpers.js';
import { fixtures } from './metrics-expected.js';

const ce = fixtures.cases.find((c) => c.name === 'ce_index')!;
const files = resolveArgv(ce.argv).slice(1, 3);

async function refused(argv: string[], message: string) {
  const r = await runCli(argv);
  expect(r.stderr).toBe(`losscalc: ${message}\n`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

describe('flags', () => {
  it('--markdown is not for --json or -q', async () => {
    await refused(['ce', ...files, '--markdown', '--json'], '--markdown and --json do not go together: pick one');
    await refused(['ce', ...files, '--markdown', '-q'], '--markdown and --quiet do not go together: pick one');
    await refused(['merge', 'a.json', '--markdown', '--json'], '--markdown and --json do not go together: pick one');
  });
  it('--topk and --bins take whole numbers in range', async () => {
    await refused(['ce', ...files, '--topk', '0'], '--topk needs a whole number >= 1, got 0');
    await refused(['ce', ...files, '--bins', '2.5'], '--bins needs a whole number >= 1, got 2.5');
    await refused(['ce', ...files, '--bins', '1001'], '--bins needs a whole number between 1 and 1000, got 1001');
    await refused(['ce', ...files, '--bins', '1e400'], '--bins needs a whole number between 1 and 1000, got 1e400');
    for (const k of ['99999999999999999999', '1e308', '9007199254740993']) {
      await refused(['ce', ...files, '--topk', k], `--topk needs a whole number between 1 and the number of classes, got ${k}`);
    }
    await refused(['ce', ...files, '--threads', '1e308'], '--threads needs a whole number between 1 and 2^53 - 1, got 1e308');
  });
  it('--topk above the number of classes is refused, as torchmetrics refuses it', async () => {
    const r = await runCli(['ce', ...files, '--json']);
    const classes = (JSON.parse(r.stdout) as { shapes: { logits: number[] } }).shapes.logits[1];
    expect(classes).toBeGreaterThan(1);
    expect((await runCli(['ce', ...files, '--topk', String(classes), '-q'])).code).toBe(0);
    await refused(['ce', ...files, '--topk', '1', '--topk', String(classes + 1)], `--topk ${classes + 1} is more than the ${classes} classes of the logits: k is at most C`);
  });
  it('--topk is for class-dim modes, --metrics not for check', async () => {
    await refused(['bce', ...files, '--topk', '2'], '--topk does not apply to bce-logits (it applies to cross-entropy, nll, gather)');
    await refused(['check', ...files, '--metrics'], '--metrics does not apply to check (it applies to cross-entropy, nll, bce-logits, binary-cross-entropy, gather)');
  });
});

describe('output', () => {
  it('a metrics section after the loss', async () => {
    const r = await runCli(['ce', ...files, '--metrics', '--topk', '1', '--topk', '5']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(2, 4)).toEqual(['', 'metrics (64 samples)']);
    expect(lines.slice(4).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([
      'accuracy', 'top-1 accuracy', 'top-5 accuracy', 'perplexity', 'ECE (15 bins)', 'MCE', 'Brier score', 'entropy (nats)', '',
    ]);
    expect(r.stdout).toMatch(/\n {2}accuracy {8,}0\.\d+ \(\d+ of 64\)\n/);
  });

  it('a skipped perplexity says why', async () => {
    const r = await runCli(['ce', ...files, '--metrics', '--label-smoothing', '0.1']);
    expect(r.stdout).toContain('perplexity      skipped: not with --label-smoothing: the smoothed loss is not the negative log-likelihood of the labels\n');
  });

  it('--markdown: loss, metrics and the checks as PASS/FAIL', async () => {
    const loss = JSON.parse((await runCli(['ce', ...files, '--json'])).stdout).loss as number;
    const pass = await runCli(['ce', ...files, '--metrics', '--markdown', '--expect', String(loss)]);
    expect(pass.code).toBe(0);
    expect(pass.stdout.split('\n').slice(0, 5)).toEqual(['## losscalc cross-entropy: PASS', '', '|  | value |', '|---|---|', `| loss | ${loss} |`]);
    expect(pass.stdout).toContain('### Metrics (64 contributing)\n\n| metric | value |\n|---|---|\n| accuracy | ');
    expect(pass.stdout).toMatch(/### Checks\n\n\| check \| value \| expected \| \\\|diff\\\| \| result \|\n\|---\|---\|---\|---\|---\|\n\| expect \| `[^`]+` \| `[^`]+` \| `0` \| PASS \|\n$/);
    const fail = await runCli(['ce', ...files, '--markdown', '--expect', '0']);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/^## losscalc cross-entropy: FAIL\n/);
    expect(fail.stdout).toMatch(/\| FAIL \|\n$/);
    expect(fail.stdout).not.toContain('### Metrics');
  });

  it('--markdown of check mode: every way, and each pair', async () => {
    const r = await runCli(['check', ...files, '--markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^## losscalc check: PASS\n/);
    expect(r.stdout).toContain('| gather | ');
    expect(r.stdout).toContain('| cross-entropy = gather | ');
  });
});

describe('the same metrics however they are computed', () => {
  it('with or without the breakdown, on one thread or several', async () => {
    const metrics = async (...extra: string[]) => JSON.parse((await runCli(['ce', ...files, '--metrics', '--json', ...extra])).stdout).metrics;
    const alone = await metrics();
    expect(await metrics('--top', '4')).toEqual(alone);
    expect(await metrics('-j', THREADS)).toEqual(alone);
  });
});
