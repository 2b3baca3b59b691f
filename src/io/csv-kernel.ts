/**
 * CSV's two byte loops in the WebAssembly kernel (kernel/csv.ts): counting rows and their
 * delimiters (countRows, the open pass) and parsing rows of plain numbers (plainRows), over a
 * window buffer that lies in the kernel's memory, so that a file is read straight into it and
 * never copied. The kernel takes rows while they are plain and stops at the first that is not
 * (a quote, a comment, a blank row, a ragged row, a cell off Clinger's fast path), which
 * csv-plain.ts's JavaScript loop, the reference, then reads. A window that could not have a
 * buffer there (all taken, or wider than one), or that grew for a long cell, or a thread whose
 * kernel is off (LOSSCALC_KERNEL=scalar), reads on the JavaScript path alone.
 */
import { kernelIfUsed, kernelMode, loadKernel, type KernelExports } from '../kernel/load.js';
import { giveBack, takeBuffer } from './array-file.js';

interface CsvKernel {
  k: KernelExports;
  memory: ArrayBuffer;
  /** The scratch's two results: the offset after the rows taken, and how many ended in "\r\n". */
  scratch: Int32Array;
  /** Where the kernel parses values to (CSV_VALUES), and how many fit there. */
  values: number;
  valuesCap: number;
  /** Window buffers not taken, by their offsets, and the bytes of each. */
  free: number[];
  windowBytes: number;
}

let loaded: CsvKernel | null | undefined;

/** Rows the kernel has counted and parsed in this thread (the tests see that it ran). */
export const csvKernelRows = { counted: 0, parsed: 0 };

function csvKernel(): CsvKernel | undefined {
  if (kernelMode.scalar) return undefined;
  if (loaded === undefined) {
    const k = loadKernel();
    if (k === undefined) return undefined;
    const memory = k.memory.buffer;
    const windowBytes = k.CSV_WINDOW_BYTES.value;
    // each window is followed by 64 KiB of padding (kernel/memory.ts): the distance between them
    const stride = windowBytes + (1 << 16);
    loaded = {
      k,
      memory,
      scratch: new Int32Array(memory, k.CSV_SCRATCH.value, 2),
      values: k.CSV_VALUES.value,
      valuesCap: (1 << 20) / 8,
      free: Array.from({ length: k.CSV_WINDOW_COUNT.value }, (_, i) => k.CSV_WINDOWS.value + i * stride).reverse(),
      windowBytes,
    };
  }
  return loaded ?? undefined;
}

/**
 * Files below this size are read on the JavaScript path: loading the kernel (a few ms) costs
 * more than their parsing (the same values either way), unless LOSSCALC_KERNEL=simd, or the
 * run uses the kernel anyway (a column of labels beside large logits).
 */
export const CSV_KERNEL_MIN_BYTES = 1 << 19;

/** Whether a CSV file of `bytes` bytes is read through the kernel. */
export function kernelFor(bytes: number): boolean {
  return bytes >= CSV_KERNEL_MIN_BYTES || kernelMode.simd || kernelIfUsed() !== undefined;
}

/** A window that can move its bytes out of the kernel's memory (csv-window.ts ByteWindow). */
export interface WindowOwner {
  leaveKernel(): void;
}

/** A window buffer taken, by its offset; `live` until it is given back, taken away or its window collected. */
interface Slot {
  at: number;
  owner: WeakRef<WindowOwner>;
  live: boolean;
}

/** The buffers taken, oldest first. */
const taken = new Map<number, Slot>();

/** A buffer whose window was collected without giving it back (a reader dropped on an error) is free again. */
const collected = new FinalizationRegistry<Slot>(free);

function free(slot: Slot): void {
  if (!slot.live) return;
  slot.live = false;
  taken.delete(slot.at);
  loaded?.free.push(slot.at);
}

/**
 * A buffer of `bytes` for a window, in the kernel's memory when it fits one there. When none is
 * free, the window that took one first (a reader kept for a read that may go on, csv-values.ts)
 * moves its bytes to a buffer of its own and reads on without the kernel: the newest reader
 * gets the kernel.
 */
export function takeWindow(owner: WindowOwner, bytes: number, useKernel = true): Buffer {
  const kernel = useKernel ? csvKernel() : undefined;
  if (kernel !== undefined && bytes <= kernel.windowBytes) {
    const oldest = taken.values().next().value;
    if (kernel.free.length === 0 && oldest !== undefined) {
      oldest.owner.deref()?.leaveKernel();
      free(oldest);
    }
    const at = kernel.free.pop();
    if (at !== undefined) {
      const slot: Slot = { at, owner: new WeakRef(owner), live: true };
      taken.set(at, slot);
      collected.register(owner, slot, owner);
      return Buffer.from(kernel.memory, at, bytes);
    }
  }
  return ownBuffer(bytes);
}

/** A buffer of `bytes` outside the kernel's memory. */
export function ownBuffer(bytes: number): Buffer {
  const own = takeBuffer(bytes);
  return Buffer.from(own.buffer, 0, own.length);
}

/** Give back a buffer takeWindow gave `owner`: one in the kernel's memory if it still holds it, another if `reuse`. */
export function giveWindow(owner: WindowOwner, buf: Buffer, reuse: boolean): void {
  if (loaded && buf.buffer === loaded.memory) {
    const slot = taken.get(buf.byteOffset);
    if (slot !== undefined && slot.owner.deref() === owner) {
      collected.unregister(owner);
      free(slot);
    }
  } else if (reuse) {
    giveBack(buf);
  }
}

/** The kernel, when `buf` lies in its memory and it is on. */
function kernelOf(buf: Buffer): CsvKernel | undefined {
  return loaded && buf.buffer === loaded.memory && !kernelMode.scalar ? loaded : undefined;
}

/** The whitespace bytes (ws[ch] === 1, csv-cells.ts whitespace) as the kernel takes them: bit ch - 1 for ch in 1..32. */
export function whitespaceBits(ws: Uint8Array): number {
  let bits = 0;
  for (let ch = 1; ch <= 32; ch++) if (ws[ch] === 1) bits |= 1 << (ch - 1);
  return bits;
}

/** Rows taken by the kernel: how many, the index after them, and how many ended in "\r\n". */
export interface Taken {
  rows: number;
  end: number;
  crBreaks: number;
}

const none: Taken = { rows: 0, end: 0, crBreaks: 0 };

/**
 * Up to `rows` rows of buf from p that start before `stop` passed unread by the kernel, as
 * csv-plain.ts's countRows passes them; `stop` is at most one past a real '\n' of buf.
 * Undefined when the kernel does not read buf.
 */
export function kernelCountRows(buf: Buffer, p: number, stop: number, rows: number, columns: number, delim: number, ws: number): Taken | undefined {
  const kernel = kernelOf(buf);
  if (kernel === undefined) return undefined;
  if (p >= stop) return none;
  const base = buf.byteOffset;
  const n = kernel.k.csvCountRows(base + p, base + stop, rows, columns, delim, ws);
  csvKernelRows.counted += n;
  return { rows: n, end: kernel.scratch[0] - base, crBreaks: kernel.scratch[1] };
}

/**
 * Up to `rows` rows of buf from p that start before `stop` parsed by the kernel into
 * out[o...], `columns` values a row, as parseRow parses them; `stop` as kernelCountRows.
 * Out in the kernel's memory (a block in a read region, csv-values.ts) takes them where it
 * lies; any other out, from CSV_VALUES, as many rows as fit there. Undefined when the kernel
 * does not read buf.
 */
export function kernelParseRows(buf: Buffer, p: number, stop: number, out: Float64Array, o: number, rows: number, columns: number, delim: number, ws: number): Taken | undefined {
  const kernel = kernelOf(buf);
  if (kernel === undefined) return undefined;
  const inPlace = out.buffer === kernel.memory;
  const most = inPlace ? rows : Math.min(rows, Math.floor(kernel.valuesCap / columns));
  if (p >= stop || most === 0) return none;
  const base = buf.byteOffset;
  const n = kernel.k.csvParseRows(base + p, base + stop, most, columns, delim, ws, inPlace ? out.byteOffset + 8 * o : kernel.values);
  csvKernelRows.parsed += n;
  // a view of the values parsed, no wider
  if (n > 0 && !inPlace) out.set(new Float64Array(kernel.memory, kernel.values, n * columns), o);
  return { rows: n, end: kernel.scratch[0] - base, crBreaks: kernel.scratch[1] };
}
