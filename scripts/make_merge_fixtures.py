"""Generate the fixtures of `losscalc merge` from real PyTorch.

Writes (relative to the repository root):
  fixtures/merge/<case>/   the shards' input files (NPY)
  fixtures/merge.json      a JSON array of {"name", "shards", "expected", "note"} and optionally
                           "groups" and "stdin": each shard is losscalc's argv (paths relative
                           to fixtures/), run with --json; the results are merged with
                           `losscalc merge`, as files, or as JSON lines on standard input when
                           "stdin" is true, or first merged per group (lists of shard indices)
                           and the groups' results merged again when "groups" is given.
                           expected is {"loss", "count"}: PyTorch's loss of one run over the
                           union of the shards (non-finite numbers as "NaN", "Infinity").

Each case is an honest merge that losscalc must accept and get right: NaN and infinite
losses, class weights (also negative ones), ignored targets, label smoothing, class
probabilities, unbatched shards, and shards whose labels happen to be the same file.

    /usr/bin/python3 scripts/make_merge_fixtures.py

Deterministic; wipes and rewrites fixtures/merge/. Needs torch and numpy (torch 1.13,
numpy 1.24 on Debian: `apt-get install python3-torch`).
"""

import json
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import make_fixtures as fixtures
from make_fixtures import L, T, jsonable, red_argv, rng_for

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = FIXTURES / "merge"
CASES = []

torch.set_default_dtype(torch.float64)


def write_npy(name, fname, arr):
    """np.save under OUT/name, then load back: returns (argv path, the array as stored)."""
    return fixtures.write_npy(name, fname, arr, under=OUT)


def add(name, shards, loss, count, note, **extra):
    assert name not in {c["name"] for c in CASES}, name
    value = loss.item() if loss.dim() == 0 else loss.tolist()
    CASES.append({"name": name, "shards": shards, **extra,
                  "expected": {"loss": jsonable(value), "count": int(count)}, "note": note})


def shards_of(name, xs, ys, argv):
    """Writes shard i as logits_i.npy / labels_i.npy; returns each shard's argv."""
    return fixtures.shard_argvs(name, xs, ys, argv, OUT)


def nan_and_inf_cases():
    # cross-entropy with weights and ignored targets; shard 1 holds a NaN logit (a NaN loss),
    # shard 2 a +inf logit (log_softmax of it is NaN): every reduction of the union is NaN
    for r in ("mean", "sum", "none"):
        n = f"ce_nan_weight_ignore_{r}"
        rng = rng_for("ce_nan_weight_ignore")
        xs = [rng.normal(0, 2, size=(m, 4)) for m in (3, 4, 2)]
        ys = [rng.integers(0, 4, size=m) for m in (3, 4, 2)]
        ys[0][1] = -100
        ys[1][3] = -100
        xs[1][2, 1] = np.nan
        xs[2][0, 3] = np.inf
        shards = shards_of(n, xs, ys, ["ce", "--weight", "0.5,2,1,3"] + red_argv(r))
        x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
        got = F.cross_entropy(x, y, weight=T([0.5, 2, 1, 3]), reduction=r)
        add(n, shards, got, int((y != -100).sum()),
            f"3 cross-entropy shards with weights and -100 targets, a NaN logit in shard 1 and "
            f"+inf in shard 2: the union's {r} (NaN)")

    # nll on log-probabilities: -inf at a target gives a +inf loss, which survives every reduction
    for r in ("mean", "sum", "none"):
        n = f"nll_inf_{r}"
        rng = rng_for("nll_inf")
        xs = [np.log(rng.dirichlet(np.ones(3), size=m)) for m in (2, 3)]
        ys = [rng.integers(0, 3, size=m) for m in (2, 3)]
        xs[1][1, ys[1][1]] = -np.inf
        shards = shards_of(n, xs, ys, ["nll"] + red_argv(r))
        x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
        add(n, shards, F.nll_loss(x, y, reduction=r), y.numel(),
            f"2 nll shards, one with log-probability -inf at its target (loss +inf): the union's {r}")


def weight_cases():
    n = "ce_negative_weight_mean"
    rng = rng_for(n)
    xs = [rng.normal(0, 2, size=(m, 3)) for m in (4, 3)]
    ys = [rng.integers(0, 3, size=m) for m in (4, 3)]
    shards = shards_of(n, xs, ys, ["ce", "--weight", "-1,2,0.5", "--label-smoothing", "0.1"])
    x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
    add(n, shards, F.cross_entropy(x, y, weight=T([-1, 2, 0.5]), label_smoothing=0.1), y.numel(),
        "class weights with a negative one (PyTorch accepts them) and label smoothing: an honest "
        "part whose weightSum may be below 0")

    for r in ("mean", "none"):
        n = f"ce_probabilities_weight_{r}"
        rng = rng_for("ce_probabilities_weight")
        xs = [rng.normal(0, 2, size=(m, 3, 2)) for m in (2, 3)]
        ps = []
        for m in (2, 3):
            e = np.exp(rng.normal(0, 1.5, size=(m, 3, 2)))
            ps.append(e / e.sum(axis=1, keepdims=True))
        shards = shards_of(n, xs, ps, ["ce", "--weight", "2,3,4", "--label-smoothing", "0.2"] + red_argv(r))
        x, p = T(np.concatenate(xs)), T(np.concatenate(ps))
        got = F.cross_entropy(x, p, weight=T([2, 3, 4]), label_smoothing=0.2, reduction=r)
        add(n, shards, got, x.shape[0] * x.shape[2],
            f"K-dim class-probability shards with class weights all above 1 (the mean divides by "
            f"the element count, not by the weights); reduction {r}")

    n = "bce_pos_weight_none"
    rng = rng_for(n)
    xs = [rng.normal(0, 2, size=(m, 3)) for m in (1, 4)]
    ts = [rng.uniform(0, 1, size=(m, 3)) for m in (1, 4)]
    shards = shards_of(n, xs, ts, ["bce", "--pos-weight", "3,1,0.5", "--weight", "2", "--reduction", "none"])
    x, t = T(np.concatenate(xs)), T(np.concatenate(ts))
    got = F.binary_cross_entropy_with_logits(x, t, weight=T([2.0]), pos_weight=T([3, 1, 0.5]), reduction="none")
    add(n, shards, got, x.numel(), "bce-logits shards with weight and pos_weight, reduction none")


def shape_cases():
    # unbatched shards: logits (C,) and a 0-d class index each; merged they are rows of a batch
    for r in ("mean", "none"):
        n = f"ce_unbatched_{r}"
        rng = rng_for("ce_unbatched")
        xs = [rng.normal(0, 2, size=4) for _ in range(3)]
        ys = [np.array(rng.integers(0, 4), dtype=np.int64) for _ in range(3)]
        shards = shards_of(n, xs, ys, ["ce"] + red_argv(r))
        x, y = T(np.stack(xs)), L(np.stack(ys))
        add(n, shards, F.cross_entropy(x, y, reduction=r), 3,
            f"3 unbatched shards ((4,) logits, 0-d labels) merged as the rows of a (3, 4) batch; {r}")

    # an unbatched shard and a batched one: the unbatched one is one row
    n = "ce_unbatched_and_batched_none"
    rng = rng_for(n)
    xs = [rng.normal(0, 2, size=4), rng.normal(0, 2, size=(3, 4))]
    ys = [np.array(2, dtype=np.int64), rng.integers(0, 4, size=3)]
    shards = shards_of(n, xs, ys, ["ce", "--reduction", "none"])
    x, y = T(np.concatenate([xs[0][None], xs[1]])), L(np.concatenate([ys[0][None], ys[1]]))
    add(n, shards, F.cross_entropy(x, y, reduction="none"), 4,
        "an unbatched shard ((4,) logits) then a (3, 4) one, reduction none: the union is (4,)")

    # two shards whose labels files are byte for byte the same (a coincidence, not a repeat)
    n = "ce_same_labels_mean"
    rng = rng_for(n)
    xs = [rng.normal(0, 2, size=(3, 3)) for _ in range(2)]
    ys = [np.array([0, 2, 1]), np.array([0, 2, 1])]
    shards = shards_of(n, xs, ys, ["ce"])
    x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
    add(n, shards, F.cross_entropy(x, y), 6, "2 shards with equal labels files and different logits")


def route_cases():
    # the same four shards merged as JSON lines on stdin, and as a merge of two merges
    for route in ("stdin", "groups"):
        for r in ("mean", "sum"):
            n = f"nll_logsoftmax_{route}_{r}"
            rng = rng_for("nll_logsoftmax_route")
            sizes = (2, 5, 1, 3)
            xs = [rng.normal(0, 2, size=(m, 5)) for m in sizes]
            ys = [rng.integers(0, 5, size=m) for m in sizes]
            ys[1][0] = 1
            ys[3][2] = 1
            shards = shards_of(n, xs, ys, ["nll", "--log-softmax", "--ignore-index", "1",
                                           "--weight", "1,0.25,2,1.5,3"] + red_argv(r))
            x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
            got = F.nll_loss(F.log_softmax(x, 1), y, weight=T([1, 0.25, 2, 1.5, 3]), ignore_index=1, reduction=r)
            extra = {"stdin": True} if route == "stdin" else {"groups": [[0, 1], [2, 3]]}
            how = "as JSON lines on standard input" if route == "stdin" else "as two merges merged again"
            add(n, shards, got, int((y != 1).sum()),
                f"4 nll --log-softmax shards (ignore_index 1, weights) merged {how}; {r}", **extra)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    nan_and_inf_cases()
    weight_cases()
    shape_cases()
    route_cases()
    (FIXTURES / "merge.json").write_text(json.dumps(CASES, indent=1, allow_nan=False) + "\n")
    print(f"{len(CASES)} merge cases")


if __name__ == "__main__":
    main()
