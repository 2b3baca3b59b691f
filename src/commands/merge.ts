/**
 * `losscalc merge <result.json>...`: results computed apart (one run per shard, with --json)
 * combined into the loss of the union, as if computed in one run (see merge.ts).
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { REDUCTIONS, type Reduction } from '../losses/reduce.js';
import { mergeResults, type PartialResult } from '../merge.js';
import type { MergeOptions } from '../options.js';
import { renderQuiet } from '../report/human.js';
import { jsonNumber, nest } from '../report/json.js';
import type { Paint } from '../report/paint.js';
import { formatNumber } from '../report/table.js';
import { formatShape } from '../tensor.js';
import type { Io } from './io.js';

export async function runMerge(opts: MergeOptions, io: Io, paint: Paint): Promise<number> {
  const parts: PartialResult[] = [];
  for (const file of opts.files) parts.push(parseResult(await readJson(file), file));
  const merged = mergeResults(parts);
  const loss = typeof merged.loss === 'number' ? merged.loss : undefined;
  if (opts.quiet) {
    io.stdout.write(renderQuiet(merged));
  } else if (opts.json) {
    io.stdout.write(
      JSON.stringify({
        mode: merged.mode,
        reduction: merged.reduction,
        loss: loss !== undefined ? jsonNumber(loss) : nest(merged.perSample, merged.shape),
        count: merged.count,
        sum: jsonNumber(merged.sum),
        weightSum: jsonNumber(merged.weightSum),
        shape: merged.shape,
        perSample: Array.from(merged.perSample, jsonNumber),
        parts: parts.length,
      }) + '\n',
    );
  } else {
    const value = loss !== undefined ? formatNumber(loss) : `${merged.perSample.length} values of shape ${formatShape(merged.shape)}`;
    io.stdout.write(`${paint.bold(merged.mode)}  ${value}\n`);
    io.stdout.write(paint.dim(`  merged from ${parts.length} results, reduction ${merged.reduction}, ${merged.count} contributing`) + '\n');
  }
  return 0;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read: ${code}`, file);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError('not a JSON result: run each shard with --json and merge what it printed', file);
  }
}

/** The fields merging needs from a --json result, each checked. */
function parseResult(j: unknown, file: string): PartialResult {
  const o = (typeof j === 'object' && j !== null ? j : {}) as Record<string, unknown>;
  const need = (field: string, ok: (v: unknown) => boolean, what: string) => {
    if (!ok(o[field])) throw new InputError(`field "${field}" is missing or not ${what}: is this a losscalc --json result?`, file);
    return o[field];
  };
  const num = (v: unknown) => typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
  const toNum = (v: unknown) => (typeof v === 'number' ? v : Number(v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity));
  const mode = need('mode', (v) => typeof v === 'string' && v !== 'check' && v !== 'compare', 'a loss mode') as string;
  const reduction = need('reduction', (v) => REDUCTIONS.includes(v as Reduction), 'mean, sum or none') as Reduction;
  const perSample = need('perSample', (v) => Array.isArray(v) && v.every(num), 'an array of numbers') as unknown[];
  const shape = need('shape', (v) => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0), 'a shape') as number[];
  return {
    mode,
    reduction,
    sum: toNum(need('sum', num, 'a number')),
    weightSum: toNum(need('weightSum', num, 'a number')),
    count: need('count', (v) => Number.isInteger(v), 'an integer') as number,
    perSample: Float64Array.from(perSample, toNum),
    shape,
    source: file,
  };
}
