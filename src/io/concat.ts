/**
 * Shards: tensors of one batch split across files, joined along dim 0 in the order given,
 * as torch.cat(parts, 0). Every dim after the first must agree. Parts of one dtype keep it
 * (and its storage); parts of different dtypes join as float64, which all arithmetic uses
 * anyway (int64 beyond 2^53 rounds, as in `toFloat64`).
 */
import { InputError } from '../errors.js';
import { formatShape, toFloat64, type Storage, type Tensor } from '../tensor.js';

export interface Part {
  tensor: Tensor;
  /** The file the tensor came from, named in errors. */
  source: string;
}

export function concatBatch(parts: readonly Part[]): Tensor {
  if (parts.length === 0) throw new Error('internal: concatBatch needs at least one part');
  const [first] = parts;
  let rows = 0;
  for (const { tensor, source } of parts) {
    if (tensor.shape.length === 0) {
      throw new InputError('a scalar (shape ()) has no batch dim to concatenate along', source);
    }
    const same = tensor.shape.length === first.tensor.shape.length && tensor.shape.every((d, i) => i === 0 || d === first.tensor.shape[i]);
    if (!same) {
      throw new InputError(
        `shape ${formatShape(tensor.shape)} does not match shape ${formatShape(first.tensor.shape)} of ${first.source}: shards must agree in every dim but the first`,
        source,
      );
    }
    rows += tensor.shape[0];
  }
  if (parts.length === 1) return first.tensor;
  const shape = [rows, ...first.tensor.shape.slice(1)];
  const oneType = parts.every((p) => p.tensor.dtype === first.tensor.dtype);
  const total = parts.reduce((n, p) => n + p.tensor.data.length, 0);
  const Storage = (oneType ? first.tensor.data.constructor : Float64Array) as new (length: number) => Storage;
  const data = new Storage(total);
  let offset = 0;
  for (const { tensor } of parts) {
    (data as Float64Array).set((oneType ? tensor.data : toFloat64(tensor)) as Float64Array, offset);
    offset += tensor.data.length;
  }
  return { data, shape, dtype: oneType ? first.tensor.dtype : 'float64' };
}
