/**
 * losscalc as a library: PyTorch's losses over typed arrays, the readers, and the checks.
 *
 *   import { readTensor, crossEntropy } from 'losscalc';
 *   const r = crossEntropy(await readTensor('logits.npy'), await readTensor('labels.npy'));
 *   console.log(r.loss);
 */
export { crossEntropy, type CrossEntropyOptions } from './losses/cross-entropy.js';
export { nllLoss, type NllOptions } from './losses/nll.js';
export { bceWithLogits, logSigmoid, type BceWithLogitsOptions } from './losses/bce-with-logits.js';
export { gatherLoss, type GatherOptions } from './losses/gather.js';
export { logSoftmax, rowStats } from './losses/log-softmax.js';
export { CompensatedSum, Reducer, REDUCTIONS, type LossResult, type Reduction } from './losses/reduce.js';
export { equivalences, type Equivalence, type LossInputs, type LossSettings } from './equivalences.js';
export { compareValues, isClose, DEFAULT_TOLERANCE, type Check, type Tolerance } from './checks.js';
export { readTensor, parseList } from './io/read.js';
export { parseNpy, encodeNpy } from './io/npy.js';
export { parseCsv } from './io/csv.js';
export { parseJson } from './io/json.js';
export { InputError, UsageError } from './errors.js';
export { classLayout, formatShape, numel, toFloat64, type DType, type Storage, type Tensor } from './tensor.js';
