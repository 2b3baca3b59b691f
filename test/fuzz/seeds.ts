/**
 * The fuzzer's seeds: every fixture of a format the readers take (fixtures/io, fixtures/losses,
 * fixtures/example, fixtures/compare, fixtures/torch), de-duplicated by content, grouped by reader, with the
 * keys of each container and the column options of the tables. Plain data, so that it can be
 * handed to worker threads.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatOfPath, type Format } from '../../src/io/format.js';
import { jsonContainer } from '../../src/io/json.js';
import { parseNpz } from '../../src/io/npz.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { parseTorch } from '../../src/io/torch/torch.js';
import type { TableOptions } from '../../src/io/table.js';

export type Group = 'npy' | 'npz' | 'safetensors' | 'pt' | 'csv' | 'tsv' | 'json' | 'jsonl' | 'table';

export interface Seed {
  /** The fixture's path from the repository root. */
  name: string;
  group: Group;
  /** The format its extension names, as the CLI would pass it. */
  format: Format;
  bytes: Uint8Array;
  /** The arrays of a container (npz, safetensors, JSON object), in file order. */
  keys: string[];
  /** The delimiter the file uses when it is not the format's own (semicolon.txt). */
  delimiter?: string;
  /** For the table group: the label column and the columns to drop. */
  table?: TableOptions;
}

/** The repository (computed when called: the worker bundle has no import.meta). */
export const root = (): string => fileURLToPath(new URL('../../', import.meta.url));
const DIRS = ['fixtures/io', 'fixtures/losses', 'fixtures/example', 'fixtures/compare', 'fixtures/torch'];

/** One-CSV tables (read by parseTable as well as parseInput) and their columns. */
const TABLES: Record<string, TableOptions> = {
  'fixtures/io/ids_table.csv': { labelColumn: 'target', dropColumns: ['id'] },
  'fixtures/io/pandas_index.csv': { labelColumn: 'label', dropColumns: [0] },
  'fixtures/io/pandas_table.csv': { labelColumn: 'label' },
  'fixtures/io/pandas_table_index.csv': { labelColumn: -1, dropColumns: [0] },
  'fixtures/io/bad_table.csv': { labelColumn: 'label', dropColumns: [0] },
  'fixtures/io/noheader_table.tsv': { labelColumn: -1, delimiter: '\t' },
  'fixtures/io/savetxt.csv': { labelColumn: 0 },
  'fixtures/example/logits.csv': { labelColumn: 4, dropColumns: [0] },
};

const DELIMITERS: Record<string, string> = { 'fixtures/io/semicolon.txt': ';' };

/** How often each group is fuzzed, relative to the others. */
export const GROUP_WEIGHTS: Record<Group, number> = {
  npy: 3,
  npz: 3,
  safetensors: 3,
  pt: 3,
  csv: 2,
  tsv: 1,
  json: 2.5,
  jsonl: 1.5,
  table: 2,
};

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
}

function containerKeys(format: Format, bytes: Uint8Array, name: string): string[] {
  try {
    if (format === 'npz') return [...parseNpz(bytes, name).keys];
    if (format === 'safetensors') return [...parseSafetensors(bytes, name).keys];
    if (format === 'pt') return [...parseTorch(bytes, name).keys];
    if (format === 'json') return [...(jsonContainer(bytes, name)?.keys ?? [])];
  } catch {
    // a broken fixture: no keys to pick, which is a case of its own
  }
  return [];
}

export function loadSeeds(dir = root()): Seed[] {
  const files: string[] = [];
  for (const d of DIRS) walk(join(dir, d), files);
  // tables first, so that a loss fixture with the same bytes does not take their place
  files.sort((a, b) => Number(relative(dir, b) in TABLES) - Number(relative(dir, a) in TABLES));
  const seen = new Set<string>();
  const seeds: Seed[] = [];
  for (const path of files) {
    const name = relative(dir, path);
    const format = formatOfPath(path);
    if (format === undefined || name.endsWith('expected.json')) continue; // the manifest is not data
    const bytes = new Uint8Array(readFileSync(path));
    const id = Buffer.from(bytes).toString('base64');
    if (seen.has(id)) continue;
    seen.add(id);
    const table = TABLES[name];
    const group: Group = table !== undefined ? 'table' : (format as Group);
    seeds.push({ name, group, format, bytes, keys: containerKeys(format, bytes, name), delimiter: DELIMITERS[name] ?? table?.delimiter, table });
  }
  for (const t of Object.keys(TABLES)) {
    if (!seeds.some((s) => s.name === t)) throw new Error(`fuzz seeds: table fixture ${t} is missing`);
  }
  return seeds;
}

/** The extension of a seed, kept on the mutated file's name so messages read naturally. */
export function sourceName(seed: Seed): string {
  return `fuzz${extname(seed.name)}`;
}
