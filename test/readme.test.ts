/**
 * The README's ```console blocks are real output: each `$ losscalc ...` line is run from the
 * repository root and must print exactly the lines below it. A README that drifts fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const ROOT = join(import.meta.dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```console\n\$ losscalc ([^\n]*)\n([\s\S]*?)```/g)].map((m) => ({
  args: m[1].split(/\s+/).filter(Boolean),
  output: m[2],
}));

describe('README examples', () => {
  it('has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  for (const b of blocks) {
    it(`losscalc ${b.args.join(' ')}`, async () => {
      const cwd = process.cwd();
      process.chdir(ROOT);
      try {
        const r = await runCli(b.args);
        expect(r.stdout).toBe(b.output);
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
