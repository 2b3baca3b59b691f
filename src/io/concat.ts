/**
 * Shards: tensors of one batch split across files, joined along dim 0 in the order given,
 * as torch.cat(parts, 0). Every dim after the first must agree. Parts of one dtype keep it
 * (and its storage); parts of different dtypes join as float64, which all arithmetic uses
 * anyway (int64 beyond 2^53 rounds, as in `toFloat64`). `concatBatch` copies the parts into
 * one tensor; `joinBatch` reads each part's blocks in turn, so that shards of any total size
 * need memory for a block.
 */
import { InputError } from '../errors.js';
import { formatShape, numel, toFloat64, type DType, type Storage, type Tensor } from '../tensor.js';
import { asValues, type Values } from '../values.js';
import { ELEMENT } from './binary.js';
import { streaming } from './array-file.js';

export interface Part<T extends Tensor | Values = Tensor> {
  tensor: T;
  /** The file the tensor came from, named in errors. */
  source: string;
}

export function concatBatch(parts: readonly Part[]): Tensor {
  const shape = joinedShape(parts);
  const [first] = parts;
  if (parts.length === 1) return first.tensor;
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

/** The shape of the parts joined along dim 0, once each part's shape is checked against the first's. */
function joinedShape(parts: readonly Part<Tensor | Values>[]): number[] {
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
  return [rows, ...first.tensor.shape.slice(1)];
}

/**
 * The parts joined along dim 0 as Values that read each part's blocks in turn (a single part
 * as it is). A unit that divides a row never spans two parts, and each part's blocks are
 * handed on; a larger unit may, and is assembled in a buffer of one block.
 */
export function joinBatch(parts: readonly Part<Tensor | Values>[]): Tensor | Values {
  const shape = joinedShape(parts);
  if (parts.length === 1) return parts[0].tensor;
  const dtype: DType = parts.every((p) => p.tensor.dtype === parts[0].tensor.dtype) ? parts[0].tensor.dtype : 'float64';
  const row = numel(shape.slice(1));
  const starts: number[] = []; // each part's first value
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    at += numel(p.tensor.shape);
  }
  const values = parts.map((p) => asValues(p.tensor));
  const convert = (d: Storage): Storage => (dtype === 'float64' && !(d instanceof Float64Array) ? toFloat64(d) : d);
  /** Values [v0, v1) of the whole, as each part's blocks of `unit` values (a unit never spans parts). */
  const each = (unit: number, v0: number, v1: number, visit: (data: Storage, firstValue: number) => void) => {
    for (let i = 0; i < parts.length; i++) {
      const [s, e] = [Math.max(v0, starts[i]), Math.min(v1, starts[i] + numel(parts[i].tensor.shape))];
      if (s >= e) continue;
      values[i].read(unit, (s - starts[i]) / unit, (e - starts[i]) / unit, (d, first) => visit(convert(d), starts[i] + first * unit));
    }
  };
  const written = parts.some((p) => p.tensor.written) ? writtenOf(parts, starts) : undefined;
  return {
    shape,
    dtype,
    written,
    read(unit, start, end, visit) {
      if (end <= start) return;
      if (unit === 0) {
        // units of no values (no classes): one empty block, as every reader gives them
        const View = ELEMENT[dtype].view ?? (dtype === 'bool' ? Uint8Array : Float32Array);
        visit(new View(new ArrayBuffer(0), 0, 0), start, end - start);
        return;
      }
      if (row % unit === 0) {
        // part boundaries are whole rows, so whole units: each part's blocks go on as they are
        each(unit, start * unit, end * unit, (d, firstValue) => visit(d, firstValue / unit, d.length / unit));
        return;
      }
      // units of several rows: gather whole units into one block's buffer
      const per = Math.max(1, Math.floor(streaming.blockBytes / (unit * 8)));
      let block: Storage | undefined;
      let filled = 0; // values in the block
      let first = start;
      const flush = () => {
        visit(block!.subarray(0, filled) as Storage, first, filled / unit);
        first += filled / unit;
        filled = 0;
      };
      each(gcd(unit, row), start * unit, end * unit, (d) => {
        block ??= new (d.constructor as new (length: number) => Storage)(Math.min(per, end - start) * unit);
        for (let taken = 0; taken < d.length; ) {
          const n = Math.min(d.length - taken, block.length - filled);
          (block as Float64Array).set(d.subarray(taken, taken + n) as Float64Array, filled);
          [taken, filled] = [taken + n, filled + n];
          if (filled === block.length) flush();
        }
      });
      if (filled > 0) flush();
    },
  };
}

/** Tensor.written of the whole: the part's, at its own index. */
function writtenOf(parts: readonly Part<Tensor | Values>[], starts: number[]): (index: number) => string | undefined {
  return (index) => {
    let i = starts.length - 1;
    while (i > 0 && starts[i] > index) i--;
    return parts[i].tensor.written?.(index - starts[i]);
  };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
