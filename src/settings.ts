/**
 * What a result's number depends on besides its mode and reduction, recorded in `--json`
 * output so that `merge` combines only results computed the same way (merge-parts.ts), and
 * never the same input twice.
 *
 * Weights are recorded by value, not by path: `--weight 1,2` and a file holding [1, 2] are
 * the same setting. Their digest is SHA-256 over the shape (as text) and the float64 values
 * (little-endian); their range bounds the mean's denominator (`weightSum`) of an honest part.
 */
import { createHash } from 'node:crypto';
import type { InputKind } from './losses/probabilities.js';
import { toFloat64, type Tensor } from './tensor.js';

/** A weight tensor, as recorded: its digest, and its smallest and largest value. */
export interface WeightRecord {
  sha256: string;
  min: number;
  max: number;
}

export interface ResultSettings {
  ignoreIndex: number;
  labelSmoothing: number;
  logSoftmax: boolean;
  /** --input: what the predictions held. */
  input: InputKind;
  weight: WeightRecord | null;
  posWeight: WeightRecord | null;
  /** The class count (the size of the logits' class dim); null for the binary losses, which have no class dim. */
  classes: number | null;
  /**
   * Which of the logits' dims holds the classes, counted from the end: -1 for (N, C), (C) and
   * (B, T, V) with --class-dim -1, -2 for (N, C, d); so an unbatched shard and a batched one
   * agree, and (B, T, V) read either way do not. Null for bce-logits.
   */
  classDim: number | null;
  /** --shift (a causal LM's loss); absent without it, so that results made before it merge as they did. */
  shift?: true;
}

/** SHA-256 (hex) of each input file's bytes, in the order given (shards). */
export interface InputDigests {
  logits: string[];
  labels: string[];
}

/** The names merge uses for each setting, PyTorch's where it has one. */
export const SETTING_NAMES: Record<keyof ResultSettings, string> = {
  ignoreIndex: 'ignore_index',
  labelSmoothing: 'label_smoothing',
  logSoftmax: 'log_softmax',
  input: 'input',
  weight: 'weight',
  posWeight: 'pos_weight',
  classes: 'classes',
  classDim: 'class dim',
  shift: 'shift',
};

export function recordSettings(
  opts: { ignoreIndex: number; labelSmoothing: number; logSoftmax: boolean; inputKind: InputKind; shift?: boolean },
  weights: { weight?: Tensor; posWeight?: Tensor },
  layout: { classes: number; dim: number; rank: number } | null,
): ResultSettings {
  return {
    ignoreIndex: opts.ignoreIndex,
    labelSmoothing: opts.labelSmoothing,
    logSoftmax: opts.logSoftmax,
    input: opts.inputKind,
    weight: weights.weight ? recordWeight(weights.weight) : null,
    posWeight: weights.posWeight ? recordWeight(weights.posWeight) : null,
    classes: layout && layout.classes,
    classDim: layout && layout.dim - layout.rank,
    ...(opts.shift && { shift: true as const }),
  };
}

export function recordWeight(t: Tensor): WeightRecord {
  const values = toFloat64(t);
  const bytes = new DataView(new ArrayBuffer(values.length * 8));
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    bytes.setFloat64(i * 8, values[i], true);
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const sha256 = createHash('sha256').update(`(${t.shape.join(',')})\n`).update(new Uint8Array(bytes.buffer)).digest('hex');
  return { sha256, min, max };
}
