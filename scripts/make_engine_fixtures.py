"""Shards for the distributed recipes (README "More data than one machine"), with PyTorch's results.

Writes fixtures/engines/: twelve shards of uneven sizes, logits/logits_<i>.npy (float32, (n_i, 7))
and logits/labels_<i>.npy (int64, some targets -100, ignored), in a folder called logits/ on
purpose (a recipe must rewrite the file's name, not the folder's); weight.npy (7 class weights);
and expected.json, PyTorch's float64 results over the shards concatenated in index order:
  {"shards": 12, "mean": float, "sum": float, "none": [float, ...], "metrics": {...}}
with the metrics of --metrics (top-5, 15 bins; perplexity skipped, as the loss is weighted)
as scripts/make_metrics_fixtures.py defines them from torchmetrics.
The recipes' tests (test/engines.test.ts) run GNU parallel and Dask over them and merge.

    /usr/bin/python3 scripts/make_engine_fixtures.py
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from make_metrics_fixtures import class_metrics

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "engines"
SHARDS = 12
C = 7


def main() -> None:
    (OUT / "logits").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261130)
    weight = rng.uniform(0.25, 3.0, C)
    np.save(OUT / "weight.npy", weight)
    xs, ys = [], []
    for i in range(SHARDS):
        n = int(rng.integers(3, 40))
        x = (rng.standard_normal((n, C)) * 3).astype(np.float32)
        y = rng.integers(0, C, n).astype(np.int64)
        y[rng.random(n) < 0.15] = -100
        np.save(OUT / "logits" / f"logits_{i}.npy", x)
        np.save(OUT / "logits" / f"labels_{i}.npy", y)
        xs.append(x)
        ys.append(y)
    x = torch.from_numpy(np.concatenate(xs)).double()
    y = torch.from_numpy(np.concatenate(ys))
    w = torch.from_numpy(weight)
    expected = {
        "shards": SHARDS,
        "mean": F.cross_entropy(x, y, weight=w).item(),
        "sum": F.cross_entropy(x, y, weight=w, reduction="sum").item(),
        "none": F.cross_entropy(x, y, weight=w, reduction="none").tolist(),
        "metrics": class_metrics(x, y, "logits", [5], 15, perplexity="weight"),
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
