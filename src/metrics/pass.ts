/**
 * --metrics without --per-sample: one pass over the logits and labels in blocks of rows (the
 * losses are not read), into the metrics' sink. With --per-sample the breakdown's pass feeds
 * the same sink (breakdown.ts).
 */
import { isBinary, type PredictionKind } from '../breakdown.js';
import { binarySamples, classSamples } from '../breakdown/samples.js';
import { classLayout, sameShape } from '../tensor.js';
import type { Values } from '../values.js';
import type { MetricsOptions } from '../options.js';
import { perplexityOf } from './perplexity.js';
import { topkFor } from './ranks.js';
import { MetricsSink } from './sink.js';
import { summarize } from './summary.js';
import type { Metrics, MetricsSettings } from './types.js';

export interface MetricsInputs {
  logits: Values;
  labels: Values;
  kind: PredictionKind;
  ignoreIndex: number;
  classDim?: number;
}

/** Whether the labels are class probabilities (of the logits' shape) rather than indices. */
export const probabilityTargets = (inputs: MetricsInputs) => !isBinary(inputs.kind) && sameShape(inputs.labels.shape, inputs.logits.shape);

/** The sink for these inputs: ignore_index leaves class indices out, never probabilities. */
export function metricsSink(inputs: MetricsInputs, settings: MetricsSettings): MetricsSink {
  const binary = isBinary(inputs.kind);
  const ignoreIndex = binary || probabilityTargets(inputs) ? undefined : inputs.ignoreIndex;
  return new MetricsSink({ ...settings, topk: binary ? [] : settings.topk, binary, ignoreIndex });
}

/** Every sample into `sink`. */
export function metricsPass(inputs: MetricsInputs, sink: MetricsSink): void {
  const { logits, labels, kind } = inputs;
  if (isBinary(kind)) binarySamples(logits, labels, undefined, kind === 'binary-probabilities', (b) => sink.add(b));
  else {
    const reading = { layout: classLayout(logits.shape, inputs.classDim), probabilityTargets: probabilityTargets(inputs), kind, metrics: true };
    classSamples(logits, labels, undefined, reading, (b) => sink.add(b));
  }
}

/**
 * --metrics in a loss run: the sink, fed by the breakdown's pass or else by `finish`, which
 * then gives the metrics, perplexity from the loss's own sum and weightSum.
 */
export function startMetrics(inputs: MetricsInputs, options: MetricsOptions, loss: { mode: string; weighted: boolean; labelSmoothing: number }) {
  const classes = isBinary(inputs.kind) ? 0 : classLayout(inputs.logits.shape, inputs.classDim).classes;
  const sink = metricsSink(inputs, { topk: topkFor(options.topk, classes), bins: options.bins });
  let fed = false;
  return {
    /** For the breakdown to feed (then no pass of its own). */
    feed(): MetricsSink {
      fed = true;
      return sink;
    },
    finish(result: { sum: number; weightSum: number }): Metrics {
      if (!fed) metricsPass(inputs, sink);
      const perplexity = perplexityOf({ ...loss, probabilityTargets: probabilityTargets(inputs) }, result);
      return summarize(sink.samples, sink.state(), perplexity);
    },
  };
}
