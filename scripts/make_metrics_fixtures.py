"""Generate the fixtures of `--metrics` from real PyTorch.

Writes (relative to the repository root):
  fixtures/metrics/<case>/    the inputs of every case (NPY)
  fixtures/metrics.json       {"cases": [...], "merges": [...], "edges": {...}}:
    cases   {"name", "argv", "expected", "note"}: argv is losscalc's command line (paths
            relative to fixtures/), run with --json; expected holds the metrics of one run:
            "count", "accuracy", "topkAccuracy" ({k: value}), "perplexity" (null when skipped),
            "skipped" (the names of the metrics skipped), "ece", "mce", "brier", "entropy",
            and the exact counts "hits", "topkHits", "binCount" (bins + 1 entries).
    merges  {"name", "shards", "expected", "note"}: each shard an argv as above; expected
            is the metrics of one run over the union of the shards.
    edges   {bins: torch.linspace(0, 1, bins + 1, dtype=torch.float32) as float64}.
  Non-finite numbers are written as "NaN", "Infinity", "-Infinity".

The metrics are those of torchmetrics (not on Debian), written here with torch ops in float64
from its source (github.com/Lightning-AI/torchmetrics, src/torchmetrics/functional/classification/):
  - accuracy.py, multiclass_accuracy(top_k=1, average="micro"): mean of argmax(preds) == target
    over the targets not equal to ignore_index; binary_accuracy: (sigmoid(x) or p) > 0.5
    against the target, element by element (targets > 0.5 positive, as losscalc documents).
  - calibration_error.py, _multiclass_calibration_error_update / _binning_bucketize /
    _ce_compute: confidence = max softmax probability, accuracy = (argmax == target); bins
    from torch.linspace(0, 1, n_bins + 1) in float32 (torchmetrics makes them in the dtype of
    the confidences, which it casts to float32; here the confidences stay float64, as losscalc
    keeps them), bin = bucketize(conf, edges, right=True) - 1, ECE = sum |acc_bin - conf_bin|
    * prop_bin (norm "l1"), MCE = max |acc_bin - conf_bin| (norm "max"); binary: confidence =
    p(positive), accuracy = the target.
The others follow the issue's definitions: top-k accuracy by rank count (the label is a hit
when at most k classes, itself included, have a score >= its score; NaN ranks above all),
perplexity = exp(F.cross_entropy / F.nll_loss mean), Brier = mean over samples of
sum_c (p_c - q_c)^2 (q one-hot or the probability targets; binary (p - t)^2), entropy = mean of
sum_c entr(p_c) (binary: entr(p) + entr(1 - p), with 1 - p = sigmoid(-x) for logits).

    /usr/bin/python3 scripts/make_metrics_fixtures.py

Deterministic; wipes and rewrites fixtures/metrics/ and fixtures/metrics.json. Needs torch and
numpy (torch 1.13, numpy 1.24 on Debian: `apt-get install python3-torch`).
"""

import json
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import make_fixtures as fixtures
from make_fixtures import L, T, jsonable, rng_for

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = FIXTURES / "metrics"
CASES = []
MERGES = []
IGN = -100

torch.set_default_dtype(torch.float64)


def write_npy(name, fname, arr):
    """np.save under OUT/name, then load back: returns (argv path, the array as stored)."""
    return fixtures.write_npy(name, fname, arr, under=OUT)


def edges(bins):
    return torch.linspace(0, 1, bins + 1, dtype=torch.float32).double()


def calibration(conf, acc, bins):
    """torchmetrics' _binning_bucketize and _ce_compute (norms l1 and max), in float64."""
    e = edges(bins)
    idx = torch.bucketize(conf, e, right=True) - 1
    count = torch.zeros(bins + 1).scatter_add_(0, idx, torch.ones_like(conf))
    conf_bin = torch.nan_to_num(torch.zeros(bins + 1).scatter_add_(0, idx, conf) / count)
    acc_bin = torch.nan_to_num(torch.zeros(bins + 1).scatter_add_(0, idx, acc) / count)
    prop = count / count.sum()
    gap = torch.abs(acc_bin - conf_bin)
    return torch.sum(gap * prop).item(), torch.max(gap).item(), [int(c) for c in count.tolist()]


def label_rank(x, y):
    """How many classes score >= the label's score, itself included; NaN ranks above all."""
    xy = x.gather(1, y[:, None])
    ge = (x >= xy) | torch.isnan(x)
    ge = torch.where(torch.isnan(xy), torch.isnan(x), ge)
    return ge.sum(1)


def class_metrics(x, target, kind, topk, bins, cd=1, ignore_index=IGN, perplexity=None):
    """The metrics of class-dim predictions x (logits, probs or log-probs) and class-index or
    probability targets, every position of the class dim `cd` a sample."""
    C = x.shape[cd]
    rows = x.movedim(cd, -1).reshape(-1, C)
    if target.shape == x.shape:
        q = target.movedim(cd, -1).reshape(-1, C)
        y = q.argmax(1)
    else:
        y = target.reshape(-1)
        keep = y != ignore_index
        rows, y = rows[keep], y[keep]
        q = F.one_hot(y, C).double()
    p = {"logits": lambda: torch.softmax(rows, 1), "log-probs": lambda: rows.exp(), "probs": lambda: rows}[kind]()
    correct = (rows.argmax(1) == y).double()
    conf = p.max(1).values
    ece, mce, count = calibration(conf, correct, bins)
    rank = label_rank(rows, y)
    n = y.numel()
    out = {
        "count": n,
        "accuracy": correct.mean().item(),
        "hits": int(correct.sum().item()),
        "topkAccuracy": {str(k): (rank <= k).double().mean().item() for k in topk},
        "topkHits": {str(k): int((rank <= k).sum().item()) for k in topk},
        "ece": ece,
        "mce": mce,
        "binCount": count,
        "brier": ((p - q) ** 2).sum(1).mean().item(),
        "entropy": torch.special.entr(p).sum(1).mean().item(),
    }
    return with_perplexity(out, perplexity)


def binary_metrics(x, t, probabilities, bins, perplexity_note):
    x, t = x.reshape(-1), t.reshape(-1)
    p = x if probabilities else torch.sigmoid(x)
    q = 1 - x if probabilities else torch.sigmoid(-x)
    correct = ((p > 0.5) == (t > 0.5)).double()
    ece, mce, count = calibration(p, t, bins)
    out = {
        "count": x.numel(),
        "accuracy": correct.mean().item(),
        "hits": int(correct.sum().item()),
        "topkAccuracy": {},
        "topkHits": {},
        "ece": ece,
        "mce": mce,
        "binCount": count,
        "brier": ((p - t) ** 2).mean().item(),
        "entropy": (torch.special.entr(p) + torch.special.entr(q)).mean().item(),
    }
    return with_perplexity(out, perplexity_note)


def with_perplexity(out, perplexity):
    """perplexity: the mean loss (a tensor) it is exp of, or the name of why it is skipped."""
    if isinstance(perplexity, str):
        out["perplexity"], out["skipped"] = None, ["perplexity"]
    else:
        out["perplexity"], out["skipped"] = torch.exp(perplexity).item(), []
    return out


def add(name, argv, expected, note):
    assert name not in {c["name"] for c in CASES}, name
    CASES.append({"name": name, "argv": argv, "expected": jsonable(expected), "note": note})


def topk_argv(ks):
    return [a for k in ks for a in ("--topk", str(k))]


def softmax_np(x, axis=1):
    return torch.softmax(torch.tensor(x), axis).numpy()


def class_cases():
    # class indices, (N, C), float32 logits (read back as stored), three ks and the default bins
    n = "ce_index"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 2, size=(64, 10)).astype(np.float32))
    yp, y = write_npy(n, "labels.npy", rng.integers(0, 10, size=64))
    add(n, ["ce", xp, yp, "--metrics"] + topk_argv([1, 3, 5]),
        class_metrics(T(x), L(y), "logits", [1, 3, 5], 15, perplexity=F.cross_entropy(T(x), L(y))),
        "class indices (N, C) float32, --topk 1 3 5")
    # the same with no --topk (C = 10 > 5: top-5 by default), 10 bins, reduction sum (perplexity is of the mean)
    add(n + "_defaults_bins10_sum", ["ce", xp, yp, "--metrics", "--bins", "10", "--reduction", "sum"],
        class_metrics(T(x), L(y), "logits", [5], 10, perplexity=F.cross_entropy(T(x), L(y))),
        "default top-5, --bins 10, reduction sum")
    add(n + "_bins7_topk_only", ["ce", xp, yp, "--topk", "2", "--bins", "7", "--top", "3"],
        class_metrics(T(x), L(y), "logits", [2], 7, perplexity=F.cross_entropy(T(x), L(y))),
        "--topk alone turns --metrics on; with --top the breakdown's pass feeds them")

    # probability targets
    n = "ce_prob_targets"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 1.5, size=(40, 7)))
    tp, t = write_npy(n, "targets.npy", softmax_np(rng.normal(0, 2, size=(40, 7))))
    add(n, ["ce", xp, tp, "--metrics"],
        class_metrics(T(x), T(t), "logits", [5], 15, perplexity="probability targets"),
        "probability targets: the label is their argmax, Brier against q, perplexity skipped")

    # K-dim (N, C, d1, d2) with ignored targets, and another ignore_index
    n = "ce_kdim_ignore"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 2, size=(4, 6, 3, 5)))
    y = rng.integers(0, 6, size=(4, 3, 5))
    y[rng.random(size=y.shape) < 0.2] = IGN
    yp, y = write_npy(n, "labels.npy", y)
    add(n, ["ce", xp, yp, "--metrics", "--topk", "2"],
        class_metrics(T(x), L(y), "logits", [2], 15, perplexity=F.cross_entropy(T(x), L(y))),
        "K-dim (N, C, d1, d2), ignored targets never count")
    y2 = np.where(y == IGN, 3, y)
    y2p, y2 = write_npy(n, "labels_ignore3.npy", y2)
    add(n + "_index3", ["ce", xp, y2p, "--metrics", "--ignore-index", "3"],
        class_metrics(T(x), L(y2), "logits", [5], 15, ignore_index=3, perplexity=F.cross_entropy(T(x), L(y2), ignore_index=3)),
        "K-dim with --ignore-index 3")

    # (B, T, V) with --class-dim -1
    n = "ce_lastdim"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 2, size=(3, 5, 8)))
    yp, y = write_npy(n, "labels.npy", rng.integers(0, 8, size=(3, 5)))
    add(n, ["ce", xp, yp, "--metrics", "--class-dim", "-1"],
        class_metrics(T(x), L(y), "logits", [5], 15, cd=-1, perplexity=F.cross_entropy(T(x).movedim(-1, 1), L(y))),
        "(B, T, V) logits with --class-dim -1")

    # nll on log-probabilities, nll --log-softmax on logits
    n = "nll_logprobs"
    rng = rng_for(n)
    raw = rng.normal(0, 2, size=(30, 8))
    lpp, lp = write_npy(n, "logprobs.npy", torch.log_softmax(torch.tensor(raw), 1).numpy())
    yp, y = write_npy(n, "labels.npy", rng.integers(0, 8, size=30))
    add(n, ["nll", lpp, yp, "--metrics", "--topk", "3"],
        class_metrics(T(lp), L(y), "log-probs", [3], 15, perplexity=F.nll_loss(T(lp), L(y))),
        "nll on log-probabilities")
    xp, x = write_npy(n, "logits.npy", raw)
    add(n + "_log_softmax", ["nll", xp, yp, "--log-softmax", "--metrics"],
        class_metrics(T(x), L(y), "logits", [5], 15, perplexity=F.nll_loss(torch.log_softmax(T(x), 1), L(y))),
        "nll --log-softmax on logits")

    # --input probs and --input log-probs
    n = "ce_input_probs"
    rng = rng_for(n)
    pp, p = write_npy(n, "probs.npy", softmax_np(rng.normal(0, 2, size=(36, 9))))
    yp, y = write_npy(n, "labels.npy", rng.integers(0, 9, size=36))
    add(n, ["ce", pp, yp, "--input", "probs", "--metrics"],
        class_metrics(T(p), L(y), "probs", [5], 15, perplexity=F.nll_loss(torch.log(T(p)), L(y))),
        "--input probs")
    lpp, lp = write_npy(n, "logprobs.npy", np.log(p))
    add(n + "_log", ["ce", lpp, yp, "--input", "log-probs", "--metrics"],
        class_metrics(T(lp), L(y), "log-probs", [5], 15, perplexity=F.nll_loss(T(lp), L(y))),
        "--input log-probs")

    # gather
    n = "gather"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 2, size=(25, 6)))
    y = rng.integers(0, 6, size=25)
    y[[3, 11]] = IGN
    yp, y = write_npy(n, "labels.npy", y)
    add(n, ["gather", xp, yp, "--metrics"],
        class_metrics(T(x), L(y), "logits", [5], 15, perplexity=F.cross_entropy(T(x), L(y))),
        "gather with ignored targets")

    # skipped perplexity: class weights, label smoothing
    n = "ce_weight_smoothing"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 2, size=(20, 6)))
    yp, y = write_npy(n, "labels.npy", rng.integers(0, 6, size=20))
    add(n, ["ce", xp, yp, "--metrics", "--weight", "1,2,0.5,1,3,1"],
        class_metrics(T(x), L(y), "logits", [5], 15, perplexity="weight"), "class weights: perplexity skipped")
    add(n + "_ls", ["ce", xp, yp, "--metrics", "--label-smoothing", "0.1"],
        class_metrics(T(x), L(y), "logits", [5], 15, perplexity="label smoothing"), "label smoothing: perplexity skipped")

    # C <= 5: no default top-k
    n = "ce_c4"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 2, size=(20, 4)))
    yp, y = write_npy(n, "labels.npy", rng.integers(0, 4, size=20))
    add(n, ["ce", xp, yp, "--metrics"],
        class_metrics(T(x), L(y), "logits", [], 15, perplexity=F.cross_entropy(T(x), L(y))), "C = 4: no top-k unless asked")


def edge_cases():
    # ties: integer logits, many equal; the tie rule decides top-k
    n = "ties"
    rng = rng_for(n)
    x = rng.integers(0, 3, size=(50, 6)).astype(np.float64)
    x[0] = [2, 2, 2, 2, 2, 2]
    x[1] = [1, 2, 2, 0, 0, 0]
    xp, x = write_npy(n, "logits.npy", x)
    y = rng.integers(0, 6, size=50)
    y[0], y[1] = 4, 1
    yp, y = write_npy(n, "labels.npy", y)
    add(n, ["ce", xp, yp, "--metrics"] + topk_argv([1, 2, 3, 5]),
        class_metrics(T(x), L(y), "logits", [1, 2, 3, 5], 15, perplexity=F.cross_entropy(T(x), L(y))),
        "ties at the k-th place: a hit only when the label beats the (k+1)-th")

    # saturated softmax: confidence exactly 1.0, in the bin past the last edge
    n = "saturated"
    rng = rng_for(n)
    x = rng.normal(0, 1, size=(20, 6))
    x[:8, 0] = 60.0
    xp, x = write_npy(n, "logits.npy", x)
    y = rng.integers(0, 6, size=20)
    y[:4] = 0
    yp, y = write_npy(n, "labels.npy", y)
    exp = class_metrics(T(x), L(y), "logits", [5], 15, perplexity=F.cross_entropy(T(x), L(y)))
    assert exp["binCount"][15] == 8, exp["binCount"]
    add(n, ["ce", xp, yp, "--metrics"], exp, "saturated softmax: confidence 1.0 has a bin of its own")

    # confidences exactly on float32 bin edges (--input probs), and just below them
    for bins in (15, 10):
        n = f"on_edges_{bins}"
        e = edges(bins).numpy()
        tops = [v for v in e if 0.4 <= v < 1.0]
        rows = []
        for v in tops:
            for top in (v, np.nextafter(v, 0)):
                rows.append([top, (1 - top) / 2, (1 - top) / 2])
        rows.append([1.0, 0.0, 0.0])
        pp, p = write_npy(n, "probs.npy", np.array(rows))
        rng = rng_for(n)
        yp, y = write_npy(n, "labels.npy", rng.integers(0, 3, size=len(rows)))
        exp = class_metrics(T(p), L(y), "probs", [], bins, perplexity=F.nll_loss(torch.log(T(p)), L(y)))
        add(n, ["ce", pp, yp, "--input", "probs", "--metrics", "--bins", str(bins)], exp,
            f"confidences exactly on the float32 edges of {bins} bins, and one ulp below")

    # a NaN logit: NaN ranks above every class, and its confidence (NaN) goes past the last edge
    n = "nan_logit"
    rng = rng_for(n)
    x = rng.normal(0, 2, size=(12, 6))
    x[2, 3] = np.nan
    x[5, 1] = np.nan
    xp, x = write_npy(n, "logits.npy", x)
    y = rng.integers(0, 6, size=12)
    y[2] = 3
    yp, y = write_npy(n, "labels.npy", y)
    add(n, ["ce", xp, yp, "--metrics", "--topk", "1", "--topk", "2"],
        class_metrics(T(x), L(y), "logits", [1, 2], 15, perplexity=F.cross_entropy(T(x), L(y))),
        "NaN logits: ranked first, and NaN metrics where they enter")


def binary_cases():
    n = "bce_logits"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", rng.normal(0, 3, size=(30, 4)))
    t = (rng.random(size=(30, 4)) < 0.4).astype(np.float64)
    t[0, :] = [0.3, 0.5, 0.7, 1.0]
    tp, t = write_npy(n, "targets.npy", t)
    add(n, ["bce", xp, tp, "--metrics"],
        binary_metrics(T(x), T(t), False, 15, "binary"), "bce-logits, element-wise, a few soft targets")
    add(n + "_bins5", ["bce", xp, tp, "--metrics", "--bins", "5", "--top", "2"],
        binary_metrics(T(x), T(t), False, 5, "binary"), "bce-logits, 5 bins, with the breakdown")

    n = "bce_probs"
    rng = rng_for(n)
    p = 1 / (1 + np.exp(-rng.normal(0, 2, size=(40,))))
    p[:3] = [0.0, 1.0, 0.5]
    pp, p = write_npy(n, "probs.npy", p)
    tp, t = write_npy(n, "targets.npy", (rng.random(size=40) < 0.5).astype(np.float64))
    add(n, ["binary-cross-entropy", pp, tp, "--metrics"],
        binary_metrics(T(p), T(t), True, 15, "binary"), "binary-cross-entropy on probabilities, 0, 1 and 0.5 among them")


def merge_cases():
    """Shards whose merged metrics must equal one run over the union."""
    def shards(name, xs, ys, argv):
        return fixtures.shard_argvs(name, xs, ys, argv, OUT)

    n = "merge_weight_ignore"
    rng = rng_for(n)
    xs = [rng.normal(0, 2, size=(m, 7)) for m in (13, 9, 20)]
    ys = [rng.integers(0, 7, size=m) for m in (13, 9, 20)]
    ys[0][[1, 5]] = IGN
    ys[2][[0, 7, 8]] = IGN
    argv = ["ce", "--weight", "1,2,0.5,1,3,1,2", "--metrics", "--topk", "2", "--topk", "5"]
    x, y = torch.cat([T(a) for a in xs]), torch.cat([L(a) for a in ys])
    MERGES.append({"name": n, "shards": shards(n, xs, ys, argv),
                   "expected": jsonable(class_metrics(x, y, "logits", [2, 5], 15, perplexity="weight")),
                   "note": "class weights and ignored targets: perplexity skipped in every part and merged"})

    n = "merge_perplexity"
    rng = rng_for(n)
    xs = [rng.normal(0, 2, size=(m, 8)) for m in (10, 17, 6)]
    ys = [rng.integers(0, 8, size=m) for m in (10, 17, 6)]
    ys[1][4] = IGN
    x, y = torch.cat([T(a) for a in xs]), torch.cat([L(a) for a in ys])
    MERGES.append({"name": n, "shards": shards(n, xs, ys, ["ce", "--metrics", "--bins", "10", "--top", "2"]),
                   "expected": jsonable(class_metrics(x, y, "logits", [5], 10, perplexity=F.cross_entropy(x, y))),
                   "note": "perplexity from the merged sums; 10 bins; parts with and without perSample alike"})

    n = "merge_bce"
    rng = rng_for(n)
    xs = [rng.normal(0, 3, size=(m, 3)) for m in (8, 11)]
    ys = [(rng.random(size=(m, 3)) < 0.5).astype(np.float64) for m in (8, 11)]
    x, t = torch.cat([T(a) for a in xs]), torch.cat([T(a) for a in ys])
    MERGES.append({"name": n, "shards": shards(n, xs, ys, ["bce", "--metrics"]),
                   "expected": jsonable(binary_metrics(x, t, False, 15, "binary")), "note": "bce-logits shards"})


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    class_cases()
    edge_cases()
    binary_cases()
    merge_cases()
    bins = list(range(1, 101)) + [127, 128, 255, 256, 500, 999, 1000]
    out = {"cases": CASES, "merges": MERGES, "edges": {str(b): edges(b).tolist() for b in bins}}
    (FIXTURES / "metrics.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(CASES)} cases, {len(MERGES)} merges")


if __name__ == "__main__":
    main()
