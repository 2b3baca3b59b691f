/**
 * The fuzzer's own mutations: each must make its case quickly, or the run stops ("making case N
 * took over 10000 ms") before its time is up.
 */
import { describe, expect, it } from 'vitest';
import { CaseGenerator } from './generate.js';
import { unpadded } from './mutate.js';
import { parseSeed } from './prng.js';
import { loadSeeds } from './seeds.js';

describe('NPY header mutations', () => {
  it('drop the padding as / *\\n?$/ does', () => {
    for (const h of ["{'a': 1}   \n", "{'a': 1}\n", "{'a': 1}  ", "{'a':  1}", ' \n', '\n', '', '   ', "x \n \n", "x\n  "]) {
      expect(unpadded(h)).toBe(h.replace(/ *\n?$/, ''));
    }
  });

  it('make a case whose header holds 100000 spaces in linear time (seed 2201, case 114980)', () => {
    const generator = new CaseGenerator(loadSeeds());
    const before = process.cpuUsage();
    const c = generator.make(parseSeed('2201'), 114980);
    const used = process.cpuUsage(before);
    expect(c.mutations.join(' | ')).toMatch(/npy header nested 100000 deep/);
    expect((used.user + used.system) / 1000).toBeLessThan(1500); // 4 s and more by the regex
  });
});
