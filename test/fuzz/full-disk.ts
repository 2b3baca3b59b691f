/**
 * Full-disk runs: some fuzz cases are also handed to the built CLI with stdout on /dev/full,
 * as `losscalc compare <file> <file>` (with --json every other time) or, for a table,
 * `losscalc ce <file> --label-column <c>`. Every such run has something to print or an input
 * error to report, so whatever the bytes it must end with exit 2 and exactly one line on
 * stderr: `losscalc: stdout: no space left on device` when the result could not be written,
 * or the error that stopped it (when nothing was printed). Exit 0 or 1 (a result that
 * silently went nowhere), more lines, a stack trace or an internal error are findings.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from './check.js';
import type { FuzzCase } from './generate.js';

const FULL = '/dev/full';

export interface FullDisk {
  /** Every so many cases (by iteration) run the CLI; 0: never. */
  every: number;
  /** bin/losscalc.cjs */
  bin: string;
  /** A directory this thread may write the case's file into. */
  dir: string;
  /** A run slower than this is given up on without a finding (the readers' own time is bounded elsewhere). */
  timeoutMs: number;
}

export const hasFullDevice = (): boolean => existsSync(FULL);

/** The command line for a case whose bytes are in `path`. */
export function fullDiskArgs(c: FuzzCase, path: string): string[] {
  const spec = c.options.key === undefined ? path : `${path}:${c.options.key}`;
  const flags = [
    ...(c.options.format ? ['--format', c.options.format] : []),
    ...(c.options.delimiter ? ['--delimiter', c.options.delimiter] : []),
  ];
  if (c.table?.labelColumn !== undefined) {
    const drop = c.table.dropColumns?.length ? ['--drop-columns', c.table.dropColumns.map(String).join(',')] : [];
    return ['ce', spec, '--label-column', String(c.table.labelColumn), ...drop, ...flags];
  }
  return ['compare', spec, spec, ...flags, ...(c.iteration % 2 === 1 ? ['--json'] : [])];
}

/** How a full-disk run ended: at the write (a result was printed) or at an error before it. */
export interface FullDiskRun {
  findings: Finding[];
  wrote: boolean;
}

const STDOUT_FULL = 'losscalc: stdout: no space left on device\n';

/**
 * The case's full-disk run; undefined when it is not one (or the run timed out). Every
 * `every`th case is one, and every (`every` / 4)th of those the reader accepted (`parsed`),
 * since most mutated files stop at an input error before anything is printed.
 */
export function fullDiskProbe(c: FuzzCase, config: FullDisk, parsed: boolean): FullDiskRun | undefined {
  const every = parsed ? Math.max(1, Math.floor(config.every / 4)) : config.every;
  if (config.every <= 0 || c.iteration % every !== 0 || !hasFullDevice()) return undefined;
  mkdirSync(config.dir, { recursive: true });
  const path = join(config.dir, c.source);
  writeFileSync(path, c.bytes);
  const args = fullDiskArgs(c, path);
  const out = openSync(FULL, 'w');
  let r;
  try {
    r = spawnSync(process.execPath, [config.bin, ...args], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8', timeout: config.timeoutMs, env: { PATH: process.env.PATH ?? '' } });
  } finally {
    closeSync(out);
  }
  if (r.error !== undefined || r.signal !== null) return undefined; // timed out on a loaded machine
  const problem = judge(r.status, r.stderr);
  const wrote = r.stderr === STDOUT_FULL;
  if (problem === undefined) return { findings: [], wrote };
  const command = `losscalc ${args.map((a) => JSON.stringify(a)).join(' ')} > ${FULL}`;
  return { findings: [{ kind: 'full-disk', call: 'cli > /dev/full', detail: `${problem}: ${command}; stderr ${JSON.stringify(r.stderr.slice(0, 400))}`, pattern: problem }], wrote };
}

/**
 * What is wrong with how a run with stdout on /dev/full ended, or undefined: exit 2 and one
 * error line, after any warnings the run had to give (they are not errors, and each is a line
 * of its own).
 */
export function judge(status: number | null, stderr: string): string | undefined {
  if (status !== 2) return `exit ${status}, expected 2`;
  const lines = stderr.split('\n').filter((line) => !/^losscalc: warning: [^\n]*$/.test(line));
  if (lines.length !== 2 || lines[1] !== '') return `${lines.length - 1} lines on stderr besides warnings, expected 1`;
  if (!lines[0].startsWith('losscalc: ')) return 'stderr does not start with "losscalc: "';
  if (lines[0].includes('internal error')) return 'an internal error';
  return undefined;
}
