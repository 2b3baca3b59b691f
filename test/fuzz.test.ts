/**
 * Mutation fuzzing of every reader (issue 6): valid fixtures of each format, mutated at random
 * with a seeded PRNG, must give a well-formed tensor or an InputError with a one-line message,
 * within a time bound and without allocating beyond the file. See test/fuzz/ for the parts.
 *
 * The suite runs a short, deterministic run. A long one is the same test with more cases,
 * `npm run fuzz` (scripts/fuzz.mjs: five minutes on every core, a random seed), or directly:
 *
 *   FUZZ_ITERATIONS=300000 FUZZ_SEED=random npx vitest run test/fuzz.test.ts
 *
 * Known bugs (fuzz/known.ts, reproduced by fuzz/repro.test.ts) are reported without failing;
 * findings of kind 'long-message' are notes. Anything else fails, with the seed and case
 * number that regenerate the input, a hex dump, and the input saved under FUZZ_OUT.
 *
 * Settings (environment): FUZZ_ITERATIONS (cases; 2000 by default), FUZZ_SECONDS (budget;
 * 12 s by default, unlimited once FUZZ_ITERATIONS or FUZZ_SECONDS is set), FUZZ_SEED (a number,
 * or "random"; 1 by default), FUZZ_WORKERS (threads; 1 by default, all cores for a long run),
 * FUZZ_CALL_MS (the time bound of one call: 3000 in the suite, 2000 in a long run), FUZZ_HANG_MS
 * (when a case counts as hung and its worker is killed: 3000, 10000),
 * FUZZ_OUT (where failing inputs are written; a directory under the system's tmp by default),
 * FUZZ_FULL_DISK_EVERY (every so many cases also run the built CLI with stdout on /dev/full,
 * fuzz/full-disk.ts: 100 in the suite, 500 in a long run, 0 never),
 * FUZZ_CASE=<seed>:<iteration> (replay one case in this thread and print it).
 */
import { zipSync } from 'fflate';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatOfPath } from '../src/io/format.js';
import { NOTES, runCase } from './fuzz/check.js';
import { configFromEnv, formatReport, fullDiskLimits, fuzz, hexSnippet } from './fuzz/driver.js';
import { CaseGenerator, describeCase, type FuzzCase } from './fuzz/generate.js';
import { knownBug } from './fuzz/known.js';
import { csvFirstRowMutation, joinNpy, zipCrcFlip } from './fuzz/mutate.js';
import { parseSeed, Rng } from './fuzz/prng.js';
import { loadSeeds, type Group } from './fuzz/seeds.js';

const config = configFromEnv();
const replay = process.env.FUZZ_CASE;

describe('mutation fuzzing of the readers', () => {
  it('generates the same case from the same seed and iteration', () => {
    const seeds = loadSeeds();
    const a = new CaseGenerator(seeds);
    const b = new CaseGenerator(seeds);
    for (let i = 0; i < 50; i++) {
      const x = a.make(7, i);
      const y = b.make(7, i);
      expect(describeCase(y)).toBe(describeCase(x));
      expect(Buffer.from(y.bytes).equals(Buffer.from(x.bytes))).toBe(true);
    }
  });

  it('headers claiming huge shapes give an InputError without allocating beyond the file', () => {
    // dims as Python/JSON integer text: products past 2**53, 2**64, overflowing int32, and 0
    const shapes = [
      ['1099511627776'], ['1099511627776', '0'], ['0', '1099511627776'], ['2147483648', '2147483648'], ['67108864', '67108864'],
      ['94906267', '94906267'], ['3037000500', '3037000500', '0'], ['9007199254740991'], ['9007199254740993'], ['18446744073709551616'],
      ['65536', '65536', '65536'], ['4294967296', '4294967296', '4294967296'], ['1', '4294967295'], ['536870912'], ['134217728'],
    ];
    const types = [['<f8', 'F64', 8], ['|u1', 'U8', 1], ['<f2', 'F16', 2], ['|b1', 'BOOL', 1], ['>i8', 'I64', 8]] as const;
    const cases: FuzzCase[] = [];
    const make = (source: string, group: Group, bytes: Uint8Array, what: string): void => {
      const format = formatOfPath(source);
      cases.push({ runSeed: 0, iteration: cases.length, seed: what, group, mutations: [what], bytes, source, options: { format } });
    };
    for (const dims of shapes) {
      for (const [descr, dtype, size] of types) {
        const data = new Uint8Array(8 * size);
        for (const fortran of ['False', 'True']) {
          const header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${dims.join(', ')},), }\n`;
          const npy = joinNpy({ major: 1, minor: 0, header, data });
          make('huge.npy', 'npy', npy, `npy ${descr} ${header.trim()}`);
          make('huge.npz', 'npz', zipSync({ 'a.npy': npy }, { level: 0, mtime: 946684800000 }), `stored npz of ${header.trim()}`);
          make('huge.npz', 'npz', zipSync({ 'a.npy': npy }, { level: 6, mtime: 946684800000 }), `deflated npz of ${header.trim()}`);
        }
        const json = `{"a":{"dtype":"${dtype}","shape":[${dims.join(',')}],"data_offsets":[0,${data.length}]}}`;
        const st = new Uint8Array(8 + json.length + data.length);
        new DataView(st.buffer).setBigUint64(0, BigInt(json.length), true);
        st.set(new TextEncoder().encode(json), 8);
        make('huge.safetensors', 'safetensors', st, `safetensors ${json}`);
      }
    }
    const scratch = join(tmpdir(), `losscalc-fuzz-${process.pid}-huge.npy`);
    const findings: string[] = [];
    for (const c of cases) {
      const out = runCase(c, { callMs: config.callMs, memory: true, slackBytes: 16 << 20, scratch });
      for (const f of out.findings) findings.push(`${f.kind} in ${f.call}: ${f.detail} (${c.seed})`);
    }
    rmSync(scratch, { force: true });
    expect(cases.length).toBeGreaterThan(300);
    expect(findings).toEqual([]);
  });

  it('a bad cell in the first row of a CSV is never a dropped row, on every CSV seed', () => {
    const seeds = loadSeeds().filter((s) => s.group === 'csv' || s.group === 'tsv' || s.group === 'table');
    const scratch = join(tmpdir(), `losscalc-fuzz-${process.pid}-first-row.csv`);
    const findings: string[] = [];
    let counted = 0;
    for (const seed of seeds) {
      const mutate = csvFirstRowMutation(seed.delimiter ?? (seed.group === 'tsv' ? '\t' : undefined));
      for (let i = 0; i < 6; i++) {
        const m = mutate(new Rng(9, i), seed.bytes, []);
        if (m?.rows === undefined) continue;
        counted++;
        const c: FuzzCase = {
          runSeed: 9, iteration: i, seed: seed.name, group: seed.group, mutations: [m.what], bytes: m.bytes, source: seed.name,
          options: { format: seed.format, delimiter: seed.delimiter }, table: seed.table && { ...seed.table, delimiter: seed.table.delimiter ?? seed.delimiter }, rows: m.rows,
        };
        for (const f of runCase(c, { callMs: config.callMs, memory: false, scratch }).findings) findings.push(`${f.kind} in ${f.call}: ${f.detail} (${describeCase(c)})`);
      }
    }
    rmSync(scratch, { force: true });
    expect(counted).toBeGreaterThan(100);
    expect(findings).toEqual([]);
  });

  it('the oracle flags a row read as a header in a text whose rows were all kept', () => {
    const repro = new TextEncoder().encode('0.1,0.2,abc,1\n0.3,0.4,0.5,2\n0.6,0.1,0.2,0\n');
    const base = { runSeed: 0, iteration: 0, seed: 'repro', group: 'table' as const, mutations: ['repro'], source: 't.csv', options: { format: 'csv' as const } };
    const limits = { callMs: config.callMs, memory: false };
    // issue 9's repro: the first row is an error, so there is nothing to flag
    expect(runCase({ ...base, bytes: repro, table: { labelColumn: -1 }, rows: { count: 3, delimiter: ',' } }, limits).findings).toEqual([]);
    // a text of a header and two rows, claimed to have three: both readers are flagged
    const header = new TextEncoder().encode('a,b\n1,2\n3,4\n');
    const kinds = runCase({ ...base, bytes: header, table: { labelColumn: 0 }, rows: { count: 3, delimiter: ',' } }, limits).findings.map((f) => `${f.kind} ${f.call}`);
    expect(kinds).toEqual(['dropped-row parseInput', 'dropped-row parseTable']);
  });

  it('a stored npz entry changed behind its CRC-32 is refused; a reader returning it would be flagged', () => {
    const seed = loadSeeds().find((s) => s.name.endsWith('dump.npz'))!; // np.savez: stored
    const make = (bytes: Uint8Array, corrupted: string, what: string): FuzzCase => ({
      runSeed: 0, iteration: 0, seed: seed.name, group: 'npz', mutations: [what], bytes, source: 'fuzz.npz',
      options: { format: 'npz', key: corrupted.replace(/\.npy$/, '') }, corrupted,
    });
    for (let i = 0; i < 200; i++) {
      const m = zipCrcFlip(new Rng(3, i), seed.bytes, [])!;
      const out = runCase(make(m.bytes, m.corrupts!, m.what), { callMs: config.callMs, memory: false });
      expect(out.findings).toEqual([]);
      expect(out.results[0], m.what).toMatch(/^entry Q: CRC-N mismatch/);
    }
    // the oracle: an entry read as a tensor although the case says it was corrupted
    const claimed = runCase(make(seed.bytes, 'logits.npy', 'unchanged'), { callMs: config.callMs, memory: false });
    expect(claimed.findings.map((f) => f.kind)).toEqual(['silently-wrong']);
  });

  it.runIf(replay !== undefined)(`replays FUZZ_CASE=${replay}`, () => {
    const [seed, iteration] = replay!.split(':');
    const c = new CaseGenerator(loadSeeds()).make(parseSeed(seed), Number(iteration));
    const file = `${config.outDir}-case-${iteration}.bin`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, c.bytes);
    const out = runCase(c, { callMs: config.callMs, memory: true, scratch: `${config.outDir}-case-${iteration}.npy`, fullDisk: fullDiskLimits(config, 'replay') });
    console.log(`${describeCase(c)}\nsaved: ${file}\n${hexSnippet(c.bytes, 256)}\nresults: ${out.results.join(', ')}\n${out.findings.map((f) => `${f.kind} in ${f.call}: ${f.detail}\n  at ${f.stack ?? ''}`).join('\n')}`);
  });

  const timeout = (Math.min(config.seconds, 24 * 3600) + config.hangMs / 1000 + 60) * 1000;
  it.skipIf(replay !== undefined)(`every reader gives a tensor or an InputError on ${config.iterations === Number.MAX_SAFE_INTEGER ? 'mutated inputs' : `${config.iterations} mutated inputs`}`, async () => {
    const report = await fuzz(config, (line) => console.error(line), (d) => knownBug(d) !== undefined);
    console.log(formatReport(report, knownBug));
    // a reader that refuses every case of a group is not being fuzzed (npz was, in the bundled worker)
    const blind = Object.entries(report.stats.byGroup).filter(([, g]) => g.cases >= 100 && g.tensors === 0);
    expect(blind.map(([group]) => group)).toEqual([]);
    const unknown = report.distinct.filter((d) => knownBug(d) === undefined && !NOTES.includes(d.finding.kind));
    expect(unknown.map((d) => `${d.finding.kind} in ${d.finding.call}: ${d.finding.detail} (${d.description})`)).toEqual([]);
  }, timeout);
});
