/**
 * One fuzz case from (run seed, iteration): a seed file, a stack of mutations and the options
 * the readers are called with. Pure and deterministic, so that the main thread can rebuild
 * the case a worker hung on, and a report's two numbers reproduce it.
 */
import { FORMATS, type Format, type ParseOptions } from '../../src/io/format.js';
import type { ColumnRef, TableOptions } from '../../src/io/table.js';
import { formatMutations, GENERIC, type Mutated, type Mutation } from './mutate.js';
import { Rng } from './prng.js';
import { GROUP_WEIGHTS, sourceName, type Group, type Seed } from './seeds.js';

export interface FuzzCase {
  runSeed: number;
  iteration: number;
  seed: string;
  group: Group;
  /** What was done to the seed, in order. */
  mutations: string[];
  bytes: Uint8Array;
  /** The name the readers are given. */
  source: string;
  options: ParseOptions;
  /** For the table group: parseTable's options, with the delimiter. */
  table?: TableOptions;
  /** The rows a tensor read from the bytes must have, when the last mutation knows (mutate.ts). */
  rows?: Mutated['rows'];
  /** The zip entry the last mutation corrupted behind its CRC-32 (mutate.ts zipCrcFlip). */
  corrupted?: string;
}

/** Larger inputs are not mutated further (deep nesting and repeated rows are big enough). */
const MAX_BYTES = 4 << 20;

export class CaseGenerator {
  private readonly byGroup = new Map<Group, Seed[]>();
  private readonly groups: [Group, number][];

  constructor(readonly seeds: readonly Seed[]) {
    for (const s of seeds) {
      const list = this.byGroup.get(s.group) ?? [];
      list.push(s);
      this.byGroup.set(s.group, list);
    }
    this.groups = [...this.byGroup.keys()].map((g) => [g, GROUP_WEIGHTS[g]]);
  }

  make(runSeed: number, iteration: number): FuzzCase {
    const rng = new Rng(runSeed, iteration);
    const group = rng.weighted(this.groups);
    const family = this.byGroup.get(group)!;
    const seed = rng.pick(family);
    const others = family.filter((s) => s !== seed);
    const aware = formatMutations(group, seed.delimiter);
    let bytes = seed.bytes;
    const mutations: string[] = [];
    let rows: Mutated['rows'];
    const n = rng.count(6, 0.45);
    let corrupted: string | undefined; // a later mutation may rebuild the archive, CRCs and all
    for (let i = 0; i < n && bytes.length <= MAX_BYTES; i++) {
      const pool = rng.chance(i === 0 ? 0.65 : 0.45) ? aware : GENERIC;
      let m = rng.weighted<Mutation>(pool)(rng, bytes, others);
      m ??= rng.weighted<Mutation>(GENERIC)(rng, bytes, others);
      if (m === undefined) continue;
      bytes = m.bytes;
      mutations.push(m.what);
      rows = m.rows; // what an earlier mutation knew, a later one may have changed
      corrupted = m.corrupts;
    }
    const source = sourceName(seed);
    const options = parseOptions(rng, seed);
    const table = seed.table && tableOptions(rng, seed.table, seed.delimiter);
    return { runSeed, iteration, seed: seed.name, group, mutations, bytes, source, options, table, rows, corrupted };
  }
}

const ODD_KEYS = ['', '__proto__', 'constructor', 'toString', 'missing', 'a.b', 'x.npy', ' '];

function parseOptions(rng: Rng, seed: Seed): ParseOptions {
  // mostly as the CLI does (the extension's format), sometimes sniffed, sometimes another format
  const r = rng.float();
  const format: Format | undefined = r < 0.65 ? seed.format : r < 0.9 ? undefined : rng.pick(FORMATS);
  const container = seed.format === 'npz' || seed.format === 'safetensors' || seed.format === 'pt' || (seed.format === 'json' && seed.keys.length > 0);
  let key: string | undefined;
  if (container) {
    const k = rng.float();
    key = k < 0.7 && seed.keys.length > 0 ? rng.pick(seed.keys) : k < 0.9 ? undefined : rng.pick(ODD_KEYS);
  } else if (rng.chance(0.03)) {
    key = rng.pick(ODD_KEYS);
  }
  const delimiter = rng.chance(0.05) ? rng.pick([',', '\t', ';', ' ', '|']) : seed.delimiter;
  return { format, key, delimiter };
}

const ODD_COLUMNS: ColumnRef[] = [-100, 99, -1, 0, 1, 'nope', '', ' ', 1.5, Number.NaN, '1e3', '+1', '-0', 'label', 'id', 2 ** 53, -(2 ** 31)];

function tableOptions(rng: Rng, base: TableOptions, delimiter: string | undefined): TableOptions {
  const opts: TableOptions = { ...base, delimiter: base.delimiter ?? delimiter };
  if (rng.chance(0.15)) opts.labelColumn = rng.pick(ODD_COLUMNS);
  if (rng.chance(0.1)) opts.dropColumns = Array.from({ length: rng.range(0, 3) }, () => rng.pick(ODD_COLUMNS));
  return opts;
}

/** A case as one line: where it came from and what was done to it. */
export function describeCase(c: FuzzCase): string {
  const opts = JSON.stringify(c.options, (_, v) => (Number.isNaN(v) ? 'NaN' : v));
  const table = c.table ? ` table ${JSON.stringify(c.table, (_, v) => (Number.isNaN(v) ? 'NaN' : v))}` : '';
  return `FUZZ_SEED=${c.runSeed} case ${c.iteration}: ${c.seed} [${c.mutations.join(' | ') || 'unmutated'}] options ${opts}${table}, ${c.bytes.length} bytes`;
}
