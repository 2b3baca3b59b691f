/**
 * Standard output and standard error at the process's edge, written so that no failure goes
 * unseen: the first write error is kept, nothing is written after it, and `settled()` says,
 * once everything has gone out, whether it all did (cli.ts turns that into the exit code).
 *
 * A file or a device (`> r.json`, `> /dev/full`) is written by a loop of write(2) calls on the
 * descriptor: Node's stream for files ignores a short write, so a nearly full disk would cut
 * the output short without an error. A pipe or a terminal goes through Node's stream, which
 * writes all of it, and whose errors arrive later, in callbacks.
 */
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

export interface Sink {
  /** May return a promise: the sink asks the writer to wait for it before writing more (a full pipe). */
  write(s: string | Uint8Array): unknown;
}

/** Writes chunks one after another, waiting whenever the sink asks to, so that a slow reader never has them all queued. */
export async function writeChunks(sink: Sink, chunks: Iterable<string | Uint8Array>): Promise<void> {
  for (const chunk of chunks) {
    const wait = sink.write(chunk);
    if (wait instanceof Promise) await wait;
  }
}

export interface Output extends Sink {
  /** Resolves once everything written has been handed to the system: undefined, or the first error. */
  settled(): Promise<Error | undefined>;
}

/** The output for descriptor 1 or 2; `stream` (process.stdout or stderr) is only made for a pipe or a terminal. */
export function processOutput(fd: number, stream: () => NodeJS.WritableStream): Output {
  return writtenByDescriptor(fd) ? descriptorOutput(fd) : streamOutput(stream());
}

function writtenByDescriptor(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return !(st.isFIFO() || st.isSocket() || isatty(fd));
  } catch {
    return false;
  }
}

/** Synchronous writes to a file or device, each retried until every byte is written or one fails. */
export function descriptorOutput(fd: number): Output {
  let error: Error | undefined;
  return {
    write(s) {
      if (error) return;
      try {
        // a string goes as it is (Node encodes it without a buffer of ours, which would be
        // garbage outside the heap for every chunk); only a short write's rest is made bytes
        let bytes: Uint8Array = typeof s === 'string' ? rest(s, writeSync(fd, s)) : s;
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
        bytes = EMPTY;
      } catch (e) {
        error = e as Error;
      }
    },
    settled: async () => error,
  };
}

const EMPTY = new Uint8Array(0);

/** The bytes of `s` after its first `written`. */
function rest(s: string, written: number): Uint8Array {
  return written === Buffer.byteLength(s) ? EMPTY : Buffer.from(s).subarray(written);
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      stream.off('drain', go);
      stream.off('error', go);
      resolve();
    };
    stream.on('drain', go);
    stream.on('error', go);
  });
}

/** Writes through a Node stream; settles when the callback of the last write has come. */
export function streamOutput(stream: NodeJS.WritableStream): Output {
  let error: Error | undefined;
  let pending = 0;
  const waiting: (() => void)[] = [];
  const wake = () => {
    if (pending === 0 || error) for (const resolve of waiting.splice(0)) resolve();
  };
  // without a listener an error event would end the process with a stack trace
  stream.on('error', (e: Error) => {
    error ??= e;
    wake();
  });
  return {
    write(s) {
      if (error) return;
      pending++;
      const ready = stream.write(s, (e?: Error | null) => {
        pending--;
        if (e) error ??= e;
        wake();
      });
      // the stream's buffer is full: the writer waits until it drains (or fails)
      if (!ready && !error) return drained(stream);
    },
    settled() {
      return new Promise((resolve) => {
        waiting.push(() => resolve(error));
        wake();
      });
    },
  };
}
