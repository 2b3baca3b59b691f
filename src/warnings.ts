/**
 * Where PyTorch stays silent but a user wants to know: diagnostics about the data, returned
 * as sentences for the CLI to print on stderr.
 */
import type { LossInputs } from './equivalences.js';
import type { LossResult } from './losses/reduce.js';
import type { Mode } from './options.js';
import { asFloats, formatIndex, numel, sameShape } from './tensor.js';
import { asValues } from './values.js';

export function dataWarnings(mode: Mode, inputs: LossInputs, result: LossResult, ignoreIndex: number): string[] {
  const warnings: string[] = [];
  const binary = mode === 'bce-logits' || (mode === 'check' && sameShape(inputs.labels.shape, inputs.logits.shape));
  if (binary) {
    let outside = 0;
    let first = -1;
    let firstValue = 0;
    asValues(inputs.labels).read(1, 0, numel(inputs.labels.shape), (block, offset) => {
      const t = asFloats(block);
      for (let i = 0; i < t.length; i++) {
        if (t[i] < 0 || t[i] > 1) {
          if (outside++ === 0) [first, firstValue] = [offset + i, t[i]];
        }
      }
    });
    if (outside > 0) {
      warnings.push(
        `${outside} target(s) outside [0, 1], first ${firstValue} at index ${formatIndex(first, inputs.labels.shape)}: ` +
          'BCE targets are probabilities; map {-1, 1} labels to {0, 1} with (t + 1) / 2',
      );
    }
  }
  const losses = result.perSample;
  let nonFinite = 0;
  let firstBad = -1;
  for (let i = 0; i < losses.length; i++) {
    if (!Number.isFinite(losses[i])) {
      if (nonFinite++ === 0) firstBad = i;
    }
  }
  if (nonFinite > 0) {
    warnings.push(
      `${nonFinite} non-finite loss value(s), first ${losses[firstBad]} at index ${formatIndex(firstBad, result.shape)}`,
    );
  }
  if (result.count === 0 && losses.length > 0 && mode !== 'bce-logits') {
    warnings.push(`all targets equal ignore_index ${ignoreIndex}: nothing contributes, the mean is NaN`);
  }
  return warnings;
}
