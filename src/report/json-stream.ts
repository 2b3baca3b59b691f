/**
 * JSON written as it is made: the text JSON.stringify gives for the same value, byte for
 * byte, handed out in chunks of about CHUNK characters, so that no output (30M per-sample
 * losses are about 600 MB of text) is ever held as one string. The unreduced losses go in as
 * Streamed (flat values, an array or Values read in blocks, and the shape to nest them in);
 * everything else is small and written as JSON.stringify writes it.
 */
import type { Values } from '../values.js';
import { valueBlocks } from './blocks.js';
import { writeChunks, type Sink } from './output.js';

/** Characters per chunk handed to the sink. */
export const CHUNK = 1 << 16;

/** Flat row-major values, written nested in `shape` (a bare number for shape ()). */
export class Streamed {
  constructor(
    readonly values: ArrayLike<number> | Values,
    readonly shape: readonly number[],
  ) {}

  /** What JSON.stringify makes of it, for whoever stringifies a report whole (small ones). */
  toJSON(): unknown {
    return JSON.parse([...jsonChunks(this)].join(''));
  }
}

/** A number as JSON.stringify writes it, with the non-finite ones as the strings JSON can carry. */
function numberText(v: number): string {
  if (Number.isFinite(v)) return String(v); // as JSON.stringify: -0 is 0
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

/** Collects text and gives it out once a chunk's worth has gathered. */
class Chunker {
  text = '';
  full(): boolean {
    return this.text.length >= CHUNK;
  }
  take(): string {
    const t = this.text;
    this.text = '';
    return t;
  }
}

/** `value`'s JSON in chunks, none much longer than CHUNK (a single long string is one piece). */
export function* jsonChunks(value: unknown): Generator<string> {
  const c = new Chunker();
  yield* walk(value, c);
  if (c.text) yield c.take();
}

/** Writes `value`'s JSON and a newline to `sink`, chunk by chunk. */
export async function writeJson(sink: Sink, value: unknown): Promise<void> {
  await writeChunks(sink, jsonChunks(value));
  sink.write('\n');
}

const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function* walk(v: unknown, c: Chunker): Generator<string> {
  if (v instanceof Streamed) {
    yield* nested(v, c);
  } else if (Array.isArray(v)) {
    c.text += '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) c.text += ',';
      if (skipped(v[i])) c.text += 'null';
      else yield* walk(v[i], c);
    }
    c.text += ']';
  } else if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
    c.text += '{';
    let first = true;
    for (const [key, item] of Object.entries(v)) {
      if (skipped(item)) continue;
      c.text += `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      yield* walk(item, c);
    }
    c.text += '}';
  } else {
    c.text += JSON.stringify(v);
  }
  if (c.full()) yield c.take();
}

/** The values nested in their shape, the innermost rows written by a plain loop. */
function* nested(s: Streamed, c: Chunker): Generator<string> {
  const { shape } = s;
  const blocks = valueBlocks(s.values);
  let block: ArrayLike<number> = [];
  let k = 0;
  const next = (): number => {
    if (k === block.length) [block, k] = [blocks.next().value![0], 0];
    return block[k++];
  };
  if (shape.length === 0) {
    c.text += numberText(next());
    return;
  }
  const last = shape.length - 1;
  function* dim(d: number): Generator<string> {
    c.text += '[';
    for (let i = 0; i < shape[d]; i++) {
      if (i > 0) c.text += ',';
      if (d < last) {
        yield* dim(d + 1);
        continue;
      }
      c.text += numberText(next());
      if (c.full()) yield c.take();
    }
    c.text += ']';
  }
  yield* dim(0);
}
