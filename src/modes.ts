/**
 * The loss modes, at the bottom of the layers: kernels' callers (evaluate, warnings) and the
 * CLI (options, help) name them, without importing each other.
 */
export type Mode = 'cross-entropy' | 'nll' | 'bce-logits' | 'binary-cross-entropy' | 'gather' | 'check';

export const MODES: readonly Mode[] = ['cross-entropy', 'nll', 'bce-logits', 'binary-cross-entropy', 'gather', 'check'];
