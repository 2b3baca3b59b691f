/**
 * Rows of more classes than wideRows.values are read in pieces, never whole (losses/cross-
 * entropy.ts wideIndexRows). With the bound set to 2, every class-index cross-entropy case
 * whose classes are the last dim goes that way, in blocks of 64 bytes: PyTorch's values, and
 * the bits of the whole-row run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wideRows } from '../src/losses/cross-entropy.js';
import { cases, expectReport, inBlocksOf, resolveArgv, type Report } from './cases.js';
import { runCli } from './helpers.js';

const ce = cases.filter((c) => !c.merge && !c.stdin && ['ce', 'cross-entropy'].includes(c.argv[0]));

describe('cross-entropy over rows read in pieces', () => {
  inBlocksOf(64);
  const saved = wideRows.values;
  let whole: Map<string, Report>;
  beforeAll(async () => {
    whole = new Map();
    for (const c of ce) {
      const out = await runCli([...resolveArgv(c.argv), '--json']);
      if (out.code <= 1) whole.set(c.name, JSON.parse(out.stdout) as Report);
    }
    wideRows.values = 2;
  });
  afterAll(() => {
    wideRows.values = saved;
  });

  it('has cases', () => expect(ce.length).toBeGreaterThan(40));
  for (const c of ce) {
    it(c.name, async () => {
      const out = await runCli([...resolveArgv(c.argv), '--json']);
      if (c.error !== undefined) return expect(out.code).toBe(2);
      const report = JSON.parse(out.stdout) as Report;
      expectReport(c, report);
      expect(report.loss, 'the whole-row run, to the bit').toEqual(whole.get(c.name)!.loss);
    });
  }
});
