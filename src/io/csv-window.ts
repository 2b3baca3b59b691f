/**
 * A file read forwards through one reused buffer: buf[pos, len) are bytes read and not yet
 * consumed, buf[0] is at file offset `base`. More bytes are read after `len` once what lies
 * before `pos` is dropped (compact); the buffer grows only when one piece that must be whole
 * (a cell) fills it, up to `csvLimits.maxCellBytes`. A file that does not end in '\n' is given
 * one (at `virtualNewline`), so that every row ends in a line break.
 *
 * With `check`, every CR read is checked to be followed by '\n' (`loneCR` says one was not):
 * papaparse guesses the line break from the text, and only files whose breaks are all '\n' or
 * all "\r\n" are read as it reads them without the guess. A NUL byte is noted too (`sawNul`):
 * it is no text, and the ordinary reader refuses it (format.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { CR, NL } from './csv-cells.js';
import { giveWindow, kernelFor, takeWindow, type WindowOwner } from './csv-kernel.js';

export const csvLimits = {
  /** A cell longer than this (1 GiB) is no number: an error, not a buffer that grows on. */
  maxCellBytes: 1 << 30,
};

/** The buffer of a window whose bytes were dropped (leaveKernel), until it reads again. */
const NO_BYTES = Buffer.alloc(0);

export class ByteWindow implements WindowOwner {
  buf: Buffer;
  pos = 0;
  len = 0;
  /** The file offset of buf[0]. */
  base: number;
  virtualNewline = -1;
  eof = false;
  /** Changes whenever the bytes move or more are read. */
  generation = 0;
  /** A CR not followed by '\n' was read (with check). */
  loneCR = false;
  /** A CR was read (with check). */
  sawCR = false;
  /** A NUL byte was read (with check). */
  sawNul = false;
  private lastByte = -1;
  private pendingCR = false;
  private own: Buffer;
  private released = false;
  /** Whether the file is large enough for the kernel's byte loops (csv-kernel.ts kernelFor). */
  private readonly kernel: boolean;

  constructor(
    /** The open file; another descriptor of the same, unchanged file may take its place between reads. */
    public fd: number,
    start: number,
    private readonly chunkBytes: number,
    private readonly source: string,
    private readonly check = false,
  ) {
    this.base = start;
    this.chunkBytes = Math.max(16, chunkBytes);
    this.kernel = kernelFor(fstatSync(fd).size);
    this.buf = this.own = takeWindow(this, this.chunkBytes, this.kernel);
  }

  /** The reader is done with the window: its buffer goes back for the next read to take (once), unless it grew. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.own !== NO_BYTES) giveWindow(this, this.own, this.buf === this.own);
  }

  /**
   * Its buffer in the kernel's memory is taken for another window (csv-kernel.ts): the bytes
   * after pos are dropped, to be read again from the file when needed, into a buffer taken then.
   */
  leaveKernel(): void {
    this.generation++;
    if (this.buf !== this.own) {
      this.released = true; // it grew: its bytes are elsewhere already, and nothing goes back
      return;
    }
    if (this.pos < this.len) this.pendingCR = false; // the byte after a CR at pos - 1 was checked
    if (this.pos > 0) this.lastByte = this.buf[this.pos - 1];
    this.base += this.pos;
    this.pos = this.len = 0;
    this.virtualNewline = -1;
    this.eof = false;
    this.buf = this.own = NO_BYTES;
  }

  /** Drop the bytes before `pos`; returns how far the others moved towards buf[0]. */
  compact(): number {
    const moved = this.pos;
    if (moved === 0) return 0;
    this.generation++;
    this.buf.copy(this.buf, 0, moved, this.len);
    this.base += moved;
    this.len -= moved;
    this.pos = 0;
    if (this.virtualNewline >= 0) this.virtualNewline -= moved;
    return moved;
  }

  /**
   * Read more bytes after `len` (call compact() first to make room); false at the end of the
   * file. A full buffer grows: what it holds from `pos` on is one piece still being read.
   */
  fill(): boolean {
    if (this.eof) return false;
    this.generation++;
    if (this.buf === NO_BYTES) this.buf = this.own = takeWindow(this, this.chunkBytes, this.kernel);
    if (this.len === this.buf.length) {
      const max = csvLimits.maxCellBytes;
      if (this.len - this.pos >= max) throw tooLong(this.base + this.pos, this.source);
      const grown = Buffer.allocUnsafe(Math.min(2 * this.buf.length, max + 1));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    const from = this.len;
    const n = readSync(this.fd, this.buf, from, this.buf.length - from, this.base + from);
    if (n === 0) {
      this.eof = true;
      if (this.check && this.pendingCR) this.loneCR = true;
      if (this.lastByte === -1 || this.lastByte === NL) return false;
      this.virtualNewline = this.len;
      this.buf[this.len++] = NL;
      return true;
    }
    this.len += n;
    this.lastByte = this.buf[this.len - 1];
    if (this.check) this.checkBytes(from);
    return true;
  }

  /** Every CR in buf[from, len) is followed by '\n' (the last one by the next byte read); no NUL. */
  private checkBytes(from: number): void {
    const { buf, len } = this;
    const nul = buf.indexOf(0, from);
    if (nul !== -1 && nul < len) this.sawNul = true;
    if (this.pendingCR && buf[from] !== NL) this.loneCR = true;
    this.pendingCR = false;
    for (let q = buf.indexOf(CR, from); q !== -1 && q < len; q = buf.indexOf(CR, q + 1)) {
      this.sawCR = true;
      if (q + 1 === len) this.pendingCR = true;
      else if (buf[q + 1] !== NL) this.loneCR = true;
    }
  }

  /** Make buf[i] readable (reading on, keeping buf[pos, len)); returns how far buf[pos] moved, or -1 at the end of the file. */
  reach(i: number): number {
    let moved = 0;
    while (i - moved >= this.len) {
      moved += this.compact();
      if (!this.fill()) return -1;
    }
    return moved;
  }

  /** The file offset of buf[pos]. */
  offset(): number {
    return this.base + this.pos;
  }
}

function tooLong(offset: number, source: string): InputError {
  return new InputError(`a cell longer than ${csvLimits.maxCellBytes} bytes from byte ${offset}: no number is that long`, source);
}

/** The file opened for reading in blocks, or undefined when it cannot be: the ordinary reader then says why. */
export function openForBlocks(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch {
    return undefined;
  }
}

/** run(), then close fd. */
export function use<T>(fd: number, run: () => T): T {
  try {
    return run();
  } finally {
    closeSync(fd);
  }
}
