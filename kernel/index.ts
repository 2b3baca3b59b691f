// losscalc's WebAssembly kernel: the hot loops over blocks in the kernel's own memory
// (memory.ts), one function per input type. src/kernel/ loads it and copies blocks in.
import { pieceMax, rowStats, rowSumPiece, stridedStats } from './row-stats';
import { nonFinite, nonFiniteOutside } from './scan';
export { classLabelsU8 } from './scan';
import { binaryCrossEntropy } from './binary';
import { exp1 } from './exp';
import { log1 } from './log';
import { indexLosses } from './index-losses';
import { softplusTail1 } from './softplus';
export { fillSoftplusTable } from './softplus';
import { addLanes, BCE_LOGITS } from './sum';

export { EXP_TABLE, LOG_TABLE, REGION_A, REGION_B, REGION_C, REGION_BYTES, SCRATCH, ROW_SUM, LANE_SUMS, TARGET_BOUNDS, SOFTPLUS_TABLE } from './memory';
export { sumLanes } from './sum';
export { logSums, rowSumStart } from './row-stats';
export { csvCountRows, csvParseRows } from './csv';
export { CSV_SCRATCH, CSV_WINDOWS, CSV_WINDOW_BYTES, CSV_WINDOW_COUNT, CSV_VALUES } from './memory';

export function rowStatsF32(x: usize, rows: i32, C: i32, maxOut: usize, sumOut: usize): void {
  rowStats<f32>(x, rows, C, maxOut, sumOut);
}
export function rowStatsF64(x: usize, rows: i32, C: i32, maxOut: usize, sumOut: usize): void {
  rowStats<f64>(x, rows, C, maxOut, sumOut);
}
export function stridedStatsF32(x: usize, rows: i32, C: i32, inner: i32, stride: i32, maxOut: usize, sumOut: usize): void {
  stridedStats<f32>(x, rows, C, inner, stride, maxOut, sumOut);
}
export function stridedStatsF64(x: usize, rows: i32, C: i32, inner: i32, stride: i32, maxOut: usize, sumOut: usize): void {
  stridedStats<f64>(x, rows, C, inner, stride, maxOut, sumOut);
}
export function rowSumPieceF32(p: usize, n: i32, c0: i32, C: i32, m: f64): void {
  rowSumPiece<f32>(p, n, c0, C, m);
}
export function rowSumPieceF64(p: usize, n: i32, c0: i32, C: i32, m: f64): void {
  rowSumPiece<f64>(p, n, c0, C, m);
}
export function pieceMaxF32(p: usize, n: i32): f64 {
  return pieceMax<f32>(p, n);
}
export function pieceMaxF64(p: usize, n: i32): f64 {
  return pieceMax<f64>(p, n);
}
export function nonFiniteF32(x: usize, n: i32): i32 {
  return nonFinite<f32>(x, n);
}
export function nonFiniteF64(x: usize, n: i32): i32 {
  return nonFinite<f64>(x, n);
}
export function nonFiniteOutsideF32(x: usize, n: i32, lo: f64, hi: f64): i32 {
  return nonFiniteOutside<f32>(x, n, lo, hi);
}
export function nonFiniteOutsideF64(x: usize, n: i32, lo: f64, hi: f64): i32 {
  return nonFiniteOutside<f64>(x, n, lo, hi);
}
/** bce-logits losses added into the lane sums (sum.ts addLanes), and stored at out unless it is 0. */
export function bceLogitsSumF32(x: usize, t: usize, n: i32, lane: i32, out: usize): i32 {
  return addLanes<f32>(BCE_LOGITS, x, t, n, lane, out);
}
export function bceLogitsSumF64(x: usize, t: usize, n: i32, lane: i32, out: usize): i32 {
  return addLanes<f64>(BCE_LOGITS, x, t, n, lane, out);
}
export function binaryCrossEntropyF32(p: usize, t: usize, n: i32, out: usize): i32 {
  return binaryCrossEntropy<f32>(p, t, n, out);
}
export function binaryCrossEntropyF64(p: usize, t: usize, n: i32, out: usize): i32 {
  return binaryCrossEntropy<f64>(p, t, n, out);
}
/** exp and log of one value, for the accuracy tests. */
export function exp(x: f64): f64 {
  return exp1(x);
}
export function log(x: f64): f64 {
  return log1(x);
}
export function indexLossesF32(x: usize, rows: i32, C: i32, inner: i32, stride: i32, labels: usize, weights: usize, ignore: f64, maxIn: usize, logSumIn: usize, lossOut: usize, weightOut: usize): i32 {
  return indexLosses<f32>(x, rows, C, inner, stride, labels, weights, ignore, maxIn, logSumIn, lossOut, weightOut);
}
export function indexLossesF64(x: usize, rows: i32, C: i32, inner: i32, stride: i32, labels: usize, weights: usize, ignore: f64, maxIn: usize, logSumIn: usize, lossOut: usize, weightOut: usize): i32 {
  return indexLosses<f64>(x, rows, C, inner, stride, labels, weights, ignore, maxIn, logSumIn, lossOut, weightOut);
}
/** bce-logits' tail log(1 + e^-|x|) of one value, for the accuracy tests. */
export function softplusTail(x: f64): f64 {
  return softplusTail1(x);
}
export { READ_REGIONS, READ_REGION_BYTES, READ_REGION_COUNT } from './memory';
