/**
 * Writing a file that losscalc makes (--save-per-sample) so that a failure never leaves half
 * of it, and nothing else is touched:
 *
 * - a new file, or an existing regular one, is written under a temporary name beside it and
 *   renamed over it at the end. The temporary name is random and created exclusively
 *   (O_CREAT | O_EXCL: never through a symbolic link planted in the directory), and it is
 *   removed on any error and on SIGINT, SIGTERM or SIGHUP, after which the signal is raised
 *   again, so that the process ends as a shell expects (status 130, 143, 129);
 * - anything else that exists (a FIFO, a device such as /dev/full, a symbolic link) is
 *   written directly (save.ts writes /dev/stdout and /dev/stderr through the process's streams): renaming would replace it instead of writing to it, and
 *   a FIFO's reader would wait forever.
 *
 * Any error is an InputError naming the file: `cannot write: no space left on device`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, lstat as lstatCallback, open, openSync, rename as renameCallback, rmSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { InputError, systemReason } from '../errors.js';

export type Chunks = Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

// promisified here rather than taken from node:fs/promises, which every run would load with this module
const openAsync = promisify(open);
const lstat = promisify(lstatCallback);
const rename = promisify(renameCallback);
const writeAsync = promisify(write);
const writeString = (fd: number, s: string) =>
  new Promise<{ bytesWritten: number }>((resolve, reject) => write(fd, s, null, 'utf8', (e, bytesWritten) => (e ? reject(e) : resolve({ bytesWritten }))));
const EMPTY = new Uint8Array(0);

function restOf(s: string, written: number): Uint8Array {
  return written === Buffer.byteLength(s) ? EMPTY : Buffer.from(s).subarray(written);
}

export async function writeFileSafely(path: string, chunks: Chunks): Promise<void> {
  try {
    const existing = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    // opening a FIFO waits for its reader: in the background
    if (existing && !existing.isFile()) await writeAll(await openAsync(path, 'w'), chunks);
    else await replace(path, chunks, existing ? existing.mode & 0o777 : 0o666);
  } catch (e) {
    if (e instanceof InputError) throw e;
    // opening a new file: ENOENT means a directory on its path is missing
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : systemReason(e);
    throw new InputError(`cannot write: ${reason}`, path);
  }
}

/** A temporary name beside `path` that no one can guess in advance. */
function temporaryName(path: string): string {
  return `${path}.tmp-${randomBytes(8).toString('hex')}`;
}

// the signals whose default action ends the process and that a terminal or a job runner sends
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

async function replace(path: string, chunks: Chunks, mode: number): Promise<void> {
  const tmp = temporaryName(path);
  const remove = () => rmSync(tmp, { force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    stopListening();
    process.kill(process.pid, signal); // no handler now: the default action ends the process
  };
  const stopListening = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    // created here, not in the background, so that a signal's handler never runs while the
    // file is still being made (and would miss it)
    await writeAll(openSync(tmp, 'wx', mode), chunks);
    await rename(tmp, path);
  } catch (e) {
    remove();
    throw e;
  } finally {
    stopListening();
  }
}

/** Writes every chunk to `fd`, retrying short writes, and closes it. */
async function writeAll(fd: number, chunks: Chunks): Promise<void> {
  try {
    for await (const chunk of chunks) {
      // a string goes as it is (no buffer of ours per chunk); only a short write's rest is made bytes
      let bytes = typeof chunk === 'string' ? restOf(chunk, (await writeString(fd, chunk)).bytesWritten) : chunk;
      for (let done = 0; done < bytes.length; ) done += (await writeAsync(fd, bytes, done)).bytesWritten;
      bytes = EMPTY;
    }
  } finally {
    closeSync(fd);
  }
}
