/**
 * losscalc as a library: PyTorch's losses over typed arrays (or over files read in blocks),
 * the readers, and the checks.
 *
 *   import { readInput, crossEntropy } from 'losscalc';
 *   const r = crossEntropy(await readInput('logits.npy'), await readInput('labels.npy'));
 *   console.log(r.loss);
 */
export { crossEntropy, type CrossEntropyOptions } from './losses/cross-entropy.js';
export { nllLoss, type NllOptions } from './losses/nll.js';
export { bceWithLogits, logSigmoid, type BceWithLogitsOptions } from './losses/bce-with-logits.js';
export { binaryCrossEntropy, type BinaryCrossEntropyOptions } from './losses/binary-cross-entropy.js';
export { INPUT_KINDS, sigmoid, type InputKind } from './losses/probabilities.js';
export { gatherLoss, type GatherOptions } from './losses/gather.js';
export { logSoftmax, logSoftmaxValues, rowStats } from './losses/log-softmax.js';
export {
  CompensatedSum,
  Reducer,
  REDUCTIONS,
  rowsPerChunk,
  type KeepLosses,
  type LossResult,
  type LossSink,
  type PerSample,
  type Reduction,
} from './losses/reduce.js';
export { ExactSum } from './losses/exact-sum.js';
export { lossStore } from './loss-store.js';
export { equivalences, type Equivalence, type LossInputs, type LossSettings } from './equivalences.js';
export { compareValues, isClose, DEFAULT_TOLERANCE, type Check, type Tolerance } from './checks.js';
export { compareArrays, type Comparison } from './compare.js';
export { breakdown, type Breakdown, type ClassRow, type SampleRow } from './breakdown.js';
export { mergeResults, type PartialResult } from './merge.js';
export * from './io/index.js';
export { InputError, UsageError } from './errors.js';
export { asValues, inMemory, rowWindow, type Values } from './values.js';
export { classLayout, formatShape, numel, toFloat64, type DType, type Storage, type Tensor } from './tensor.js';
