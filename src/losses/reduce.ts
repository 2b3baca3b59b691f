/**
 * The one reduction helper. Every loss adds each element's loss and its weight in the
 * denominator here; PyTorch's reductions are then
 *   none: the elements as they are (ignored positions hold 0),
 *   sum:  Σ l_i,
 *   mean: Σ l_i / Σ w_i   (w_i = class weight of the target, 1 without weights; ignored
 *                          targets add neither), and NaN when Σ w_i = 0.
 * The NaN is PyTorch's: its mean divides the nll term Σ w_i·(-log p_i) by Σ w_i on its own
 * (with label smoothing, the smoothing term separately), and when the weights that
 * contributed are all 0 (or nothing contributed) that term is 0/0, whatever the smoothing
 * term adds (LossNLL.cpp, cross_entropy_loss_label_smoothing). Only class weights of both
 * signs that cancel to exactly 0 differ: there PyTorch's nll_loss gives ±inf.
 * Sums are Neumaier-compensated within fixed chunks of batch rows (rowsPerChunk), in two
 * lanes side by side (LaneSum: the chunk's even positions in one, its odd ones in the other),
 * and each chunk's lanes go into an exact sum (exact-sum.ts): the result depends on the output
 * shape alone, never on the blocks read or the threads that split the rows at chunk boundaries.
 * The unreduced losses are kept only when asked for (`perSample`): in memory, dropped, or in a
 * store of the caller's (loss-store.ts spills large ones to a temporary file).
 */
import { kernelSumLanes, SUM_LANES, type SumPiece, type Summed, type SumState } from '../kernel/index.js';
import { ExactSum } from './exact-sum.js';
import type { Values } from '../values.js';

export type Reduction = 'mean' | 'sum' | 'none';
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/**
 * Neumaier's compensated sum: the rounding error of each addition is kept in `c`. It is taken
 * as Knuth's TwoSum takes it, without a branch: for s + x rounded to t, z = t - s and
 * (s - (t - z)) + (x - z) is that error exactly, the same number as Neumaier's (s - t) + x or
 * (x - t) + s, whichever of s and x is larger (kernel/sum.ts makes the same steps).
 */
export class CompensatedSum implements SumState {
  s = 0;
  c = 0;

  add(x: number): void {
    const t = this.s + x;
    const z = t - this.s;
    this.c += this.s - (t - z) + (x - z);
    this.s = t;
  }

  /** add(1) n times: while the sum is a whole number below 2^53, each step is exact and c stays as it is. */
  addOnes(n: number): void {
    if (Number.isInteger(this.s) && this.s + n <= 2 ** 53) this.s += n;
    else for (let i = 0; i < n; i++) this.add(1);
  }

  /**
   * add(ws[k]) for k in [from, to), in order. A run of weights 0 and 1 (no class weights: an
   * ignored position weighs 0) is counted, not added: add(0) leaves s and c as they are, and
   * the ones go in by addOnes.
   */
  addEach(ws: Float64Array, from: number, to: number): void {
    let ones = 0;
    let k = from;
    for (; k < to; k++) {
      const w = ws[k];
      if (w === 1) ones++;
      else if (w !== 0) break;
    }
    this.addOnes(ones);
    for (; k < to; k++) this.add(ws[k]);
  }

  /** A sum that is not finite is the result: its compensation means nothing then (the kernel lets it run on). */
  get value(): number {
    return Number.isFinite(this.s) ? this.s + this.c : this.s;
  }

  /** Hands the state (the sum and, while it is finite, its compensation: both exact) to `exact`, and starts again from 0. */
  flushInto(exact: ExactSum): void {
    exact.add(this.s);
    if (Number.isFinite(this.s)) exact.add(this.c);
    this.s = 0;
    this.c = 0;
  }
}

/**
 * A chunk's sum of losses: SUM_LANES Neumaier sums side by side, the value of the chunk's
 * position p (counted from the chunk's start) into lane p % SUM_LANES, and at the chunk's end
 * the lanes, joined, into the exact sum. Two lanes let a kernel add two values at once, with no chain
 * of additions from one to the next (kernel/sum.ts); the scalar path adds as it does, so the
 * sums are the same whichever adds them.
 */
export class LaneSum {
  readonly lanes: readonly CompensatedSum[] = Array.from({ length: SUM_LANES }, () => new CompensatedSum());

  add(x: number, lane: number): void {
    this.lanes[lane].add(x);
  }

  /** add(xs[i], (lane + i) % SUM_LANES) for each i, in order (by the kernel when it runs): a SumPiece of xs. */
  addAll(xs: Float64Array, lane: number): Summed {
    const found = kernelSumLanes(this.lanes, lane, xs);
    if (found) return found;
    const own = { count: 0, first: -1, firstValue: 0 };
    for (let i = 0; i < xs.length; i++) {
      this.add(xs[i], (lane + i) % SUM_LANES);
      if (xs[i] - xs[i] !== 0 && own.count++ === 0) [own.first, own.firstValue] = [i, xs[i]];
    }
    return own;
  }

  /**
   * Hands the chunk's sum to `exact` as two numbers, as CompensatedSum.flushInto does: the two
   * lanes' sums added, s = s0 + s1, and (c0 + c1) + e, e the rounding error of s (TwoSum, exact),
   * rounded once more, far below s's last bit. NaN or an infinity in a lane makes s so, and s alone
   * is the result. Starts again from 0.
   */
  flushInto(exact: ExactSum): void {
    const [a, b] = this.lanes;
    const s = a.s + b.s;
    exact.add(s);
    if (Number.isFinite(s)) {
      const z = s - a.s;
      exact.add(a.c + b.c + (a.s - (s - z) + (b.s - z)));
    }
    for (const sum of this.lanes) {
      sum.s = 0;
      sum.c = 0;
    }
  }
}

/** The unreduced losses, float64 in the loss's shape: read in blocks, as often as needed. */
export interface PerSample extends Values {
  readonly length: number;
  /**
   * All of them as one array, for results kept in memory (kernels called directly, the
   * library); throws for losses spilled to a file, which are read in blocks only.
   */
  toArray(): Float64Array;
}

/** Where a Reducer puts the unreduced losses: positions come in increasing order, those skipped are 0. */
export interface LossSink {
  put(pos: number, loss: number): void;
  /** Every position written (the rest 0): the losses, to read. */
  finish(): PerSample;
}

/**
 * What a kernel does with the unreduced losses: 'keep' them in memory (the default), 'drop'
 * them (mean and sum need only the sums), or put them in a sink made for the output shape.
 */
export type KeepLosses = 'keep' | 'drop' | ((shape: number[]) => LossSink);

export interface LossResult {
  reduction: Reduction;
  /** mean or sum: the reduced loss; none: the unreduced losses (the same as perSample). */
  loss: number | PerSample;
  /** Unreduced losses, row-major in `shape`; 0 where a target was ignored. Absent when dropped. */
  perSample?: PerSample;
  /** PyTorch's output shape for reduction='none'. */
  shape: number[];
  /** Numerator and denominator of the mean: results computed apart combine as Σsum / ΣweightSum. */
  sum: number;
  weightSum: number;
  /** How many elements contributed (ignored targets do not). */
  count: number;
  /**
   * sum and weightSum before rounding (ExactSum.state()): parts computed apart on rows split at
   * chunk boundaries (threads) join to one run's result to the last bit.
   */
  exact?: { sum: number[]; weightSum: number[] };
  /** The NaN and ±inf losses: how many, and the first (flat index into `shape`, value). */
  nonFinite?: NonFiniteLosses;
}

export interface NonFiniteLosses {
  count: number;
  first: number;
  firstValue: number;
}

/** PyTorch's mean or sum, given the sum of the losses and the mean's denominator. */
export function reduced(reduction: Exclude<Reduction, 'none'>, sum: number, weightSum: number): number {
  return reduction === 'sum' ? sum : weightSum === 0 ? NaN : sum / weightSum;
}

/**
 * Positions summed per chunk, about: a chunk is whole batch rows. Each chunk costs a round of
 * JavaScript (its lanes into the exact sums, a kernel call): at 4096, bce's 20M positions took
 * 5,000 of them, about 8 ms, and hot enough for V8 to optimize them on the side (50 ms of a
 * core, which a second thread then lacks). A chunk's Neumaier sum S of n terms is off by at
 * most about 2^-53·|S| + n·2^-106·Σ|x_i|: a last bit unless terms of both signs cancel to far
 * less than their sizes (README, Sums), where 4096 was no safer by principle, only 16 times
 * smaller in the second term. LOSSCALC_CHUNK_POSITIONS sets another size (the tests split small
 * inputs into many chunks so); a result's last bits may depend on it, never on the thread count.
 */
export const CHUNK_POSITIONS = chunkPositions(process.env.LOSSCALC_CHUNK_POSITIONS);

function chunkPositions(setting: string | undefined): number {
  const n = Number(setting);
  return Number.isInteger(n) && n >= 1 && n <= 1 << 24 ? n : 65536;
}

/** Input values per chunk at most, so that rows of many classes still split among threads. */
const CHUNK_VALUES = 1 << 20;

/**
 * Batch rows per chunk of the sums for a loss of shape `outShape` over an input of
 * `inputRowValues` values a batch row: fixed by the shapes alone (never by blocks or threads),
 * so that threads splitting rows at multiples of it sum exactly as one run does.
 */
export function rowsPerChunk(outShape: readonly number[], inputRowValues = positionsPerRow(outShape)): number {
  const byPositions = Math.floor(CHUNK_POSITIONS / positionsPerRow(outShape));
  return Math.max(1, Math.min(byPositions, Math.floor(CHUNK_VALUES / Math.max(1, inputRowValues))));
}

function positionsPerRow(outShape: readonly number[]): number {
  return Math.max(1, outShape.slice(1).reduce((n, d) => n * d, 1));
}

/** The losses in memory, as a sink. */
export function memoryLosses(shape: number[]): LossSink {
  const data = new Float64Array(shape.reduce((n, d) => n * d, 1));
  const losses = inMemoryLosses(data, shape);
  return { put: (pos, loss) => (data[pos] = loss), finish: () => losses };
}

/** An array of losses in `shape`, as PerSample. */
export function inMemoryLosses(data: Float64Array, shape: number[]): PerSample {
  return {
    shape,
    dtype: 'float64',
    length: data.length,
    read(unit, start, end, visit) {
      if (end > start) visit(data.subarray(start * unit, end * unit), start, end - start);
    },
    toArray: () => data,
  };
}

export class Reducer {
  private readonly losses?: LossSink;
  private readonly sum = new LaneSum();
  private readonly weightSum = new CompensatedSum();
  private readonly exactSum = new ExactSum();
  private readonly exactWeightSum = new ExactSum();
  private readonly chunk: number;
  private chunkEnd: number;
  private count = 0;
  private readonly nonFinite: NonFiniteLosses = { count: 0, first: -1, firstValue: 0 };

  /** `inputRowValues`: the input's values per batch row (rowsPerChunk). */
  constructor(
    readonly shape: number[],
    perSample: KeepLosses = 'keep',
    inputRowValues?: number,
  ) {
    this.losses = perSample === 'drop' ? undefined : perSample === 'keep' ? memoryLosses(shape) : perSample(shape);
    this.chunk = rowsPerChunk(shape, inputRowValues) * positionsPerRow(shape);
    this.chunkEnd = this.chunk;
  }

  /** Element `pos` contributes `loss`, counting `weight` in the mean's denominator. */
  add(pos: number, loss: number, weight = 1): void {
    if (pos >= this.chunkEnd) this.nextChunk(pos);
    this.losses?.put(pos, loss);
    if (loss - loss !== 0 && this.nonFinite.count++ === 0) [this.nonFinite.first, this.nonFinite.firstValue] = [pos, loss];
    this.sum.add(loss, this.lane(pos));
    this.weightSum.add(weight);
    this.count++;
  }

  /**
   * add(first + i, losses[i], weights[i]) for every i (weight 1 without `weights`), of which
   * `contributing` count (default all): the same sums, counts and kept losses, a chunk's worth
   * of additions at a time (LaneSum.addAll). A position that does not contribute (an ignored
   * target) has loss 0 and weight 0, which leave a compensated sum as it is, as add() never
   * called for it does. `unitWeights`: every weight is 1 or 0 (no class weights), so a chunk
   * that holds the whole piece adds its `contributing` ones at once (CompensatedSum.addOnes).
   */
  addLosses(first: number, losses: Float64Array, weights?: Float64Array, contributing = losses.length, unitWeights = false): void {
    this.addSummed(
      first,
      losses.length,
      (i, count, _lanes, lane) => {
        const part = losses.subarray(i, i + count);
        return { ...this.sum.addAll(part, lane), values: part };
      },
      weights,
      contributing,
      unitWeights,
    );
  }

  /**
   * As addLosses, for losses [first, first + n) that `piece` computes and adds into the sums
   * itself (a kernel that sums as it goes): called for each part within one chunk, it is handed
   * the chunk's lanes, and asked for the losses only when they are kept.
   */
  addSummed(first: number, n: number, piece: SumPiece, weights?: Float64Array, contributing = n, unitWeights = false): void {
    for (let i = 0; i < n; ) {
      const pos = first + i;
      if (pos >= this.chunkEnd) this.nextChunk(pos);
      const count = Math.min(n - i, this.chunkEnd - pos);
      const part = piece(i, count, this.sum.lanes, this.lane(pos), this.losses !== undefined);
      if (this.losses) for (let k = 0; k < count; k++) this.losses.put(pos + k, part.values![k]);
      if (part.count > 0 && this.nonFinite.count === 0) [this.nonFinite.first, this.nonFinite.firstValue] = [pos + part.first, part.firstValue];
      this.nonFinite.count += part.count;
      if (weights && unitWeights && count === n) this.weightSum.addOnes(contributing);
      else if (weights) this.weightSum.addEach(weights, i, i + count);
      else this.weightSum.addOnes(count);
      i += count;
    }
    this.count += contributing;
  }

  /** The lane of position `pos` in its chunk's sum (LaneSum). */
  private lane(pos: number): number {
    return (pos - (this.chunkEnd - this.chunk)) % SUM_LANES;
  }

  /** The chunk's sums go into the exact ones; `pos` starts the next chunk with anything in it. */
  private nextChunk(pos: number): void {
    this.flush();
    this.chunkEnd = (Math.floor(pos / this.chunk) + 1) * this.chunk;
  }

  private flush(): void {
    this.sum.flushInto(this.exactSum);
    this.weightSum.flushInto(this.exactWeightSum);
  }

  finish(reduction: Reduction): LossResult {
    this.flush();
    const sum = this.exactSum.value;
    const weightSum = this.exactWeightSum.value;
    const perSample = this.losses?.finish();
    if (reduction === 'none' && !perSample) throw new Error('reduction none needs the unreduced losses: they were dropped');
    const loss = reduction === 'none' ? perSample! : reduced(reduction, sum, weightSum);
    const exact = { sum: this.exactSum.state(), weightSum: this.exactWeightSum.state() };
    return { reduction, loss, ...(perSample && { perSample }), shape: this.shape, sum, weightSum, count: this.count, exact, nonFinite: { ...this.nonFinite } };
  }
}
