/**
 * The columns --save-per-sample writes beside the loss: each sample's label, predicted class
 * and p(label), as the breakdown reads them (breakdown/samples.ts), a window of rows at a time
 * so that a writer working as a generator can take them in order. Each window is a fresh read
 * of rows [o, o + count) of the logits, labels and losses side by side: memory for one window,
 * whatever the number of samples.
 */
import { isBinary, type PredictionKind } from '../breakdown.js';
import { binarySamples, classSamples, type SampleBlock } from '../breakdown/samples.js';
import { classLayout, numel, sameShape } from '../tensor.js';
import type { Values } from '../values.js';

/** What the columns are read from, and how. */
export interface SampleColumns {
  logits: Values;
  labels: Values;
  kind: PredictionKind;
  /** As the losses' classDim; undefined for PyTorch's. */
  classDim?: number;
  ignoreIndex: number;
}

/**
 * Samples first .. first + count - 1 (flat indices into the losses): valid until the next
 * window is asked for. An ignored target has its label as given, NaN for predicted and
 * p_label (it has no prediction that counts) and `ignored` 1; every other sample `ignored` 0,
 * whatever its values (a NaN logit gives a NaN p_label too).
 */
export interface SampleWindow {
  first: number;
  count: number;
  loss: Float64Array;
  label: Float64Array;
  predicted: Float64Array;
  probability: Float64Array;
  ignored: Uint8Array;
}

/** Logits values per window (a few MB of float64 in the readers' blocks). */
const WINDOW_VALUES = 1 << 18;
/** Samples per window, at most, unless one row holds more. */
const WINDOW_SAMPLES = 1 << 14;

/** The samples of the losses with their columns, a window at a time, in flat order. */
export function* sampleWindows(losses: Values, c: SampleColumns): Generator<SampleWindow> {
  const { logits: x, labels: t, kind } = c;
  const out = new Windows();
  if (isBinary(kind)) {
    // an element each: windows of elements
    const n = numel(x.shape);
    for (let o = 0; o < n; o += WINDOW_SAMPLES) {
      const count = Math.min(WINDOW_SAMPLES, n - o);
      const w = out.start(o, count);
      binarySamples(rowsFrom(x, o, count), rowsFrom(t, o, count), rowsFrom(losses, o, count), kind === 'binary-probabilities', (b) => copy(b, w));
      yield w;
    }
    return;
  }
  // a target position each, `inner` of them per row of `outer` (classSamples' rows)
  const layout = classLayout(x.shape, c.classDim);
  const { outer, classes, inner } = layout;
  const reading = { probabilityTargets: sameShape(t.shape, x.shape), kind };
  const rows = Math.max(1, Math.min(Math.floor(WINDOW_VALUES / (classes * inner)), Math.floor(WINDOW_SAMPLES / inner)));
  for (let o = 0; o < outer; o += rows) {
    const count = Math.min(rows, outer - o);
    const w = out.start(o * inner, count * inner);
    classSamples(rowsFrom(x, o, count), rowsFrom(t, o, count), rowsFrom(losses, o, count), { ...reading, layout: { ...layout, outer: count } }, (b) => copy(b, w));
    for (let k = 0; k < w.count; k++) {
      w.ignored[k] = w.label[k] === c.ignoreIndex ? 1 : 0;
      if (w.ignored[k]) w.predicted[k] = w.probability[k] = NaN;
    }
    yield w;
  }
}

/**
 * Rows [o, o + count) of `v` as Values of their own, for a reader that asks for them in units
 * of one row each (classSamples reads every source so: a row of `outer`, or one element).
 */
function rowsFrom(v: Values, o: number, count: number): Values {
  return {
    shape: [count],
    dtype: v.dtype,
    read(unit, start, end, visit) {
      v.read(unit, start + o, end + o, (data, first, n) => visit(data, first - o, n));
    },
  };
}

/** A visited block into the window (the block's arrays are reused once the visit returns). */
function copy(b: SampleBlock, w: SampleWindow): void {
  const at = b.first;
  w.label.set(b.label.subarray(0, b.count), at);
  w.predicted.set(b.predicted.subarray(0, b.count), at);
  w.probability.set(b.probability.subarray(0, b.count), at);
  for (let k = 0; k < b.count; k++) w.loss[at + k] = b.loss[k];
}

/** The arrays of a window, grown as windows need and reused. */
class Windows {
  private arrays = [0, 1, 2, 3].map(() => new Float64Array(0));
  private ignored = new Uint8Array(0);

  start(first: number, count: number): SampleWindow {
    if (this.arrays[0].length < count) [this.arrays, this.ignored] = [this.arrays.map(() => new Float64Array(count)), new Uint8Array(count)];
    const [loss, label, predicted, probability] = this.arrays.map((a) => a.subarray(0, count));
    // the binary losses ignore no target
    const ignored = this.ignored.subarray(0, count).fill(0);
    return { first, count, loss, label, predicted, probability, ignored };
  }
}
