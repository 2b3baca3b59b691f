/**
 * A loss mode (cross-entropy, nll, bce-logits, gather, check) from loaded files to printed
 * result: load, evaluate, break down, save, report. Returns the exit code.
 */
import { breakdown, type PredictionKind } from '../breakdown.js';
import { evaluate } from '../evaluate.js';
import type { Options } from '../options.js';
import { renderHuman, writeQuiet } from '../report/human.js';
import { writeJsonReport, type Recorded } from '../report/json.js';
import type { Paint } from '../report/paint.js';
import { savePerSample } from '../report/save.js';
import { refuseSavingOverInput } from './save-target.js';
import { Progress, withProgress } from '../report/progress.js';
import { causalShift, checkShiftWeight, shiftWarnings } from '../shift.js';
import { binaryLabels } from '../losses/targets.js';
import { rowsPerChunk } from '../losses/reduce.js';
import { lossStore } from '../loss-store.js';
import { availableParallelism } from 'node:os';
import { keepYoungGenerationSmall } from '../heap.js';
import { classLayout, numel, type ClassLayout, type Tensor } from '../tensor.js';
import { recordSettings } from '../settings.js';
import { inputDigests } from '../io/digest.js';
import { asValues, isValues, type Values } from '../values.js';
import type { ParallelJob, Rows } from '../parallel.js';
import { binaryFormat, type Format } from '../io/extensions.js';
import { mayUseThreads, threadsWarning } from '../threads.js';
import { endEarlyWorkers, startedEarly } from '../early-workers.js';
import { kernelMode, useKernelFor } from '../kernel/load.js';
import { threadSpec } from '../io/read.js';
import { NonFiniteScan, nonFiniteWarning, TARGET_RANGE, targetsWarning } from '../warnings.js';
import { mistakeWarnings, PredictionWatch } from '../mistakes.js';
import type { CommandIo, Loader } from './io.js';
import { CONFUSED_PAIRS, REPORT_TOP, reportData, writeReport } from '../report/html/write.js';
import { packageVersion } from '../version.js';
import { classNames, named, savedColumns } from './per-sample.js';
import type { IdColumn } from '../io/id-column.js';
import { startMetrics } from '../metrics/pass.js';
import { renderMarkdown } from '../report/markdown.js';

export async function runLoss(opts: Options, io: CommandIo, load: Loader, paint: Paint): Promise<number> {
  // a worker started with the process loads its bundle's code cache, which V8 takes only under
  // the flags it was made with: they change once the run knows whether it uses that worker
  if (!startedEarly()) keepYoungGenerationSmall();
  await refuseSavingOverInput(opts);
  const read = await loadLogitsAndLabels(opts, load);
  const { specs, classes, ids } = read;
  // --shift: the logits of positions 0 .. T-2 against the labels of 1 .. T-1 (a causal LM)
  const { logits: loaded, labels } = opts.shift ? causalShift(read.logits, read.labels, opts.classDim, specs.logits.length) : read;
  useKernelFor(numel(loaded.shape));
  // workers start loading now (unless they started with the process), while the rest of the inputs are read
  const plan = await threadPlan(opts, specs, loaded, labels);
  // those started early free their core at once
  if (!plan) endEarlyWorkers();
  const progress = new Progress(io.stderr, `${opts.mode} ${opts.logits}`, io.clock);
  const binary = binaryLabels(opts.mode, loaded.shape, labels.shape);
  // non-finite logits and labels (and BCE targets outside [0, 1]) are counted, and the usual mistakes caught, as the kernels read them (warnings.ts)
  const scans = {
    logits: new NonFiniteScan(new PredictionWatch(loaded.shape, loaded.dtype, 0, opts.classDim)),
    labels: new NonFiniteScan(undefined, binary ? TARGET_RANGE : undefined),
  };
  const logits = scans.logits.observe(withProgress(asValues(loaded), progress));
  const inputs = {
    logits,
    labels: scans.labels.observe(asValues(labels)),
    weight: await load.read('weight', opts.weight, { list: true }),
    posWeight: await load.read('pos-weight', opts.posWeight, { list: true }),
    // an array of the loss's shape (reduction none) is compared block by block, never read whole
    reference: opts.reference === undefined ? undefined : await load.open('reference', [opts.reference]),
  };
  if (opts.shift) checkShiftWeight(inputs.weight, opts.weight);
  // the unreduced losses are kept (beyond a bound, in a temporary file) only for an output that needs them
  const keepLosses = opts.reduction === 'none' || opts.savePerSample.length > 0 || opts.top > 0 || opts.report !== undefined;
  const threaded = plan && (await inThreads(plan, opts, loaded, labels, inputs, keepLosses));
  // a worker's start sets V8's flags anew, and a run with workers started early has not set them yet
  keepYoungGenerationSmall();
  const evaluated = evaluate(inputs, { ...opts, perSample: keepLosses ? lossStore() : 'drop' }, threaded?.result);
  const seen = threaded ?? { logits: scans.logits.summary(), labels: scans.labels.summary() };
  const kind = predictionKind(opts, binary);
  const outcome = {
    ...evaluated,
    warnings: [
      ...load.notes,
      ...threadsWarning(opts.threads, availableParallelism()),
      ...nonFiniteWarning('logits', seen.logits, asValues(loaded)),
      ...nonFiniteWarning('labels', seen.labels, asValues(labels)),
      ...mistakeWarnings(opts.mode, kind, seen.logits.findings, loaded.shape, opts.classDim),
      ...targetsWarning(seen.labels, labels.shape),
      ...(opts.shift ? shiftWarnings(read.labels.shape) : []),
      ...evaluated.warnings,
    ],
  };
  for (const w of outcome.warnings) io.stderr.message(`warning: ${w}`);

  const names = classNames(opts, loaded.shape, binary, classes);
  // --metrics: fed by the breakdown's pass over the samples when there is one, else by its own
  const measuring = opts.metrics && startMetrics({ logits, labels: asValues(labels), kind, ignoreIndex: opts.ignoreIndex, classDim: opts.classDim }, opts.metrics, {
    mode: opts.mode,
    weighted: inputs.weight !== undefined,
    labelSmoothing: opts.labelSmoothing,
  });
  // --report draws the breakdown (with the most-confused pairs) whether or not --top prints it
  const report = opts.report === undefined ? undefined : { top: opts.top || REPORT_TOP, confused: CONFUSED_PAIRS };
  const drawn =
    opts.top > 0 || report
      ? named(
          breakdown(logits, labels, outcome.result.perSample!, outcome.result.shape, {
            kind,
            top: opts.top,
            ignoreIndex: opts.ignoreIndex,
            classDim: opts.classDim,
            ...report,
            metrics: measuring?.feed(),
          }),
          names,
        )
      : undefined;
  const details = opts.top > 0 ? drawn : undefined;
  const metrics = measuring?.finish(outcome.result);
  progress.done();
  for (const file of opts.savePerSample) await savePerSample(file, outcome.result, io, savedColumns(opts, asValues(loaded), asValues(labels), kind, ids));
  // --json and --report record the same digests: the files are read again once
  let recorded: Promise<Recorded> | undefined;
  const recordOnce = () =>
    (recorded ??= record(opts, specs, inputs, binary ? null : { ...classLayout(logits.shape, opts.classDim), rank: logits.shape.length }, io.stdin));
  if (opts.report !== undefined) {
    // the inputs as given (their files' shapes); a shifted run says so among its options
    const arrays = { logits: read.logits, labels: read.labels };
    const data = reportData({ opts, outcome, version: packageVersion(), specs, arrays, recorded: await recordOnce(), binary, breakdown: drawn, classNames: names, metrics });
    await writeReport(opts.report, data, io);
  }

  if (opts.quiet) await writeQuiet(io.stdout, outcome.result, outcome.checks, io.stderr, outcome.unchecked);
  else if (opts.json) {
    await writeJsonReport(io.stdout, outcome, { logits: logits.shape, labels: labels.shape }, await recordOnce(), details, metrics);
  }
  else if (opts.markdown) io.stdout.write(renderMarkdown(outcome, { logits: read.logits, labels: read.labels, shifted: opts.shift }, metrics));
  else io.stdout.write(renderHuman(outcome, { logits: read.logits, labels: read.labels, shifted: opts.shift }, paint, details && { breakdown: details, binary, classes: opts.classes }, metrics));
  return outcome.ok ? 0 : 1;
}

/** What the predictions hold, as the breakdown reads them. */
function predictionKind(opts: Options, binary: boolean): PredictionKind {
  if (binary) return opts.mode === 'binary-cross-entropy' ? 'binary-probabilities' : 'binary';
  if (opts.mode === 'nll') return opts.logSoftmax ? 'logits' : 'log-probabilities';
  return opts.inputKind === 'probs' ? 'probabilities' : opts.inputKind === 'log-probs' ? 'log-probabilities' : 'logits';
}

/** What --json records for merge: the settings, and digests of the input files (read again). */
async function record(
  opts: Options,
  specs: Specs,
  weights: { weight?: Tensor; posWeight?: Tensor },
  layout: (ClassLayout & { rank: number }) | null,
  stdin?: Uint8Array,
): Promise<Recorded> {
  return { settings: recordSettings(opts, weights, layout), inputs: await inputDigests(specs, stdin) };
}

/** What the logits and labels were read from, a spec per shard (`file:key` for an array found by name). */
interface Specs {
  logits: readonly string[];
  labels: readonly string[];
}

/**
 * Logits and labels from their files; or both from one table (--label-column), the table then
 * holding the labels too; or both found by name in one container (no labels operand).
 */
async function loadLogitsAndLabels(opts: Options, load: Loader): Promise<{ logits: Tensor | Values; labels: Tensor | Values; specs: Specs; classes?: string[]; ids?: IdColumn }> {
  if (opts.input.labelColumn !== undefined) {
    const table = await load.table(opts.logits);
    return { ...table, labels: table.labels!, specs: { logits: opts.logits, labels: opts.logits } };
  }
  // --id-column alone: the logits' CSV without its id column, the labels a file of their own
  if (opts.input.idColumn !== undefined) {
    const table = await load.table(opts.logits);
    return { ...table, labels: await load.open('labels', opts.labels), specs: { logits: opts.logits, labels: opts.labels } };
  }
  if (opts.labels.length === 0) return load.pair(opts.logits);
  const specs = { logits: opts.logits, labels: opts.labels };
  return { logits: await load.open('logits', opts.logits), labels: await load.open('labels', opts.labels), specs };
}

/** How a parallel run reads its inputs, and the workers started for it. */
interface ThreadPlan {
  parallel: typeof import('../parallel.js');
  workers: import('../parallel.js').Workers;
  rows: Rows;
  binary: boolean;
  logitsAt: { spec: string; format?: Format };
  labelsAt?: { spec: string; format?: Format };
  labelsSpec: string;
}

/**
 * Whether the mode's loss is computed on several threads (the logits a file read in blocks,
 * large enough, or -j asks), decided as soon as the logits and labels are open, and then the
 * workers started (or adopted, early-workers.ts); undefined to compute it here. A worker takes
 * the layouts the readers of text noted (csv-file.ts, json-file.ts) when it starts, so a run
 * that reads text starts its workers now, once both are open, and ends those started early.
 */
async function threadPlan(opts: Options, specs: Specs, logits: Tensor | Values, labels: Tensor | Values): Promise<ThreadPlan | undefined> {
  const labelsShape = labels.shape;
  if (opts.mode === 'check' || !isValues(logits) || logits.shape.length < 2) return undefined;
  // a --label-column table is read on this thread; the threads read the logits and labels specs
  if (opts.input.labelColumn !== undefined || specs.logits.length !== 1 || specs.labels.length !== 1) return undefined;
  // a thread reads the logits' file with every column, the ids too: it would fail on them and
  // leave its rows to this thread, after starting for nothing
  if (opts.input.idColumn !== undefined) return undefined;
  // each thread sees its rows of both inputs, so only the batch dims can disagree unseen:
  // the single-threaded run reports that
  if (labelsShape[0] !== logits.shape[0]) return undefined;
  // threads split the batch dim, which --class-dim 0 makes the class dim
  if (opts.classDim !== undefined && classLayout(logits.shape, opts.classDim).dim === 0) return undefined;
  // worker_threads and the worker's bundle are loaded only for a run that uses them; what a run
  // costs is the values it reads, the labels' (bce's targets) too
  const values = numel(logits.shape) + numel(labelsShape);
  if (!mayUseThreads(opts.threads, values)) return undefined;
  const binary = binaryLabels(opts.mode, logits.shape, labelsShape);
  const chunkRows = rowsPerChunk(binary ? logits.shape : classLayout(logits.shape, opts.classDim).outShape, numel(logits.shape.slice(1)));
  // each thread opens both files again: a stream (stdin, a FIFO, gzip) by its temporary file
  const [logitsAt, labelsAt] = [await threadSpec(specs.logits[0], opts.input.format), await threadSpec(specs.labels[0], opts.input.format)];
  if (!logitsAt) return undefined;
  const parallel = await import('../parallel.js');
  const cost = logitsAt.format === undefined || !binaryFormat(logitsAt.format) ? 'text' : kernelMode.scalar ? 'scalar' : 'kernel';
  const threads = parallel.threadCount(opts.threads, values, Math.ceil(logits.shape[0] / chunkRows), undefined, cost);
  if (threads < 2) return undefined;
  const rowValues = (shape: number[]) => numel(shape.slice(1));
  const rows = {
    rows: logits.shape[0],
    chunkRows,
    logits: rowValues(logits.shape),
    labels: rowValues(labelsShape),
    logitsBytes: rowValues(logits.shape) * parallel.valueBytes(logits.dtype),
  };
  return { parallel, workers: new parallel.Workers(threads - 1), rows, binary, logitsAt, labelsAt, labelsSpec: specs.labels[0] };
}

/** The mode's loss on the plan's threads, or undefined to compute it here. */
async function inThreads(
  plan: ThreadPlan,
  opts: Options,
  logits: Tensor | Values,
  labels: Tensor | Values,
  inputs: { weight?: Tensor; posWeight?: Tensor },
  keepLosses: boolean,
) {
  const { parallel, workers, logitsAt, labelsAt } = plan;
  // class indices read whole (JSON, bytes kept in memory) are shared, never parsed again by
  // each thread; a file read in blocks (and targets of the logits' shape) each thread reads its rows of
  const sharedLabels = plan.binary || (isValues(labels) && labelsAt) ? undefined : parallel.shareLabels(asValues(labels));
  if (!sharedLabels && !labelsAt) {
    workers.end();
    return undefined;
  }
  const job: ParallelJob = {
    mode: opts.mode as ParallelJob['mode'],
    logits: logitsAt.spec,
    // unread when the labels are shared
    labels: labelsAt?.spec ?? plan.labelsSpec,
    logitsFormat: logitsAt.format,
    labelsFormat: labelsAt?.format,
    delimiter: opts.input.delimiter,
    header: opts.input.header,
    weight: inputs.weight,
    posWeight: inputs.posWeight,
    reduction: opts.reduction,
    ignoreIndex: opts.ignoreIndex,
    labelSmoothing: opts.labelSmoothing,
    logSoftmax: opts.logSoftmax,
    classDim: opts.classDim,
    inputKind: opts.inputKind,
    shift: opts.shift,
    keepLosses,
    sharedLabels,
  };
  const part = await parallel.parallelLoss(job, plan.rows, workers);
  // each thread opened the files itself: they read the version this run opened first only if
  // the files are still as they were then, which a read through that first open checks
  for (const v of [logits, labels]) if (part && isValues(v)) v.read(numel(v.shape.slice(1)), 0, 1, () => {});
  return part;
}
