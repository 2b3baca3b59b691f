/**
 * `check` on labels of the logits' shape (binary / multi-label targets):
 *   bce-logits(x, t) = cross-entropy(stack([0, x], 1), stack([1 - t, t], 1))
 *                    = binary_cross_entropy(sigmoid(x), t)
 * since softmax([0, x])_1 = σ(x). The last is the manual path, with σ(x) rounded to float64 as
 * torch.sigmoid rounds it: 1 - σ(x) loses digits for large x (σ(x) = 1 exactly from x ≈ 36.7
 * on), and binary_cross_entropy clamps each log at -100 (σ(x) = e^x below x = -100), so for
 * such logits the two legitimately differ, in PyTorch too; the failed check says so.
 */
import type { LossInputs, Ways } from './equivalences.js';
import { InputError } from './errors.js';
import { bceWithLogits } from './losses/bce-with-logits.js';
import { binaryCrossEntropy } from './losses/binary-cross-entropy.js';
import { crossEntropy } from './losses/cross-entropy.js';
import { sigmoid } from './losses/probabilities.js';
import type { KeepLosses, LossResult, Reduction } from './losses/reduce.js';
import { asFloats, formatIndex, numel, type Tensor } from './tensor.js';
import { asValues, mapValues, type Values } from './values.js';

export function binaryWays(inputs: LossInputs, reduction: Reduction, perSample?: KeepLosses): Ways {
  const { logits, labels, weight, posWeight } = inputs;
  const losses: [string, LossResult][] = [['bce-logits', bceWithLogits(logits, labels, { weight, posWeight, reduction, perSample })]];
  const skipped: [string, string][] = [];
  if (weight || posWeight) {
    skipped.push(['cross-entropy-binary', 'weight and pos_weight have no two-class counterpart']);
  } else {
    const twoLogits = stackClasses(asValues(logits), () => 0, (x) => x);
    const twoTargets = stackClasses(asValues(labels), (t) => 1 - t, (t) => t);
    losses.push(['cross-entropy-binary', crossEntropy(twoLogits, twoTargets, { reduction, perSample })]);
  }
  const sigmoidWay = posWeight ? undefined : throughSigmoid(logits, labels, weight, reduction, perSample);
  if (!sigmoidWay) skipped.push([SIGMOID_PATH, 'binary_cross_entropy has no pos_weight']);
  else if ('skipped' in sigmoidWay) skipped.push([SIGMOID_PATH, sigmoidWay.skipped]);
  else losses.push([SIGMOID_PATH, sigmoidWay.result]);
  return { losses, skipped, notes: sigmoidWay && 'note' in sigmoidWay ? { [SIGMOID_PATH]: sigmoidWay.note } : {} };
}

/** The manual path on binary data: sigmoid, then binary_cross_entropy on the probabilities. */
const SIGMOID_PATH = 'binary-cross-entropy-sigmoid';

/**
 * binary_cross_entropy(sigmoid(x), t), with what to say if it disagrees: the largest logit,
 * where float64 loses what bce-logits keeps. A NaN logit has a NaN sigmoid, which
 * binary_cross_entropy refuses (in PyTorch too): the way is skipped then.
 */
function throughSigmoid(
  logits: Tensor | Values,
  labels: Tensor | Values,
  weight: Tensor | undefined,
  reduction: Reduction,
  perSample: KeepLosses | undefined,
): { result: LossResult; note: () => string } | { skipped: string } {
  let extreme = { x: 0, at: -1 };
  let nan = -1;
  const p = mapValues(asValues(logits), (x, i) => {
    if (Math.abs(x) > Math.abs(extreme.x)) extreme = { x, at: i };
    if (Number.isNaN(x) && nan < 0) nan = i;
    return sigmoid(x);
  });
  const at = (i: number) => formatIndex(i, logits.shape);
  try {
    const result = binaryCrossEntropy(p, labels, { weight, reduction, perSample });
    // above 36.7 sigmoid(x) rounds to 1, so log(1 - p) is log 0; below -100 log(sigmoid(x)) ~ x is under the clamp
    const why = (x: number) =>
      x > 0 ? 'where sigmoid(x) rounds to 1 in float64 (from x = 36.7 on), so log(1 - sigmoid(x)) is -inf' : 'where log(sigmoid(x)), about x, is below -100';
    const note = () =>
      `the logits reach ${extreme.x} (at index ${at(extreme.at)}), ${why(extreme.x)}, and binary_cross_entropy clamps each log at -100: ` +
      'the two differ there in PyTorch too; bce-logits is the exact one';
    return { result, note };
  } catch (e) {
    if (!(e instanceof InputError) || nan < 0) throw e;
    return { skipped: `the logit at index ${at(nan)} is NaN, and binary_cross_entropy refuses its sigmoid` };
  }
}

/**
 * stack([f(v), g(v)], dim=1) for v of shape (N, d1, ...): shape (N, 2, d1, ...), read from `v`
 * a block of batch rows at a time. A 0-d or 1-element unbatched v gives shape (2,).
 */
function stackClasses(v: Values, f: (x: number) => number, g: (x: number) => number): Values {
  const shape = v.shape;
  const inner = shape.length === 0 ? 1 : numel(shape.slice(1));
  const stacked = shape.length === 0 ? [2] : [shape[0], 2, ...shape.slice(1)];
  return {
    shape: stacked,
    dtype: 'float64',
    read(unit, start, end, visit) {
      // whole batch rows: one row of the stack is 2 * inner values
      const rowsPerUnit = unit / (2 * inner);
      v.read(inner * rowsPerUnit, start, end, (d, first, count) => {
        const x = asFloats(d);
        const out = new Float64Array(2 * x.length);
        for (let n = 0; n < x.length / inner; n++) {
          for (let s = 0; s < inner; s++) {
            out[2 * n * inner + s] = f(x[n * inner + s]);
            out[(2 * n + 1) * inner + s] = g(x[n * inner + s]);
          }
        }
        visit(out, first, count);
      });
    },
  };
}
