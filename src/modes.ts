/**
 * The loss modes, at the bottom of the layers: kernels' callers (evaluate, warnings) and the
 * CLI (options, help) name them, without importing each other.
 */
export type Mode = 'cross-entropy' | 'nll' | 'bce-logits' | 'binary-cross-entropy' | 'gather' | 'check';

export const MODES: readonly Mode[] = ['cross-entropy', 'nll', 'bce-logits', 'binary-cross-entropy', 'gather', 'check'];

/** Short names, and PyTorch's own: the functional's (`F.nll_loss`) and the module's (`nn.NLLLoss`). */
export const MODE_ALIASES: Readonly<Record<string, Mode>> = {
  ce: 'cross-entropy',
  bce: 'bce-logits',
  'bce-probs': 'binary-cross-entropy',
  cross_entropy: 'cross-entropy',
  CrossEntropyLoss: 'cross-entropy',
  nll_loss: 'nll',
  NLLLoss: 'nll',
  binary_cross_entropy_with_logits: 'bce-logits',
  BCEWithLogitsLoss: 'bce-logits',
  binary_cross_entropy: 'binary-cross-entropy',
  BCELoss: 'binary-cross-entropy',
};
