/**
 * Values that hand a tensor out as a file reader does: in blocks of at most `units` units
 * through one reused buffer (overwritten by the next block, so a block kept past its visit
 * shows up as wrong numbers), recording the largest block handed out.
 */
import type { Storage, Tensor } from '../src/tensor.js';
import type { Values } from '../src/values.js';

export interface Blocked extends Values {
  /** The most values handed to one visit, and the number of visits. */
  readonly largest: number;
  readonly visits: number;
}

export function inBlocks(t: Tensor, units: number): Blocked {
  const Kind = t.data.constructor as new (n: number) => Storage;
  let largest = 0;
  let visits = 0;
  return {
    shape: t.shape,
    dtype: t.dtype,
    get largest() {
      return largest;
    },
    get visits() {
      return visits;
    },
    read(unit, start, end, visit) {
      const buffer = new Kind(units * unit) as Storage & { set(a: Storage): void };
      for (let first = start; first < end; first += units) {
        const count = Math.min(units, end - first);
        const block = buffer.subarray(0, count * unit) as Storage & { set(a: Storage): void };
        block.set(t.data.subarray(first * unit, (first + count) * unit) as Storage);
        largest = Math.max(largest, block.length);
        visits++;
        visit(block, first, count);
      }
    },
  };
}
