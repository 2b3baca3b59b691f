"""Generate the fixtures of `losscalc --report` (its HTML page and most-confused pairs) from real PyTorch.

Writes (relative to the repository root):
  fixtures/report/img-logits.npy, img-labels.npy   (600, 12) float32 logits of a classifier that
                                                   mixes up some classes, int64 labels (a few -100)
  fixtures/report/bce-logits.npy, bce-targets.npy  (50, 4) float32 logits, float32 0/1 targets
  fixtures/report.json   for each case, PyTorch's loss (reduction mean, ignore_index -100) and
                         its mistakes: every (label, predicted) pair with label != predicted,
                         most first (ties by label, then predicted), predicted = argmax over
                         the classes (torch.argmax: the first maximum) for class indices, and
                         for bce the target (t >= 0.5 as 1) against x > 0; ignored targets left out.
                         "sparse": 3,000 (label, predicted) pairs over 300 classes (more than
                         the exact table's 256) and their mistakes, counted by torch.unique.

    /usr/bin/python3 scripts/make_report_fixtures.py

Deterministic; rewrites fixtures/report/. Needs torch and numpy (torch 1.13, numpy 1.24 on
Debian: `apt-get install python3-torch`).
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "report"


def mistakes(labels, predicted):
    keep = labels != predicted
    pairs = torch.stack([labels[keep], predicted[keep]], dim=1)
    if len(pairs) == 0:
        return []
    unique, counts = torch.unique(pairs, dim=0, return_counts=True)
    rows = [(int(c), int(l), int(p)) for (l, p), c in zip(unique.tolist(), counts.tolist())]
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return [{"label": l, "predicted": p, "count": c} for c, l, p in rows]


def classifier():
    rng = np.random.default_rng(13)
    n, c = 600, 12
    labels = rng.integers(0, c, n)
    logits = rng.normal(0, 1.2, (n, c))
    logits[np.arange(n), labels] += 2.5
    # classes 3 and 5 look alike, as 7 and 8: their logits go to the other half the time
    for a, b in [(3, 5), (7, 8)]:
        for y, z in [(a, b), (b, a)]:
            rows = np.flatnonzero(labels == y)
            rows = rows[rng.random(len(rows)) < 0.45]
            logits[rows, z] += 3.0
    labels[rng.choice(n, 9, replace=False)] = -100
    logits = logits.astype(np.float32)
    np.save(OUT / "img-logits.npy", logits)
    np.save(OUT / "img-labels.npy", labels.astype(np.int64))
    x = torch.from_numpy(logits).double()
    y = torch.from_numpy(labels)
    loss = F.cross_entropy(x, y, ignore_index=-100)
    kept = y != -100
    return {
        "argv": ["cross-entropy", "report/img-logits.npy", "report/img-labels.npy"],
        "loss": loss.item(),
        "mistakes": mistakes(y[kept], torch.argmax(x, dim=1)[kept]),
    }


def binary():
    rng = np.random.default_rng(31)
    targets = (rng.random((50, 4)) < 0.4).astype(np.float32)
    logits = (rng.normal(0, 1.5, (50, 4)) + 1.5 * (targets - 0.5)).astype(np.float32)
    np.save(OUT / "bce-logits.npy", logits)
    np.save(OUT / "bce-targets.npy", targets)
    x = torch.from_numpy(logits).double()
    t = torch.from_numpy(targets).double()
    loss = F.binary_cross_entropy_with_logits(x, t)
    return {
        "argv": ["bce-logits", "report/bce-logits.npy", "report/bce-targets.npy"],
        "loss": loss.item(),
        "mistakes": mistakes((t >= 0.5).long().flatten(), (x > 0).long().flatten()),
    }


def sparse():
    rng = np.random.default_rng(300)
    c = 300
    labels = torch.from_numpy(rng.integers(0, c, 3000))
    # mostly right, some mistakes spread widely and a few pairs often
    predicted = labels.clone()
    wrong = torch.from_numpy(rng.random(3000) < 0.3)
    predicted[wrong] = torch.from_numpy(rng.integers(0, c, int(wrong.sum())))
    often = torch.from_numpy(rng.random(3000) < 0.05)
    predicted[often] = (labels[often] * 7 + 1) % 13
    return {"classes": c, "labels": labels.tolist(), "predicted": predicted.tolist(), "mistakes": mistakes(labels, predicted)}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = {"img": classifier(), "bce": binary(), "sparse": sparse()}
    (ROOT / "fixtures" / "report.json").write_text(json.dumps(cases) + "\n")


if __name__ == "__main__":
    main()
