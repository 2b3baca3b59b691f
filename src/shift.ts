/**
 * --shift: a causal language model's loss, as Hugging Face's models compute `outputs.loss`:
 * the logits at position t predict the token at t + 1, so
 *   logits[..., :-1, :]  against  labels[..., 1:]
 * (`shift_logits = logits[..., :-1, :].contiguous(); shift_labels = labels[..., 1:]`, then
 * F.cross_entropy over the flattened positions, ignore_index -100). Logits (..., T, V) hold the
 * vocabulary in their last dim and labels (..., T) one token each; both become views of T - 1
 * positions, read block by block from the inputs as they are (nothing is copied whole). Threads
 * split the views' batch rows, each thread opening the files and taking the same views.
 */
import { InputError, UsageError } from './errors.js';
import { formatShape, numel, type Storage, type Tensor } from './tensor.js';
import { asValues, placeOf, type Values } from './values.js';

/** The shifted logits and labels, or a usage error naming what does not fit. */
export function causalShift(logits: Tensor | Values, labels: Tensor | Values, classDim: number | undefined, shards = 1): { logits: Values; labels: Values } {
  const [x, y] = [logits.shape, labels.shape];
  const rank = x.length;
  // shards join along dim 0: for (T, V) files that is the sequence, and the view would score a
  // position across two files' ends
  if (shards > 1 && rank === 2) {
    throw new UsageError('--shift with several (T, V) files would join their sequences into one: give them a batch dim, (1, T, V), or run each and merge the results');
  }
  if (classDim !== undefined && classDim !== -1 && classDim !== rank - 1) {
    throw new UsageError(`--shift takes the vocabulary in the logits' last dim: leave --class-dim out (or give -1), got ${classDim}`);
  }
  if (rank < 2 || y.length !== rank - 1 || y.some((d, i) => d !== x[i])) {
    throw new InputError(
      `--shift needs logits (..., T, V) and labels (..., T), one token a position; got logits ${formatShape(x)} and labels ${formatShape(y)}`,
      undefined,
      'labels',
    );
  }
  return { logits: shiftedLogits(asValues(logits)), labels: shiftedLabels(asValues(labels)) };
}

/** Hugging Face's shifted loss is F.cross_entropy on flattened (N, V) logits, which takes a 1-D weight only. */
export function checkShiftWeight(weight: Tensor | undefined, spec: string | undefined): void {
  if (weight && weight.shape.length !== 1) {
    throw new InputError(`--shift takes class weights of shape (V,), as cross_entropy on the flattened positions does; got ${formatShape(weight.shape)}`, spec, 'weight');
  }
}

/** What a shifted run of labels of `shape` (..., T) warns of. */
export function shiftWarnings(shape: readonly number[]): string[] {
  return shape.at(-1) === 1 ? ['--shift on sequences of one step: no position has a next token to predict'] : [];
}

/** (..., T, V) logits without their last step (a thread's own open of the file too, thread-claims.ts). */
export const shiftedLogits = (v: Values): Values => dropStep(v, v.shape.length - 2, 'last');

/** (..., T) labels without their first step. */
export const shiftedLabels = (v: Values): Values => dropStep(v, v.shape.length - 1, 'first');

/** Values at most this many a block of the view. */
const BLOCK_VALUES = 1 << 16;

/**
 * `v` without the first or the last step of dim `dim` (the sequence): shape (..., T - 1, ...).
 * A block of the view is one read of the input's span under it (the dropped steps between its
 * rows included, 1/T more), whose kept runs are copied out: one read a block, not one a row.
 */
export function dropStep(v: Values, dim: number, drop: 'first' | 'last'): Values {
  const T = v.shape[dim];
  const inner = numel(v.shape.slice(dim + 1));
  const shape = v.shape.map((d, i) => (i === dim ? Math.max(0, T - 1) : d));
  const rowIn = T * inner;
  const rowOut = shape[dim] * inner;
  const skip = drop === 'first' ? inner : 0;
  // the input's flat index of the view's value at flat index o
  const source = (o: number) => Math.floor(o / rowOut) * rowIn + skip + (o % rowOut);
  return {
    shape,
    dtype: v.dtype,
    written: v.written && ((o) => v.written!(source(o))),
    place: (o) => placeOf(v, source(o)),
    read(unit, start, end, visit) {
      if (end <= start || unit === 0 || rowOut === 0) return;
      const per = Math.max(1, Math.floor(BLOCK_VALUES / unit));
      let buf: Storage | undefined;
      for (let first = start; first < end; first += per) {
        const count = Math.min(per, end - first);
        const [from, to] = [first * unit, (first + count) * unit];
        // the input's values [src0, src1) hold the view's [from, to), and the steps dropped between
        const [src0, src1] = [source(from), source(to - 1) + 1];
        v.read(1, src0, src1, (d, at, c) => {
          buf ??= new (d.constructor as new (n: number) => Storage)(Math.min(per, end - start) * unit);
          const out = buf as unknown as { set(a: ArrayLike<unknown>, at: number): void };
          // each row's kept run within this piece of the input, [at, at + c)
          for (let row = Math.floor(at / rowIn); row * rowIn < at + c; row++) {
            const lo = Math.max(at, row * rowIn + skip);
            const hi = Math.min(at + c, row * rowIn + skip + rowOut);
            if (hi <= lo) continue;
            // its place in the view, and in this block
            const o = row * rowOut + (lo - row * rowIn - skip);
            const [a, b] = [Math.max(o, from), Math.min(o + (hi - lo), to)];
            if (b > a) out.set((d as unknown as { subarray(s: number, e: number): ArrayLike<unknown> }).subarray(lo - at + (a - o), lo - at + (b - o)), a - from);
          }
        });
        visit(buf!.subarray(0, count * unit) as Storage, first, count);
      }
    },
  };
}
