"""Write the --shift fixtures in fixtures/shift/ with PyTorch, for test/shift.test.ts.

Run from the repository root with Debian's python (the one that has numpy and torch):

    /usr/bin/python3 scripts/make_shift_fixtures.py

fixtures/shift/ is generated: the script empties it and writes it again, seeded, so every run
writes the same bytes. Each case's expected value is a causal language model's loss as Hugging
Face's models compute `outputs.loss` (modeling_llama.py and the others, before the loss
functions moved to loss_utils.py, which computes the same):

    shift_logits = logits[..., :-1, :].contiguous()
    shift_labels = labels[..., 1:].contiguous()
    loss = CrossEntropyLoss()(shift_logits.view(-1, V), shift_labels.view(-1))

in float64 on the values as stored (ignore_index -100), for the reductions and modes of each
case; expected.json holds, per case: argv (file names relative to fixtures/shift/), loss (a
number, or the flat list of --reduction none's losses, 0 where a target is ignored) and shape
(the losses' shape: the labels' without their first step).
"""
import json
import pathlib
import shutil

import numpy as np
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "shift"


def shifted(logits, labels):
    """Hugging Face's shift, then the positions flattened."""
    V = logits.shape[-1]
    return logits[..., :-1, :].contiguous().view(-1, V), labels[..., 1:].contiguous().view(-1)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    gen = torch.Generator().manual_seed(20261130)
    cases = []

    # a batch of 3 sequences of 7 tokens, a vocabulary of 11; the last row padded with -100
    B, T, V = 3, 7, 11
    logits = (torch.randn(B, T, V, generator=gen) * 3).float()
    labels = torch.randint(0, V, (B, T), generator=gen)
    labels[2, 5:] = -100
    np.save(OUT / "logits.npy", logits.numpy())
    np.save(OUT / "labels.npy", labels.numpy())
    x = torch.from_numpy(np.load(OUT / "logits.npy")).double()
    y = torch.from_numpy(np.load(OUT / "labels.npy"))
    sx, sy = shifted(x, y)
    out_shape = [B, T - 1]
    for reduction in ("mean", "sum"):
        cases.append({"argv": ["ce", "logits.npy", "labels.npy", "--shift", "--reduction", reduction],
                      "loss": F.cross_entropy(sx, sy, reduction=reduction).item(), "shape": out_shape})
    cases.append({"argv": ["ce", "logits.npy", "labels.npy", "--shift", "--reduction", "none"],
                  "loss": F.cross_entropy(sx, sy, reduction="none").tolist(), "shape": out_shape})
    cases.append({"argv": ["gather", "logits.npy", "labels.npy", "--shift"],
                  "loss": -F.log_softmax(sx, 1)[sy != -100].gather(1, sy[sy != -100].unsqueeze(1)).mean().item(), "shape": out_shape})
    cases.append({"argv": ["check", "logits.npy", "labels.npy", "--shift"], "loss": F.cross_entropy(sx, sy).item(), "shape": out_shape})
    # class weights and label smoothing, as CrossEntropyLoss(weight, label_smoothing) takes them
    w = torch.linspace(0.5, 1.5, V, dtype=torch.float64)
    np.save(OUT / "weight.npy", w.numpy())
    cases.append({"argv": ["ce", "logits.npy", "labels.npy", "--shift", "--weight", "weight.npy", "--label-smoothing", "0.1"],
                  "loss": F.cross_entropy(sx, sy, weight=w, label_smoothing=0.1).item(), "shape": out_shape})

    # nll on log-probabilities (float64), and a torch.save file holding both
    lp = F.log_softmax(x, -1)
    np.save(OUT / "log_probs.npy", lp.numpy())
    lx, ly = shifted(torch.from_numpy(np.load(OUT / "log_probs.npy")), y)
    cases.append({"argv": ["nll", "log_probs.npy", "labels.npy", "--shift"], "loss": F.nll_loss(lx, ly).item(), "shape": out_shape})
    torch.save({"logits": logits, "labels": labels}, OUT / "dump.pt")
    cases.append({"argv": ["ce", "dump.pt", "--shift"], "loss": F.cross_entropy(sx, sy).item(), "shape": out_shape})

    # one sequence, unbatched: (T, V) logits and (T,) labels
    np.save(OUT / "one_logits.npy", logits[0].numpy())
    np.save(OUT / "one_labels.npy", labels[0].numpy())
    ox, oy = shifted(x[0], y[0])
    cases.append({"argv": ["ce", "one_logits.npy", "one_labels.npy", "--shift"], "loss": F.cross_entropy(ox, oy).item(), "shape": [T - 1]})

    # a long sequence (3 x 2000 tokens, 50 words): views read in blocks across rows
    L, W = 2000, 50
    big = torch.randn(3, L, W, generator=gen).float()
    big_labels = torch.randint(0, W, (3, L), generator=gen)
    big_labels[1, 1500:] = -100
    np.save(OUT / "long_logits.npy", big.numpy())
    np.save(OUT / "long_labels.npy", big_labels.numpy())
    bx, by = shifted(torch.from_numpy(np.load(OUT / "long_logits.npy")).double(), big_labels)
    cases.append({"argv": ["ce", "long_logits.npy", "long_labels.npy", "--shift"], "loss": F.cross_entropy(bx, by).item(), "shape": [3, L - 1]})

    with open(OUT / "expected.json", "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
