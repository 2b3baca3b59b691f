/**
 * Why the loss is what it is: the worst samples, a per-class table and a histogram of the
 * unreduced losses. Pure, like the losses: tensors and the unreduced losses in, plain rows out.
 *
 * A "sample" is one target position: (n) or (n, d1, ..., dk) for class-dim losses (the logits'
 * dims but the class dim: (b, t) for (B, T, V) logits with --class-dim -1), one element for
 * bce-logits. Ignored targets are left out of every table. The tables are sinks that keep what
 * they show (src/breakdown/): nothing the size of the samples is held.
 */
import { ConfusedPairs, type Confusions } from './breakdown/confused.js';
import { LossHistogram } from './breakdown/histogram.js';
import { PerClass } from './breakdown/per-class.js';
import { binarySamples, classSamples, lossBlocks } from './breakdown/samples.js';
import { WorstK } from './breakdown/worst.js';
import type { MetricsSink } from './metrics/sink.js';
import { classLayout, formatIndex, numel, sameShape, type Tensor } from './tensor.js';
import { asValues, type Values } from './values.js';

/**
 * How the predictions read: raw logits, log-probabilities (nll, --input log-probs),
 * probabilities (--input probs), or for the binary losses logits (bce-logits) or
 * probabilities (binary-cross-entropy).
 */
export type PredictionKind = 'logits' | 'log-probabilities' | 'probabilities' | 'binary' | 'binary-probabilities';

/** Whether the predictions are a binary loss's: an element each, no class dim. */
export const isBinary = (kind: PredictionKind): boolean => kind === 'binary' || kind === 'binary-probabilities';

export interface SampleRow {
  /** Flat (row-major) index into the unreduced loss, and the same as a position, "(n, d1)". */
  index: number;
  position: string;
  /** The class index (for probability targets: the most probable class), or the bce target. */
  label: number;
  predicted: number;
  /** The model's probability of `label`. */
  probability: number;
  loss: number;
}

export interface ClassRow {
  /** Class index; for bce-logits the index along the last dim. */
  class: number;
  /** The class's name, from --class-names or the logits CSV's header. */
  name?: string;
  count: number;
  meanLoss: number;
  /** Fraction of this class's samples predicted right (bce: σ(x) > 0.5 exactly when t >= 0.5). */
  accuracy: number;
}

export interface Histogram {
  /** Bin edges: bins[i] covers [edges[i], edges[i + 1]). */
  edges: number[];
  counts: number[];
  /** Losses left out of the bins because they are NaN or infinite. */
  nonFinite: number;
}

export interface Breakdown {
  worst: SampleRow[];
  perClass: ClassRow[];
  histogram: Histogram;
  /** With BreakdownOptions.confused: the most-confused pairs (bce: target >= 0.5 as 1 -> predicted). */
  confused?: Confusions;
}

export interface BreakdownOptions {
  kind: PredictionKind;
  top: number;
  ignoreIndex: number;
  /** As the losses' classDim: the class dim of the logits; undefined for PyTorch's. */
  classDim?: number;
  bins?: number;
  /** How many most-confused class pairs to report; none when 0 or undefined. */
  confused?: number;
  /** --metrics: fed by the same pass over the samples. */
  metrics?: MetricsSink;
}

/**
 * The breakdown of `losses` (float64, the unreduced losses in the loss's `shape`, row-major),
 * read side by side with the logits and labels in blocks of rows: memory for k worst rows, a
 * row per class, the bins and one block, whatever the number of samples. The losses are read
 * twice (the first pass finds the histogram's range), the labels of a class-dim loss too.
 */
export function breakdown(
  logits: Tensor | Values,
  labels: Tensor | Values,
  losses: Values,
  shape: number[],
  opts: BreakdownOptions,
): Breakdown {
  const x = asValues(logits);
  const t = asValues(labels);
  const worst = new WorstK(opts.top, numel(losses.shape));
  const perClass = new PerClass();
  const histogram = new LossHistogram(opts.bins ?? 8);
  const binaryKind = isBinary(opts.kind);
  const confused = opts.confused ? new ConfusedPairs(binaryKind ? 2 : classLayout(x.shape, opts.classDim).classes) : undefined;
  if (binaryKind) {
    // a column per index along the last dim
    const last = x.shape.length >= 2 ? x.shape[x.shape.length - 1] : 1;
    lossBlocks(losses, (l) => {
      for (let k = 0; k < l.length; k++) histogram.see(l[k]);
    });
    binarySamples(x, t, losses, opts.kind === 'binary-probabilities', (b) => {
      opts.metrics?.add(b);
      for (let k = 0; k < b.count; k++) {
        const i = b.first + k;
        const loss = b.loss[k];
        perClass.add(i % last, loss, (b.predicted[k] === 1) === b.label[k] >= 0.5);
        confused?.add(b.label[k] >= 0.5 ? 1 : 0, b.predicted[k]);
        worst.offer(b, k);
        histogram.add(loss);
      }
    });
  } else {
    const reading = { layout: classLayout(x.shape, opts.classDim), probabilityTargets: sameShape(t.shape, x.shape), kind: opts.kind, metrics: opts.metrics !== undefined };
    // ignored targets are left out of every table
    classSamples(undefined, t, losses, reading, (b) => {
      for (let k = 0; k < b.count; k++) if (b.label[k] !== opts.ignoreIndex) histogram.see(b.loss[k]);
    });
    classSamples(x, t, losses, reading, (b) => {
      opts.metrics?.add(b);
      for (let k = 0; k < b.count; k++) {
        const label = b.label[k];
        if (label === opts.ignoreIndex) continue;
        const loss = b.loss[k];
        perClass.add(label, loss, b.predicted[k] === label);
        confused?.add(label, b.predicted[k]);
        worst.offer(b, k);
        histogram.add(loss);
      }
    });
  }
  return {
    worst: worst.rows().map((r) => ({
      index: r.index,
      position: formatIndex(r.index, shape),
      label: r.label,
      predicted: r.predicted,
      probability: r.probability,
      loss: r.loss,
    })),
    perClass: perClass.rows(),
    histogram: histogram.result(),
    ...(confused && { confused: confused.result(opts.confused!) }),
  };
}
