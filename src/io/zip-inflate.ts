/**
 * A deflated zip entry (np.savez_compressed) read as it is inflated, a few KiB of compressed
 * data at a time, so that an entry that inflates to gigabytes is never held: the reader asks
 * for bytes at increasing positions and gets them as they come out of the inflater (fflate's
 * synchronous streaming Inflate), those before the position asked for discarded. A position
 * behind the last one read starts again from the entry's first byte. Every byte inflated
 * passes through the CRC-32, and once the last one has (before it is handed out) the CRC and
 * the inflated size are checked against the directory's.
 */
import { Inflate } from 'fflate';
import { crc32 } from 'node:zlib';
import { InputError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { checkCrc, corrupt, type ZipEntry } from './zip.js';

/**
 * Compressed bytes pushed at a time: deflate expands at most 1032:1, so a push inflates to at
 * most 4 MiB, and what it gives is read before the next push.
 */
const PUSH = 4 << 10;

export class InflatedEntry {
  private inflater!: Inflate;
  /** Inflated bytes not yet read past; the first starts at `position`. */
  private pending: Uint8Array[] = [];
  private position = 0;
  /** Compressed bytes pushed, inflated bytes produced, and their CRC-32 so far. */
  private pushed = 0;
  private produced = 0;
  private crc = 0;
  private ended = false;

  /** `entry`, whose compressed data starts at byte `start` of the archive; errors name `source`. */
  constructor(
    private readonly entry: ZipEntry,
    private readonly start: number,
    private readonly source: string,
  ) {
    this.restart();
  }

  /** Fills `into` with the inflated bytes from `at`, reading compressed ones from `archive`. */
  read(archive: ByteSource, into: Uint8Array, at: number): void {
    if (at + into.length > this.entry.size) {
      throw new InputError(`entry ${this.name}: a read of ${into.length} bytes at byte ${at} runs past its ${this.entry.size} bytes`, this.source);
    }
    if (at < this.position) this.restart();
    let filled = 0;
    while (filled < into.length) {
      const chunk = this.pending[0];
      if (chunk === undefined) {
        this.inflateMore(archive);
        continue;
      }
      const skip = at + filled - this.position; // bytes before the ones asked for: discarded
      const n = Math.max(0, Math.min(chunk.length - skip, into.length - filled));
      if (n > 0) into.set(chunk.subarray(skip, skip + n), filled);
      filled += n;
      const used = Math.min(chunk.length, skip + n);
      this.position += used;
      if (used === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(used);
    }
    // the entry's last bytes are handed out only once all of it has been checked
    if (at + into.length === this.entry.size) while (!this.ended) this.inflateMore(archive);
  }

  private get name(): string {
    return JSON.stringify(this.entry.name);
  }

  private restart(): void {
    this.inflater = new Inflate((chunk) => this.take(chunk));
    this.pending = [];
    this.position = this.pushed = this.produced = this.crc = 0;
    this.ended = false;
  }

  private take(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.produced += chunk.length;
    if (this.produced > this.entry.size) throw new InputError(`entry ${this.name} inflates to more than the ${this.entry.size} bytes it claims`, this.source);
    this.crc = crc32(chunk, this.crc);
    this.pending.push(chunk);
  }

  /** Pushes the next compressed bytes; after the last, checks the size and the CRC-32. */
  private inflateMore(archive: ByteSource): void {
    const { compressedSize, size } = this.entry;
    if (this.ended) throw new InputError(`entry ${this.name} inflates to ${this.produced} bytes, not the ${size} it claims`, this.source);
    const chunk = new Uint8Array(Math.min(PUSH, compressedSize - this.pushed));
    archive.read(chunk, this.start + this.pushed);
    this.pushed += chunk.length;
    const last = this.pushed === compressedSize;
    try {
      this.inflater.push(chunk, last);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw corrupt(`${e instanceof Error ? e.message : String(e)} in the deflate data of entry ${this.name}`, this.source);
    }
    if (!last) return;
    this.ended = true;
    if (this.produced !== size) throw new InputError(`entry ${this.name} inflates to ${this.produced} bytes, not the ${size} it claims`, this.source);
    checkCrc(this.entry, this.crc, this.source);
  }
}
