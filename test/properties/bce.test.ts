/**
 * Properties of bce-with-logits: it is the two-class cross-entropy, and weights or pos_weights
 * of one change nothing.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { bceWithLogits } from '../../src/losses/bce-with-logits.js';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { numel, type Tensor } from '../../src/tensor.js';
import { bceCase, f64, posWeightShape, values } from './arbitraries.js';
import { bceTolerance, EXACT, expectClose, maxAbs } from './close.js';

const RUNS = 300;

/** stack([a, b], dim=1) for a, b of `shape` (dim 0 for a 0-d input): (N, ...) -> (N, 2, ...). */
function stack(a: Float64Array, b: Float64Array, shape: number[]): Tensor {
  const outer = shape.length === 0 ? 1 : shape[0];
  const inner = a.length / outer;
  const out = new Float64Array(2 * a.length);
  for (let n = 0; n < outer; n++) {
    out.set(a.subarray(n * inner, (n + 1) * inner), 2 * n * inner);
    out.set(b.subarray(n * inner, (n + 1) * inner), (2 * n + 1) * inner);
  }
  return f64(out, shape.length === 0 ? [2] : [shape[0], 2, ...shape.slice(1)]);
}

/** A shape that broadcasts to `shape`: a suffix of it, each dim kept or set to 1. */
function broadcastable(shape: number[]): fc.Arbitrary<number[]> {
  return fc
    .integer({ min: 0, max: shape.length })
    .chain((k) => fc.tuple(...shape.slice(shape.length - k).map((d) => fc.constantFrom(d, 1))))
    .map((s): number[] => [...s]);
}

/** `values` of shape `from` repeated out to `shape` (right-aligned; size-1 and missing dims repeat). */
function expand(values: Float64Array, from: number[], shape: number[]): Float64Array {
  const out = new Float64Array(numel(shape));
  const lead = shape.length - from.length;
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= lead; d--) {
      const k = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      const f = from[d - lead];
      src += (f === 1 ? 0 : k) * stride;
      stride *= f;
    }
    out[i] = values[src];
  }
  return out;
}

describe('bce-with-logits (properties)', () => {
  it('bce(x, t) = cross_entropy(stack([0, x], 1), stack([1 - t, t], 1))', () => {
    // softmax([0, x])_1 = σ(x); logits up to 100, where bce's cancellation costs ~u|x| absolute
    fc.assert(
      fc.property(bceCase(100), ({ shape, x, t, reduction }) => {
        const bce = bceWithLogits(f64(x, shape), f64(t, shape), { reduction });
        const ce = crossEntropy(stack(new Float64Array(x.length), x, shape), stack(t.map((v) => 1 - v), t, shape), { reduction });
        expectClose(ce.loss, bce.loss, bceTolerance(reduction, { B: maxAbs(x), count: x.length }), 'two-class cross-entropy');
      }),
      { numRuns: RUNS },
    );
  });

  it('weight and pos_weight of all ones are none given (full, last-dim and scalar shapes)', () => {
    const arb = bceCase(100).chain((b) =>
      fc.tuple(
        fc.constant(b),
        fc.constantFrom<'full' | 'last' | 'scalar'>('full', 'last', 'scalar'),
        fc.constantFrom<'weight' | 'posWeight' | 'both'>('weight', 'posWeight', 'both'),
      ),
    );
    fc.assert(
      fc.property(arb, ([{ shape, x, t, reduction }, form, which]) => {
        const wShape = form === 'full' ? shape : form === 'last' ? posWeightShape(shape) : [];
        const ones = f64(new Float64Array(numel(wShape)).fill(1), wShape);
        const pShape = posWeightShape(shape);
        const pOnes = f64(new Float64Array(numel(pShape)).fill(1), pShape);
        const opts = { reduction, weight: which === 'posWeight' ? undefined : ones, posWeight: which === 'weight' ? undefined : pOnes };
        expectClose(
          bceWithLogits(f64(x, shape), f64(t, shape), opts).loss,
          bceWithLogits(f64(x, shape), f64(t, shape), { reduction }).loss,
          bceTolerance(reduction, { B: maxAbs(x), count: x.length }),
          `${which} of ones (${form})`,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('a broadcast weight and pos_weight = the same values expanded to the logits shape', () => {
    // pos_weight broadcasts like weight (PyTorch multiplies it into log σ(x) elementwise)
    const arb = bceCase(100).chain((b) =>
      fc.tuple(fc.constant(b), broadcastable(b.shape), broadcastable(b.shape)).chain(([b, ws, ps]) =>
        fc.tuple(fc.constant(b), fc.constant(ws), values(numel(ws), 0.5, 2), fc.constant(ps), values(numel(ps), 0.5, 2)),
      ),
    );
    fc.assert(
      fc.property(arb, ([{ shape, x, t, reduction }, ws, w, ps, p]) => {
        const run = (weight: Float64Array, wShape: number[], pos: Float64Array, pShape: number[]) =>
          bceWithLogits(f64(x, shape), f64(t, shape), { reduction, weight: f64(weight, wShape), posWeight: f64(pos, pShape) }).loss;
        // the same products in the same order: only the indexing differs, so bitwise equal
        expectClose(run(w, ws, p, ps), run(expand(w, ws, shape), shape, expand(p, ps, shape), shape), EXACT, `weight ${ws}, pos_weight ${ps}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('a weight scales each element: bce(x, t, weight=w) = w · bce(x, t), reduction none', () => {
    const arb = bceCase(100).chain((b) => fc.tuple(fc.constant(b), values(b.x.length, 1e-3, 1e3)));
    fc.assert(
      fc.property(arb, ([{ shape, x, t }, w]) => {
        const plain = bceWithLogits(f64(x, shape), f64(t, shape), { reduction: 'none' }).perSample!.toArray();
        const weighted = bceWithLogits(f64(x, shape), f64(t, shape), { reduction: 'none', weight: f64(w, shape) }).perSample;
        const tol = bceTolerance('none', { B: maxAbs(x), count: x.length, wmax: maxAbs(w) });
        expectClose(weighted, plain.map((l, i) => w[i] * l), tol, 'weighted');
      }),
      { numRuns: RUNS },
    );
  });
});

