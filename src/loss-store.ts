/**
 * The unreduced losses of a run, when an output needs them (reduction none, --save-per-sample,
 * the breakdown, check under reduction none): up to MEMORY_LOSSES values in memory, beyond
 * that in a temporary file that is unlinked as soon as it is opened, so nothing is left behind
 * after a crash or a signal. Written in position order by the Reducer through one buffer, read
 * back in blocks through another, any number of times, as PerSample (float64 Values in the
 * loss's shape). The threads of a parallel run write the losses of each row range they compute
 * at its place in one file (positional writes), read back as one PerSample.
 */
import { randomBytes } from 'node:crypto';
import { openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, systemReason } from './errors.js';
import { streaming } from './io/npy-file.js';
import { inMemoryLosses, type LossSink, type PerSample } from './losses/reduce.js';
import { asFloats, numel } from './tensor.js';
import type { Values } from './values.js';

/** Losses kept in memory (8 MiB); more go to a temporary file. */
export const MEMORY_LOSSES = 1 << 20;

/** Values written to the file at a time. */
const WRITE_VALUES = 1 << 16;

/** A part of the losses: an array, `values` float64 in a file (from value `from` on, else its start), or losses of a part (merge). */
export type Segment = { data: Float64Array } | { fd: number; values: number; from?: number } | { losses: Values };

/**
 * A sink for the Reducer: in memory up to `bound` values, else into a new temporary file, or
 * into the file `fd` (opened by the thread that will read it: parallel.ts) at the place of
 * batch row `row` (the losses of rows [row, ...) of a larger run).
 */
export function lossStore(opts: { bound?: number; fd?: number; row?: number } = {}): (shape: number[]) => LossSink {
  return (shape) => {
    const size = numel(shape);
    if (opts.fd === undefined && size <= (opts.bound ?? MEMORY_LOSSES)) {
      const data = new Float64Array(size);
      const losses = inMemoryLosses(data, shape);
      return { put: (pos, loss) => (data[pos] = loss), finish: () => losses };
    }
    return fileSink(opts.fd ?? temporaryFile(), shape, (opts.row ?? 0) * numel(shape.slice(1)));
  };
}

/** A new file in the temporary folder, already unlinked: only this process's descriptor reaches it. */
export function temporaryFile(): number {
  const path = join(tmpdir(), `losscalc-${process.pid}-${randomBytes(6).toString('hex')}.f64`);
  let fd: number;
  try {
    fd = openSync(path, 'wx+', 0o600);
  } catch (e) {
    throw storeError('cannot create', e);
  }
  unlinkSync(path);
  return fd;
}

function storeError(what: string, e: unknown): InputError {
  return new InputError(`${what} a temporary file for the per-sample losses: ${systemReason(e)} (TMPDIR names another folder)`, tmpdir());
}

/** The losses of `shape` into `fd`, from value `from` of the file on. */
function fileSink(fd: number, shape: number[], from: number): LossSink {
  const size = numel(shape);
  const buffer = new Float64Array(Math.min(WRITE_VALUES, Math.max(1, size)));
  const bytes = new Uint8Array(buffer.buffer);
  let held = 0;
  let written = 0;
  let done: PerSample | undefined;
  const flush = () => {
    writeAll(fd, bytes.subarray(0, held * 8), (from + written) * 8);
    written += held;
    held = 0;
  };
  const push = (v: number) => {
    buffer[held++] = v;
    if (held === buffer.length) flush();
  };
  return {
    put(pos, loss) {
      while (written + held < pos) push(0);
      push(loss);
    },
    finish() {
      if (done) return done;
      while (written + held < size) push(0);
      if (held > 0) flush();
      done = storedLosses([{ fd, values: size, from }], shape);
      return done;
    },
  };
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  try {
    for (let n = 0; n < bytes.length; ) n += writeSync(fd, bytes, n, bytes.length - n, position + n);
  } catch (e) {
    throw storeError('cannot write', e);
  }
}

function readAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let n = 0; n < bytes.length; ) {
    const got = readSync(fd, bytes, n, bytes.length - n, position + n);
    if (got === 0) throw new Error('a temporary file of per-sample losses ended early');
    n += got;
  }
}

const valuesOf = (s: Segment) => ('data' in s ? s.data.length : 'fd' in s ? s.values : numel(s.losses.shape));

/** The segments of losses made here: joined again, they are read directly, not through each other. */
const madeOf = new WeakMap<Values, Segment[]>();

/** The segments one after another, as the losses of `shape`. */
export function storedLosses(parts: Segment[], shape: number[]): PerSample {
  const segments = parts.flatMap((s) => ('losses' in s && madeOf.get(s.losses)) || [s]);
  if (segments.length === 1 && 'data' in segments[0]) return inMemoryLosses(segments[0].data, shape);
  const length = segments.reduce((n, s) => n + valuesOf(s), 0);
  // values [from, from + out.length) into `out`, from whichever segments hold them
  const fill = (out: Float64Array, from: number) => {
    let base = 0;
    for (const s of segments) {
      const n = valuesOf(s);
      const lo = Math.max(from, base);
      const hi = Math.min(from + out.length, base + n);
      if (lo < hi) {
        const target = out.subarray(lo - from, hi - from);
        if ('data' in s) target.set(s.data.subarray(lo - base, hi - base));
        else if ('losses' in s) s.losses.read(1, lo - base, hi - base, (d, f) => target.set(asFloats(d), f + base - lo));
        else readAll(s.fd, new Uint8Array(target.buffer, target.byteOffset, target.byteLength), ((s.from ?? 0) + lo - base) * 8);
      }
      base += n;
    }
  };
  // one buffer for every pass, as io/npy-file.ts keeps one: outputs read a block at a time
  let spare: Float64Array | undefined;
  const losses: PerSample = {
    shape,
    dtype: 'float64',
    length,
    read(unit, start, end, visit) {
      if (end <= start) return;
      const per = Math.max(1, Math.floor(streaming.blockBytes / 8 / unit));
      const size = Math.min(per, end - start) * unit;
      const buffer = spare && spare.length >= size ? spare : new Float64Array(size);
      spare = undefined; // a read within visit gets a buffer of its own
      for (let first = start; first < end; first += per) {
        const count = Math.min(per, end - first);
        const out = buffer.subarray(0, count * unit);
        fill(out, first * unit);
        visit(out, first, count);
      }
      spare = buffer;
    },
    toArray() {
      if (length > MEMORY_LOSSES) throw new Error(`${length} per-sample losses are read in blocks, never as one array`);
      const all = new Float64Array(length);
      fill(all, 0);
      return all;
    },
  };
  madeOf.set(losses, segments);
  return losses;
}
