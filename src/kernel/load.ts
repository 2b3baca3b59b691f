/**
 * Loads the WebAssembly kernel (kernel/, compiled by the build into dist/kernel.wasm) once per
 * thread, on first use, synchronously. It is used when this Node validates its SIMD (a module
 * with one f64x2 instruction) and LOSSCALC_KERNEL is not "scalar" (kernelMode, which tests
 * set too); otherwise, or when the file is missing, every loss takes the scalar TypeScript
 * path, which is the reference. The single executable carries the kernel's bytes (embedded.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { embedded } from '../embedded.js';
import { expTable, logTable } from './tables.js';

/** An exported global: a layout constant of kernel/memory.ts. */
interface Exported {
  value: number;
}

/** The part of WebAssembly's API used here (the DOM's types are not part of this build). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
/** Absent where Node runs without it (--jitless, --no-expose-wasm): then the scalar path. */
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The kernel's exports (kernel/index.ts): pointers are byte offsets into `memory`. */
export interface KernelExports {
  memory: { buffer: ArrayBuffer };
  CSV_SCRATCH: Exported;
  CSV_WINDOWS: Exported;
  CSV_WINDOW_BYTES: Exported;
  CSV_WINDOW_COUNT: Exported;
  CSV_VALUES: Exported;
  csvCountRows(p: number, stop: number, rows: number, columns: number, delim: number, ws: number): number;
  csvParseRows(p: number, stop: number, rows: number, columns: number, delim: number, ws: number, out: number): number;
  EXP_TABLE: Exported;
  LOG_TABLE: Exported;
  REGION_A: Exported;
  REGION_B: Exported;
  REGION_C: Exported;
  REGION_BYTES: Exported;
  SCRATCH: Exported;
  ROW_SUM: Exported;
  LANE_SUMS: Exported;
  TARGET_BOUNDS: Exported;
  SOFTPLUS_TABLE: Exported;
  READ_REGIONS: Exported;
  READ_REGION_BYTES: Exported;
  READ_REGION_COUNT: Exported;
  rowSumStart(): void;
  pieceMaxF32(p: number, n: number): number;
  pieceMaxF64(p: number, n: number): number;
  logSums(maxOut: number, sumOut: number, n: number): number;
  rowSumPieceF32(p: number, n: number, c0: number, C: number, m: number): void;
  rowSumPieceF64(p: number, n: number, c0: number, C: number, m: number): void;
  rowStatsF32(x: number, rows: number, C: number, maxOut: number, sumOut: number): void;
  rowStatsF64(x: number, rows: number, C: number, maxOut: number, sumOut: number): void;
  stridedStatsF32(x: number, rows: number, C: number, inner: number, stride: number, maxOut: number, sumOut: number): void;
  stridedStatsF64(x: number, rows: number, C: number, inner: number, stride: number, maxOut: number, sumOut: number): void;
  nonFiniteF32(x: number, n: number): number;
  nonFiniteF64(x: number, n: number): number;
  nonFiniteOutsideF32(x: number, n: number, lo: number, hi: number): number;
  classLabelsU8(p: number, n: number, C: number, ignore: number): number;
  nonFiniteOutsideF64(x: number, n: number, lo: number, hi: number): number;
  bceLogitsSumF32(x: number, t: number, n: number, lane: number, out: number): number;
  bceLogitsSumF64(x: number, t: number, n: number, lane: number, out: number): number;
  binaryCrossEntropyF32(p: number, t: number, n: number, out: number): number;
  binaryCrossEntropyF64(p: number, t: number, n: number, out: number): number;
  indexLossesF32(x: number, rows: number, C: number, inner: number, stride: number, labels: number, weights: number, ignore: number, maxIn: number, logSumIn: number, lossOut: number, weightOut: number): number;
  indexLossesF64(x: number, rows: number, C: number, inner: number, stride: number, labels: number, weights: number, ignore: number, maxIn: number, logSumIn: number, lossOut: number, weightOut: number): number;
  sumLanes(x: number, n: number, lane: number): number;
  fillSoftplusTable(): void;
  exp(x: number): number;
  log(x: number): number;
  softplusTail(x: number): number;
}

/** (module (func (result v128) f64.const 0 f64x2.splat)): valid where SIMD is. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 68, 0, 0, 0, 0, 0, 0, 0, 0, 253, 20, 11,
]);

/**
 * Where the build puts the kernel, from this file in src/kernel, dist/kernel or the bundle in
 * dist/bundle; made when first needed (a bundle without import.meta.url has no kernel).
 */
const wasmFile = (): URL => new URL('../../dist/kernel.wasm', import.meta.url);

/**
 * Read at each use. scalar: every loss on the scalar path (LOSSCALC_KERNEL=scalar). simd: the
 * kernel for inputs of any size (LOSSCALC_KERNEL=simd; tests run the small fixtures so). small:
 * this run's input is below KERNEL_MIN_VALUES (useKernelFor). sized: useKernelFor was told.
 */
export const kernelMode = { scalar: process.env.LOSSCALC_KERNEL === 'scalar', simd: process.env.LOSSCALC_KERNEL === 'simd', small: false, sized: false };

/**
 * Below this many logits a run takes the scalar path: compiling and filling the kernel (a few
 * ms) costs more than such an input's whole loss. Decided once per run by the input's size,
 * never per block, so that a run's bits never depend on how it was read.
 */
export const KERNEL_MIN_VALUES = 1 << 16;

/** Tells the kernel the size of this run's input (values of the logits). */
export function useKernelFor(values: number): void {
  kernelMode.small = values < KERNEL_MIN_VALUES;
  kernelMode.sized = true;
}

let loaded: KernelExports | null | undefined;

/** The kernel of this thread, or undefined for the scalar path. */
export function loadKernel(): KernelExports | undefined {
  if (kernelMode.scalar || (kernelMode.small && !kernelMode.simd)) return undefined;
  if (loaded === undefined) loaded = instantiate();
  return loaded ?? undefined;
}

/**
 * The kernel of this thread when a run sized its input (useKernelFor) or it is loaded already;
 * else undefined, compiling nothing (a reader that would use it never makes a run load it).
 */
export function kernelIfUsed(): KernelExports | undefined {
  return kernelMode.sized || loaded ? loadKernel() : undefined;
}

function instantiate(): KernelExports | null {
  if (!wasm?.validate(SIMD_PROBE)) return null;
  let k: KernelExports;
  try {
    // a missing file, or memory refused (a ulimit -v below the ~10 GiB of address space V8
    // reserves for an instance): this thread takes the scalar path, within 1e-12 of the kernel
    const built = embedded().wasm;
    k = new wasm.Instance(new wasm.Module(built ?? readFileSync(wasmFile())), {}).exports as unknown as KernelExports;
    debuglog('losscalc')('kernel loaded from %s', built ? 'the executable' : fileURLToPath(wasmFile()));
  } catch {
    return null;
  }
  new BigInt64Array(k.memory.buffer, k.EXP_TABLE.value, 256).set(expTable());
  const log = logTable();
  new Float64Array(k.memory.buffer, k.LOG_TABLE.value, log.length).set(log);
  return k;
}
