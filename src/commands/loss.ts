/**
 * A loss mode (cross-entropy, nll, bce-logits, gather, check) from loaded files to printed
 * result: load, evaluate, break down, save, report. Returns the exit code.
 */
import { breakdown, type PredictionKind } from '../breakdown.js';
import { evaluate } from '../evaluate.js';
import type { Options } from '../options.js';
import { renderHuman, renderQuiet } from '../report/human.js';
import { renderJson } from '../report/json.js';
import type { Paint } from '../report/paint.js';
import { savePerSample } from '../report/save.js';
import { Progress, withProgress } from '../report/progress.js';
import { sameShape, type Tensor } from '../tensor.js';
import { asValues } from '../values.js';
import type { Io, Loader } from './io.js';

export async function runLoss(opts: Options, io: Io, load: Loader, paint: Paint): Promise<number> {
  const { logits: loaded, labels } = await loadLogitsAndLabels(opts, load);
  const progress = new Progress(io.stderrIsTTY ? io.stderr : { write: () => undefined }, `${opts.mode} ${opts.logits}`);
  const logits = withProgress(asValues(loaded), progress);
  const inputs = {
    logits,
    labels,
    weight: await load.read('weight', opts.weight, { list: true }),
    posWeight: await load.read('pos-weight', opts.posWeight, { list: true }),
    reference: await load.read('reference', opts.reference),
  };
  const outcome = evaluate(inputs, opts);
  for (const w of outcome.warnings) io.stderr.write(`losscalc: warning: ${w}\n`);

  const binary = opts.mode === 'bce-logits' || (opts.mode === 'check' && sameShape(labels.shape, logits.shape));
  const kind: PredictionKind = binary ? 'binary' : opts.mode === 'nll' && !opts.logSoftmax ? 'log-probabilities' : 'logits';
  const details =
    opts.top > 0 ? breakdown(logits, labels, outcome.result, { kind, top: opts.top, ignoreIndex: opts.ignoreIndex }) : undefined;
  progress.done();
  if (opts.savePerSample) await savePerSample(opts.savePerSample, outcome.result);

  if (opts.quiet) io.stdout.write(renderQuiet(outcome.result));
  else if (opts.json) io.stdout.write(renderJson(outcome, { logits: logits.shape, labels: labels.shape }, details));
  else io.stdout.write(renderHuman(outcome, { logits: loaded, labels }, paint, details && { breakdown: details, binary }));
  return outcome.ok ? 0 : 1;
}

/** Logits and labels from their files, or both from one table (--label-column). */
async function loadLogitsAndLabels(opts: Options, load: Loader): Promise<{ logits: Tensor; labels: Tensor }> {
  if (opts.input.labelColumn !== undefined) return load.table(opts.logits);
  return { logits: (await load.read('logits', opts.logits))!, labels: (await load.read('labels', opts.labels))! };
}
