"""Fixtures large enough to split among threads, with PyTorch's results.

Writes fixtures/threads/: NPY inputs of several of the sums' row chunks each (src/losses/reduce.ts
rowsPerChunk: about 4096 positions a chunk), so that -j 2..4 split them, and expected.json:
  {"<case>": {"argv": [mode, logits, labels, flags...], "mean": float, "sum": float}}
with PyTorch's float64 results on the values as stored (float32 logits upcast exactly).

    /usr/bin/python3 scripts/make_thread_fixtures.py
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "threads"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261130)
    cases = {}

    def save(name, array):
        np.save(OUT / name, array)
        return f"threads/{name}"

    def both(name, argv, loss):
        cases[name] = {"argv": argv, "mean": float(loss("mean")), "sum": float(loss("sum"))}

    # class indices, contiguous rows: 16,384 x 5 float32 (4 chunks of 4096 rows), a weight
    x = (rng.standard_normal((16384, 5)) * 3).astype(np.float32)
    y = rng.integers(0, 5, 16384).astype(np.int64)
    w = np.array([0.5, 1.0, 2.0, 0.25, 1.5])
    np.save(OUT / "ce_weight.npy", w)
    argv = ["ce", save("ce_x.npy", x), save("ce_y.npy", y)]
    tx, ty = torch.from_numpy(x.astype(np.float64)), torch.from_numpy(y)
    both("ce", argv, lambda r: F.cross_entropy(tx, ty, reduction=r))
    both("ce, weight", argv + ["--weight", "threads/ce_weight.npy"],
         lambda r: F.cross_entropy(tx, ty, weight=torch.from_numpy(w), reduction=r))
    both("ce, label smoothing 0.1", argv + ["--label-smoothing", "0.1"],
         lambda r: F.cross_entropy(tx, ty, label_smoothing=0.1, reduction=r))
    both("gather", ["gather"] + argv[1:],
         lambda r: -F.log_softmax(tx, 1).gather(1, ty[:, None])[:, 0].mean() if r == "mean"
         else -F.log_softmax(tx, 1).gather(1, ty[:, None])[:, 0].sum())

    # K-dim: 8 x 3 x 64 x 33 float64 (a chunk a batch row), ignore_index 255 on 5% of uint8 labels
    xs = rng.standard_normal((8, 3, 64, 33)) * 4
    ys = rng.integers(0, 3, (8, 64, 33)).astype(np.uint8)
    ys[rng.random(ys.shape) < 0.05] = 255
    argv = ["ce", save("seg_x.npy", xs), save("seg_y.npy", ys), "--ignore-index", "255"]
    both("seg, ignore_index 255", argv,
         lambda r: F.cross_entropy(torch.from_numpy(xs), torch.from_numpy(ys.astype(np.int64)), ignore_index=255, reduction=r))

    # bce-logits: 4100 x 10 float32 logits, {0, 1} float32 targets (10 chunks)
    xb = (rng.standard_normal((4100, 10)) * 5).astype(np.float32)
    tb = (rng.random((4100, 10)) < 0.5).astype(np.float32)
    argv = ["bce-logits", save("bce_x.npy", xb), save("bce_t.npy", tb)]
    txb, ttb = torch.from_numpy(xb.astype(np.float64)), torch.from_numpy(tb.astype(np.float64))
    both("bce-logits", argv, lambda r: F.binary_cross_entropy_with_logits(txb, ttb, reduction=r))
    # binary-cross-entropy on sigmoid(x) as probabilities, float64
    p = 1 / (1 + np.exp(-xb.astype(np.float64)))
    argv = ["binary-cross-entropy", save("bce_p.npy", p), "threads/bce_t.npy"]
    both("binary-cross-entropy", argv, lambda r: F.binary_cross_entropy(torch.from_numpy(p), ttb, reduction=r))

    (OUT / "expected.json").write_text(json.dumps(cases, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
