/**
 * `losscalc merge <result.json>... | -`: results computed apart (one run per shard, with --json)
 * combined into the loss of the union, as if computed in one run (see merge.ts). Each part is
 * checked against itself and against the others first (merge-parts.ts, merge-agreement.ts).
 * `-` reads the parts from standard input as JSON lines, one result per line.
 */
import { createReadStream } from 'node:fs';
import { InputError } from '../errors.js';
import { keepYoungGenerationSmall } from '../heap.js';
import { decodeText } from '../io/format.js';
import { readStdin } from '../io/read.js';
import { readStream } from '../io/stream.js';
import { checkAgreement } from '../merge-agreement.js';
import { checkPart, parsePart, sourceOf, type RecordedResult } from '../merge-parts.js';
import { mergeResults } from '../merge.js';
import type { MergeOptions } from '../options.js';
import { writeQuiet } from '../report/human.js';
import { jsonNumber, jsonSettings } from '../report/json.js';
import { Streamed, writeJson } from '../report/json-stream.js';
import type { Paint } from '../report/paint.js';
import { formatNumber } from '../report/table.js';
import { formatShape, numel } from '../tensor.js';
import type { Io } from './io.js';

export async function runMerge(opts: MergeOptions, io: Io, paint: Paint): Promise<number> {
  keepYoungGenerationSmall();
  const parts: RecordedResult[] = [];
  for (const file of opts.files) parts.push(...(await readParts(file, io)));
  for (const p of parts) checkPart(p);
  checkAgreement(parts);
  const merged = mergeResults(parts);
  const loss = typeof merged.loss === 'number' ? merged.loss : undefined;
  if (opts.quiet) {
    await writeQuiet(io.stdout, merged);
  } else if (opts.json) {
    await writeJson(io.stdout, {
      mode: merged.mode,
      reduction: merged.reduction,
      loss: typeof merged.loss === 'number' ? jsonNumber(merged.loss) : new Streamed(merged.loss, merged.shape),
      count: merged.count,
      sum: jsonNumber(merged.sum),
      weightSum: jsonNumber(merged.weightSum),
      shape: merged.shape,
      // when every part had its losses (reduction none always does)
      perSample: merged.perSample && new Streamed(merged.perSample, [merged.perSample.length]),
      parts: parts.length,
      // what a merge of merges checks in turn: the common settings, every part's inputs
      settings: jsonSettings(parts[0].settings),
      inputs: { logits: parts.flatMap((p) => p.inputs.logits), labels: parts.flatMap((p) => p.inputs.labels) },
    });
  } else {
    const value = loss !== undefined ? formatNumber(loss) : `${numel(merged.shape)} values of shape ${formatShape(merged.shape)}`;
    io.stdout.write(`${paint.bold(merged.mode)}  ${value}\n`);
    io.stdout.write(paint.dim(`  merged from ${parts.length} results, reduction ${merged.reduction}, ${merged.count} contributing`) + '\n');
  }
  return 0;
}

/**
 * The results in a file (one JSON document), or on standard input (`-`: JSON lines, one
 * result per line, blank lines skipped).
 */
async function readParts(file: string, io: Io): Promise<RecordedResult[]> {
  if (file !== '-') return [parsePart(parseJson(await readText(file), file), file)];
  const text = decodeText(io.stdin ?? (await readStdin(undefined, 'json')));
  const parts: RecordedResult[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') parts.push(parsePart(parseJson(line, file, i + 1), file, i + 1));
  });
  if (parts.length === 0) throw new InputError('no results on standard input: pipe in the --json output of each shard, one per line', file);
  return parts;
}

/** A result file as text; a device or an endless FIFO is refused as stream.ts refuses it. */
async function readText(file: string): Promise<string> {
  return decodeText(await readStream(createReadStream(file), file, 'json'));
}

function parseJson(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError('not a JSON result: run each shard with --json and merge what it printed', sourceOf(file, line));
  }
}
