/**
 * Every PyTorch fixture on the scalar path too (as LOSSCALC_KERNEL=scalar runs): cases.test.ts
 * runs them through the WebAssembly kernel, this file with it off; both must give PyTorch's
 * values to 1e-12.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelMode, kernelOn } from '../src/kernel/index.js';
import { cases, expectReport, runCase, type Report } from './cases.js';

describe('PyTorch fixtures on the scalar path', () => {
  beforeAll(() => {
    kernelMode.scalar = true;
  });
  afterAll(() => {
    kernelMode.scalar = false;
  });

  it('runs them with the kernel off', () => expect(kernelOn()).toBe(false));
  for (const c of cases) {
    it(c.name, async () => {
      const out = await runCase(c);
      expect(out.stderr.includes('internal error'), out.stderr).toBe(false);
      expect([0, 1], out.stderr).toContain(out.code);
      expectReport(c, JSON.parse(out.stdout) as Report);
    });
  }
});
