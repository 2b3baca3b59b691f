/**
 * Where a stream's bytes are kept as they arrive: in memory up to `spooling.memoryBytes`, then
 * in a temporary file in os.tmpdir() (TMPDIR), so that an input of any size costs disk, not
 * memory, and can be read again at offsets. The file is unlinked as soon as it is open and
 * named by its descriptor (`/proc/self/fd/N`), which every thread of the process can open
 * for a reading position of its own; it goes when the process ends, however it ends. Where
 * there is no /proc, the file keeps its name until the process exits. Errors reading it name
 * the stream it holds (errors.ts nameFileAs), never the temporary path.
 */
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, nameFileAs, systemReason } from '../errors.js';

/**
 * Bytes kept in memory before a stream goes to a temporary file. LOSSCALC_SPOOL_BYTES
 * overrides it (the tests send small inputs through the file).
 */
export const spooling = { memoryBytes: Number(process.env.LOSSCALC_SPOOL_BYTES) || 16 << 20 };

export class Spool {
  private chunks: Buffer[] = [];
  private size = 0;
  private file?: { fd: number; path: string; dir: string; named?: string };

  /** `source` names the stream in errors. */
  constructor(private readonly source: string) {}

  /** Keeps `bytes`, which may be reused once this returns. */
  write(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.file === undefined) {
      this.chunks.push(Buffer.from(bytes)); // a copy: `bytes` may be a buffer read into again
      if (this.size <= spooling.memoryBytes) return;
      this.file = this.open();
      const held = this.chunks;
      this.chunks = [];
      for (const chunk of held) this.put(chunk);
      return;
    }
    this.put(bytes);
  }

  /** The bytes in memory, or the path of the file holding them. */
  done(): { bytes?: Uint8Array; path?: string; size: number } {
    if (this.file === undefined) return { bytes: Buffer.concat(this.chunks, this.size), size: this.size };
    nameFileAs(this.file.path, this.source);
    return { path: this.file.path, size: this.size };
  }

  /** After an error: the file is closed (and removed, if it still has a name). */
  discard(): void {
    this.chunks = [];
    if (this.file === undefined) return;
    closeSync(this.file.fd);
    if (this.file.named !== undefined) removeAtExit.delete(this.file.named);
    if (this.file.named !== undefined) unlinkSync(this.file.named);
    this.file = undefined;
  }

  private open(): { fd: number; path: string; dir: string; named?: string } {
    const dir = tmpdir();
    const name = join(dir, `losscalc-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    let fd: number;
    try {
      fd = openSync(name, 'wx+', 0o600);
    } catch (e) {
      throw this.failure(e, dir);
    }
    const byDescriptor = `/proc/self/fd/${fd}`;
    if (existsSync(byDescriptor)) {
      unlinkSync(name);
      return { fd, path: byDescriptor, dir };
    }
    removeAtExit.add(name);
    return { fd, path: name, dir, named: name };
  }

  private put(bytes: Uint8Array): void {
    const file = this.file!;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(file.fd, bytes, done, bytes.length - done);
    } catch (e) {
      const error = this.failure(e, file.dir);
      this.discard();
      throw error;
    }
  }

  /** A temporary file that cannot be made or written: which stream, which folder, what to do. */
  private failure(e: unknown, dir: string): InputError {
    return new InputError(`${systemReason(e)} in ${dir}, where it is copied to be read: set TMPDIR to a folder with room for it`, this.source);
  }
}

/** Temporary files that have a name (no /proc): removed when the process exits. */
const removeAtExit = new Set<string>();
process.on('exit', () => {
  for (const name of removeAtExit) {
    try {
      unlinkSync(name);
    } catch {
      // gone already
    }
  }
});
