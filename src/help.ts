/** The help text of each mode: its one-line description, what its logits are, and examples. */
import type { Mode } from './modes.js';

export const EXAMPLES: Record<Mode | 'compare' | 'merge' | 'completion', string> = {
  'cross-entropy': `
Examples:
  losscalc ce dump.pt:logits dump.pt:labels      # torch.save({"logits": x, "labels": y}, "dump.pt")
  losscalc ce logits.npy labels.npy
  losscalc ce dump.npz                     # logits and labels found by name (logits, labels, ...)
  losscalc ce logits.csv labels.csv --weight 1,2,0.5 --label-smoothing 0.1
  losscalc ce logits.npy labels.npy --per-sample --top 5      # worst samples, per class, histogram
  losscalc ce logits.npy labels.npy --expect 2.3 --report report.html   # an HTML page with plots and PASS/FAIL
  losscalc ce logits.npy labels.npy --top 5 --classes 10 --class-names names.txt   # the 10 classes with the highest mean loss, named
  losscalc ce preds.csv labels.npy --id-column image --save-per-sample out.csv   # index,id,loss,label,predicted,p_label
  losscalc ce logits.npy labels.npy --save-per-sample out.npz   # arrays loss, label, predicted, p_label
  losscalc ce logits.npy labels.npy --metrics --topk 1 --topk 5   # accuracy, perplexity, ECE, Brier, entropy
  losscalc ce logits.npy labels.npy --metrics --markdown >> "$GITHUB_STEP_SUMMARY"
  losscalc ce logits.npy labels.npy --reduction none --json
  losscalc ce lm_logits.npy tokens.npy --class-dim -1       # (B, T, V) logits, (B, T) labels
  loss=$(losscalc ce logits.npy labels.npy -q)
  losscalc ce logits.npy labels.npy --expect 2.3026 --rtol 1e-6   # exit 1 if it differs
  losscalc ce probs.npy labels.npy --input probs       # F.nll_loss(torch.log(p), y)
  losscalc ce logprobs.npy labels.npy --input log-probs --label-smoothing 0.1

--input probs|log-probs: the rows are probabilities (each in [0, 1]) or log-probabilities,
used as log p with no log_softmax: F.nll_loss(log p, y, weight, ignore_index, reduction);
with --label-smoothing ε, (1 - ε)·F.nll_loss(log p, y, ...) + (ε/C)·Σ_c -w_c·log p_c (the mean
divides both by Σ w_y), which is F.cross_entropy(log p, y, ..., label_smoothing=ε) when the
rows of p sum to 1; probability targets q: -(q · log p).sum(1), weighted and smoothed as
F.cross_entropy does.`,
  nll: `
Examples:
  losscalc nll logprobs.npy labels.npy
  losscalc nll logits.npy labels.npy --log-softmax      # F.nll_loss(F.log_softmax(x, 1), y)`,
  'bce-logits': `
Examples:
  losscalc bce logits.npy targets.npy
  losscalc bce logits.csv targets.csv --pos-weight 3 --reduction sum
  losscalc bce logits.npy targets.npy --save-per-sample losses.npy`,
  'binary-cross-entropy': `
F.binary_cross_entropy(p, t, weight, reduction) on probabilities p in [0, 1] (sigmoid
outputs), each log clamped at -100 as PyTorch does: p = 0 with t = 1 costs 100, not inf.
No --pos-weight (BCELoss has none); for logits, bce-logits is exact where this clamps.

Examples:
  losscalc binary-cross-entropy probs.npy targets.npy
  losscalc bce-probs probs.csv targets.csv --weight 1,2,0.5 --reduction sum`,
  gather: `
Examples:
  losscalc gather logits.npy labels.npy       # -mean(gather(log_softmax(x, 1), 1, y))`,
  check: `
Examples:
  losscalc check logits.npy labels.npy        # cross-entropy = nll(log_softmax) = gather = one-hot
  losscalc check logits.npy targets.npy       # labels of the logits' shape: bce-logits = 2-class CE
                                              #   = binary_cross_entropy(sigmoid(x), t)
  losscalc check probs.npy labels.npy --input probs   # ce(--input probs) = nll(log p) = gather(log p)`,
  merge: `
Examples:
  for i in 0 1 2; do losscalc ce logits_$i.npy labels_$i.npy --json > part_$i.json; done
  losscalc merge part_*.json                  # the loss over all shards, as one run would give it
  cat part_*.json | losscalc merge -          # the same, read as JSON lines from stdin
  losscalc merge part_*.json --markdown       # loss and metrics (parts run with --metrics) as Markdown`,
  completion: `
Examples:
  source <(losscalc completion bash)          # in ~/.bashrc: complete modes, options, values
  losscalc completion bash > ~/.local/share/bash-completion/completions/losscalc
  losscalc completion zsh > "\${fpath[1]}/_losscalc"   # then: autoload -U compinit && compinit`,
  compare: `
Examples:
  losscalc compare ours.npy torch_dump.npy
  losscalc compare ours.npy torch_dump.npy --rtol 1e-6 --atol 0 --equal-nan --json`,
};

export const DESCRIPTIONS: Record<Mode, string> = {
  'cross-entropy': 'F.cross_entropy: softmax + cross-entropy on raw logits, class indices or probabilities',
  nll: 'F.nll_loss on log-probabilities (or on logits with --log-softmax)',
  'bce-logits': 'F.binary_cross_entropy_with_logits: targets are probabilities in [0, 1]',
  'binary-cross-entropy': 'F.binary_cross_entropy on probabilities (sigmoid outputs), logs clamped at -100',
  gather: 'the manual path: -mean(log_softmax(x, 1).gather(1, y))',
  check: 'run every way that applies and prove that they agree (exit 1 if not)',
};

/** What the first operand holds, where it is not logits. */
export const LOGITS_ARGUMENT: Partial<Record<Mode, string>> = {
  nll: 'log-probabilities file (logits with --log-softmax)',
  'binary-cross-entropy': 'probabilities file (values in [0, 1])',
};
