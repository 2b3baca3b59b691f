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
  write(s: string | Uint8Array): unknown;
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
      const bytes = Buffer.from(s);
      try {
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
      } catch (e) {
        error = e as Error;
      }
    },
    settled: async () => error,
  };
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
      stream.write(s, (e?: Error | null) => {
        pending--;
        if (e) error ??= e;
        wake();
      });
    },
    settled() {
      return new Promise((resolve) => {
        waiting.push(() => resolve(error));
        wake();
      });
    },
  };
}
