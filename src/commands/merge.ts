/**
 * `losscalc merge <result.json>... | -`: results computed apart (one run per shard, with --json)
 * combined into the loss of the union, as if computed in one run (see merge.ts). Each part is
 * checked against itself and against the others first (merge-parts.ts, merge-agreement.ts).
 * `-` reads the parts from standard input as JSON lines, one result per line.
 */
import { compareValues, type Check } from '../checks.js';
import { InputError, UsageError } from '../errors.js';
import { keepYoungGenerationSmall } from '../heap.js';
import { withFile, type FileSource } from '../io/byte-source.js';
import { checkContent, checkText, SNIFF_BYTES } from '../io/format.js';
import { readMembers, textLines, type JsonSpan } from '../io/json-part.js';
import { settle } from '../io/read.js';
import { checkAgreement } from '../merge-agreement.js';
import { checkPart, parsePart, sourceOf, type RecordedResult } from '../merge-parts.js';
import { mergeResults, type MergedResult } from '../merge.js';
import type { MergeOptions } from '../options.js';
import { checkLine, verdict, writeQuiet } from '../report/human.js';
import { jsonMetrics, jsonNumber, jsonSettings } from '../report/json.js';
import { markdown } from '../report/markdown.js';
import { renderMetrics, unitOf } from '../report/metrics-rows.js';
import { mergeMetrics } from '../metrics/merge.js';
import { Streamed, writeJson } from '../report/json-stream.js';
import type { Paint } from '../report/paint.js';
import { formatNumber } from '../report/table.js';
import { formatShape, numel } from '../tensor.js';
import type { CommandIo, Io } from './io.js';

export async function runMerge(opts: MergeOptions, io: CommandIo, paint: Paint): Promise<number> {
  keepYoungGenerationSmall();
  const parts: RecordedResult[] = [];
  for (const file of opts.files) parts.push(...(await readParts(file, io)));
  for (const p of parts) checkPart(p);
  checkAgreement(parts);
  const merged = mergeResults(parts);
  const loss = typeof merged.loss === 'number' ? merged.loss : undefined;
  // --metrics: every part has them, or none (merge-agreement.ts)
  const metrics = mergeMetrics(parts, merged);
  // a part whose own --expect or --reference failed fails the merge, and so does --expect
  const checks = expectCheck(opts, merged);
  const failures = parts.filter((p) => !p.ok).map((p) => `${p.source}: its own checks failed ("ok": false)`);
  for (const f of failures) io.stderr.message(`warning: ${f}`);
  const ok = failures.length === 0 && checks.every((c) => c.ok);
  if (opts.quiet) {
    await writeQuiet(io.stdout, merged, checks, io.stderr);
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
      ...(metrics && { metrics: jsonMetrics(metrics) }),
      checks: checks.map((c) => ({ ...c, a: jsonNumber(c.a), b: jsonNumber(c.b), diff: jsonNumber(c.diff) })),
      ok,
      warnings: failures,
    });
  } else {
    const value = loss !== undefined ? formatNumber(loss) : `${numel(merged.shape)} values of shape ${formatShape(merged.shape)}`;
    const over = `merged from ${parts.length} results, reduction ${merged.reduction}, ${merged.count} contributing`;
    if (opts.markdown) {
      const rows: [string, string][] = [['loss', value], ['parts', String(parts.length)], ['reduction', merged.reduction], ['contributing', String(merged.count)]];
      io.stdout.write(markdown({ title: `merge: ${merged.mode}`, rows, metrics, checks, failures }));
    } else {
      io.stdout.write(`${paint.bold(merged.mode)}  ${value}\n`);
      io.stdout.write(paint.dim(`  ${over}`) + '\n');
      if (metrics) io.stdout.write(renderMetrics(metrics, unitOf(merged.mode), paint.bold).join('\n') + '\n');
      const lines = [...failures.map((f) => paint.bad(`FAIL ${f}`)), ...checks.map((c) => checkLine(c, paint))];
      if (checks.length > 0) lines.push(verdict(checks, paint));
      if (failures.length > 0) lines.push(paint.bad(`not ok: ${failures.length} of ${parts.length} parts failed their own checks`));
      if (lines.length > 0) io.stdout.write((metrics ? '\n' : '') + lines.join('\n') + '\n');
    }
  }
  return ok ? 0 : 1;
}

/** --expect: the merged loss against it (one number: not for reduction none). */
function expectCheck(opts: MergeOptions, merged: MergedResult): Check[] {
  if (opts.expect === undefined) return [];
  if (typeof merged.loss !== 'number') throw new UsageError('--expect compares one number, but the parts are of reduction none');
  return [compareValues('expect', merged.loss, opts.expect, opts.tolerance)];
}

/**
 * The results in a file (one JSON document), or on standard input (`-`: JSON lines, one
 * result per line, blank lines skipped), read member by member from the file (a stream, from
 * the memory or temporary file it was kept in: stream.ts): perSample and the loss of
 * reduction none are read in blocks, as often as needed, never whole.
 */
async function readParts(file: string, io: Io): Promise<RecordedResult[]> {
  const stdin = file === '-';
  const at = await settle({ path: file, stdin, spec: file }, { format: 'json', stdin: io.stdin });
  // a stream was judged by its first bytes as it came; a file is judged here, as a stream would be
  if (!at.bytes && at.path === file) judgeFile(file);
  const read = (src: FileSource | Uint8Array): RecordedResult[] => {
    if (!stdin) return [readPart({ src, path: at.path, start: 0, end: sizeOf(src), source: file }, file)];
    const parts: RecordedResult[] = [];
    for (const [start, end, line] of textLines(src)) parts.push(readPart({ src, path: at.path, start, end, source: sourceOf(file, line) }, file, line));
    return parts;
  };
  const parts = at.bytes ? read(at.bytes) : withFile(at.path, read);
  if (stdin && parts.length === 0) throw new InputError('no results on standard input: pipe in the --json output of each shard, one per line', file);
  return parts;
}

function readPart(text: JsonSpan, file: string, line?: number): RecordedResult {
  const members = readMembers(text, ['perSample', 'loss'], {
    invalid: () => {
      throw new InputError('not a JSON result: run each shard with --json and merge what it printed', text.source);
    },
    inArray: (key, message) => {
      throw new InputError(`field "${key}": ${message}`, text.source);
    },
  });
  return parsePart(members, file, line);
}

function sizeOf(src: FileSource | Uint8Array): number {
  return src instanceof Uint8Array ? src.length : src.size;
}

/** The first bytes of a part's file: text, of no other format's magic (what stream.ts refuses in a stream). */
function judgeFile(path: string): void {
  const head = withFile(path, (file) => {
    const bytes = new Uint8Array(Math.min(SNIFF_BYTES, file.size));
    file.read(bytes, 0);
    return bytes;
  });
  checkContent(head, 'json', path);
  checkText(head, 'json', path, true);
}
