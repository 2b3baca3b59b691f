"""Differential fixtures: seeded random loss configurations and what PyTorch makes of them.

Writes fixtures/differential.json:
  {"seed", "count", "configs": [...]}, each config
  {"name", "argv", "files", "loss"} or {"name", "argv", "files", "raised"}:
  - argv: losscalc's mode and flags, without file paths;
  - files: {"logits", "labels"[, "weight"][, "pos-weight"]}, each {"dtype", "shape", "data"}: the
    NPY file to write (numpy's dtype name, the shape, the values flat in C order, exact in that
    dtype; "NaN", "Infinity", "-Infinity" for non-finite values); the test writes them and passes
    "weight" as --weight and "pos-weight" as --pos-weight;
  - loss: PyTorch's float64 result (a number, or nested lists for reduction none), or
  - raised: the first line of the error PyTorch raised (losscalc must exit 2).

The first configurations are the corners named in the issue (fixed); the rest are drawn at
random, each from its own generator seeded with (SEED, index), so the first N of a longer run
are exactly the committed ones. Every mode, file dtype, shape, weight, ignore_index, label
smoothing and reduction is drawn; logits are sometimes non-finite. Last come --probs-count
configurations of cross-entropy --input probs|log-probs and binary-cross-entropy (their own
generators too): for --input, the expected value is make_fixtures.py's ce_on_log_probs on
torch.log(p) (F.nll_loss, with cross_entropy's smoothing split), refused where F.cross_entropy
refuses the same arguments, and where a probability is outside [0, 1].

Expected values come from torch in float64 on the values as stored; class indices are upcast to
int64 and bce targets to float64 first (torch 1.13 refuses int32 indices and integer targets
itself; losscalc takes them). `gather` is the manual path computed in torch:
-log_softmax(x, 1).gather(1, y), masked by ignore_index, then mean/sum.

    /usr/bin/python3 scripts/make_differential.py                       # the committed 1000
    /usr/bin/python3 scripts/make_differential.py --count 12000 --out /tmp/diff.json
    LOSSCALC_DIFFERENTIAL=/tmp/diff.json npx vitest run test/differential.test.ts
"""

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from make_fixtures import ce_on_log_probs

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "differential.json"
SEED = 9
IGN = -100

FLOATS = {"float64": np.float64, "float32": np.float32, "float16": np.float16}
INTS = {"int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8}


# ----------------------------------------------------------------------------- encoding


def number(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return 0  # -0.0 as 0: losscalc writes no negative zero either
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def array_json(a):
    a = np.asarray(a)
    data = [bool(v) for v in a.reshape(-1)] if a.dtype == np.bool_ else [number(v) for v in a.reshape(-1)]
    return {"dtype": a.dtype.name, "shape": list(a.shape), "data": data}


def result_json(t):
    assert t.dtype == torch.float64, t.dtype
    v = t.item() if t.dim() == 0 else t.tolist()

    def enc(x):
        return [enc(e) for e in x] if isinstance(x, list) else number(x)

    return enc(v)


def T(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def L(a):
    return torch.tensor(np.asarray(a).astype(np.int64))


# ------------------------------------------------------------------------ what torch says


def class_dim(x):
    return 0 if x.dim() == 1 else 1


def gather_path(x, y, ignore_index, reduction):
    cd = class_dim(x)
    mask = y != ignore_index
    ys = torch.where(mask, y, torch.zeros_like(y))
    picked = -F.log_softmax(x, cd).gather(cd, ys.unsqueeze(cd)).squeeze(cd)
    v = torch.where(mask, picked, torch.zeros((), dtype=torch.float64))
    if reduction == "mean":
        return v.sum() / mask.sum()
    return v.sum() if reduction == "sum" else v


def torch_result(cfg, arrays):
    """PyTorch's float64 loss for a configuration, from the arrays as stored."""
    mode = cfg["mode"]
    x = T(arrays["logits"])
    y = arrays["labels"]
    w = T(arrays["weight"]) if "weight" in arrays else None
    r = cfg["reduction"]
    ii = cfg["ignore_index"]
    if mode == "ce":
        target = L(y) if cfg["kind"] == "indices" else T(y)
        return F.cross_entropy(x, target, weight=w, ignore_index=ii, reduction=r,
                               label_smoothing=cfg["ls"])
    if mode == "nll":
        inp = F.log_softmax(x, class_dim(x)) if cfg["log_softmax"] else x
        return F.nll_loss(inp, L(y), weight=w, ignore_index=ii, reduction=r)
    if mode == "bce":
        pw = T(arrays["pos-weight"]) if "pos-weight" in arrays else None
        return F.binary_cross_entropy_with_logits(x, T(y), weight=w, pos_weight=pw, reduction=r)
    if mode == "bce-probs":
        return F.binary_cross_entropy(x, T(y), weight=w, reduction=r)
    if mode == "ce-input":
        return ce_input(x, L(y) if cfg["kind"] == "indices" else T(y), cfg["input"], w, ii, cfg["ls"], r)
    return gather_path(x, L(y), ii, r)


def ce_input(p, y, kind, weight, ignore_index, ls, reduction):
    """cross-entropy --input probs|log-probs: make_fixtures.py's ce_on_log_probs on log p, after
    the checks PyTorch makes (F.cross_entropy's on the same arguments decide what it refuses)."""
    if kind == "probs" and not bool(((p >= 0) & (p <= 1)).all()):
        raise ValueError("a probability outside [0, 1]: losscalc refuses it, as F.binary_cross_entropy does")
    lp = torch.log(p) if kind == "probs" else p
    F.cross_entropy(lp, y, weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=ls)
    return ce_on_log_probs(lp, y, weight, ignore_index, ls, reduction)


def argv_of(cfg):
    mode = {"ce": "cross-entropy", "nll": "nll", "bce": "bce-logits", "gather": "gather",
            "ce-input": "cross-entropy", "bce-probs": "binary-cross-entropy"}[cfg["mode"]]
    argv = [mode] + (["--input", cfg["input"]] if cfg["mode"] == "ce-input" else [])
    if cfg["reduction"] != "mean":
        argv += ["--reduction", cfg["reduction"]]
    if cfg["mode"] in ("ce", "nll", "gather", "ce-input") and cfg["ignore_index"] != IGN:
        argv += ["--ignore-index", str(cfg["ignore_index"])]
    if cfg["mode"] in ("ce", "ce-input") and cfg["ls"] != 0:
        argv += ["--label-smoothing", repr(cfg["ls"])]
    if cfg["mode"] == "nll" and cfg["log_softmax"]:
        argv += ["--log-softmax"]
    return argv


def stored(a, dtype):
    """The array as an NPY file of `dtype` holds it."""
    return np.asarray(a).astype(dtype)


def entry(name, cfg, arrays):
    """A fixture entry: the files, and PyTorch's result or the error it raised."""
    out = {"name": name, "argv": argv_of(cfg), "files": {k: array_json(v) for k, v in arrays.items()}}
    try:
        with np.errstate(all="ignore"):
            out["loss"] = result_json(torch_result(cfg, arrays))
    except (RuntimeError, ValueError, IndexError) as e:
        out["raised"] = str(e).splitlines()[0]
    return out


# ---------------------------------------------------------------------------- the corners


def corners():
    """The configurations the issue names, and their neighbours (other reductions, shapes)."""
    out = []

    def add(name, cfg, arrays):
        base = {"ignore_index": IGN, "ls": 0.0, "log_softmax": False, "kind": "indices"}
        out.append(entry("corner " + name, {**base, **cfg}, arrays))

    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    y = np.array([0, 0])
    for r in ("mean", "sum", "none"):
        add(f"ce smoothing, every contributing weight 0, {r}",
            {"mode": "ce", "reduction": r, "ls": 0.1},
            {"logits": x, "labels": y, "weight": np.array([0.0, 1.0, 1.0])})
        add(f"ce, every contributing weight 0, {r}", {"mode": "ce", "reduction": r},
            {"logits": x, "labels": y, "weight": np.array([0.0, 1.0, 1.0])})
    xk = np.random.default_rng([SEED, 0]).normal(0, 2, size=(2, 3, 2))
    yk = np.array([[0, 0], [0, 0]])
    add("ce smoothing, K-dim, every contributing weight 0, mean", {"mode": "ce", "reduction": "mean", "ls": 0.3},
        {"logits": xk, "labels": yk, "weight": np.array([0.0, 2.0, 1.0])})
    # smoothing's mean gathers weight[y] (1-D only), but an empty gather checks nothing
    for ii, what in ((0, "every target ignored"), (IGN, "a target counts")):
        add(f"ce smoothing, K-dim, weight (C, 1), {what}, mean",
            {"mode": "ce", "reduction": "mean", "ls": 0.3, "ignore_index": ii},
            {"logits": xk, "labels": yk, "weight": np.array([[0.5], [2.0], [1.0]])})

    xb = np.array([-np.inf, -np.inf])
    tb = np.array([1.5, -0.5])
    for r in ("mean", "sum", "none"):
        add(f"bce -inf logits, targets outside [0, 1], {r}", {"mode": "bce", "reduction": r},
            {"logits": xb, "labels": tb})
        add(f"bce -inf logits, targets outside [0, 1], pos_weight, {r}", {"mode": "bce", "reduction": r},
            {"logits": xb, "labels": tb, "pos-weight": np.array([2.0])})
    add("bce +-inf logits, targets 0, 1 and outside", {"mode": "bce", "reduction": "none"},
        {"logits": np.array([np.inf, np.inf, np.inf, -np.inf, -np.inf]), "labels": np.array([0.0, 1.0, 1.5, 0.0, 1.0])})
    # where the tail of log(1 + e^-|x|) is all that is left: PyTorch's own rounding
    add("bce large |x|, tail only, weighted", {"mode": "bce", "reduction": "none"},
        {"logits": np.array([-30.0, 30.0, -36.5, 20.0]), "labels": np.array([0.0, 1.0, 0.0, 1.0]),
         "weight": np.array([10.0, 10.0, 3.0, 100.0])})
    add("bce large |x|, tail only, pos_weight", {"mode": "bce", "reduction": "none"},
        {"logits": np.array([-30.0, 30.0, -36.5, 20.0]), "labels": np.array([0.0, 1.0, 0.0, 1.0]),
         "pos-weight": np.array([2.0])})

    rng = np.random.default_rng([SEED, 1])
    shapes = {"2-D": (3, 4), "K-dim": (2, 4, 3), "K-dim 2": (2, 4, 1, 2), "unbatched": (4,)}
    wshapes = {"(C,)": (4,), "(1, C)": (1, 4), "(C, 1)": (4, 1), "(1, 1, C)": (1, 1, 4)}
    for sname, shape in shapes.items():
        xs = rng.normal(0, 2, size=shape)
        ys = rng.integers(0, 4, size=shape[:1] + shape[2:] if len(shape) > 1 else ())
        ps = np.abs(rng.normal(0, 1, size=shape))
        ps = ps / ps.sum(axis=class_dim(torch.tensor(xs)), keepdims=True)
        for wname, wshape in wshapes.items():
            w = rng.integers(0, 9, size=wshape) / 4.0
            for r in ("mean", "sum", "none"):
                for mode, ls in (("nll", 0.0), ("ce", 0.0), ("ce", 0.2)):
                    add(f"{mode}{' smoothing' if ls else ''}, {sname} input, weight {wname}, {r}",
                        {"mode": mode, "reduction": r, "ls": ls}, {"logits": xs, "labels": ys, "weight": w})
                add(f"ce probabilities, {sname} input, weight {wname}, {r}",
                    {"mode": "ce", "reduction": r, "kind": "probabilities"}, {"logits": xs, "labels": ps, "weight": w})
    for sname, shape in {"2-D": (3, 1), "K-dim": (3, 1, 2), "unbatched": (1,)}.items():
        xs = rng.normal(0, 2, size=shape)
        ys = np.zeros(shape[:1] + shape[2:] if len(shape) > 1 else (), dtype=np.int64)
        for wname, w in {"()": np.array(0.5), "(1,)": np.array([0.5]), "(1, 1)": np.array([[0.5]])}.items():
            for r in ("mean", "sum"):
                for mode, ls in (("nll", 0.0), ("ce", 0.0), ("ce", 0.2)):
                    add(f"{mode}{' smoothing' if ls else ''}, C = 1, {sname} input, weight {wname}, {r}",
                        {"mode": mode, "reduction": r, "ls": ls}, {"logits": xs, "labels": ys, "weight": w})
    return out


# ------------------------------------------------------------------------- random configs


def pick(rng, options, p=None):
    return options[rng.choice(len(options), p=p)]


def random_config(index):
    rng = np.random.default_rng([SEED, 1000 + index])
    mode = pick(rng, ["ce", "ce", "nll", "bce", "gather"])
    kind = "indices"
    if mode == "ce" and rng.random() < 0.35:
        kind = "probabilities"
    cfg = {"mode": mode, "kind": kind, "reduction": pick(rng, ["mean", "sum", "none"]),
           "ignore_index": IGN, "ls": 0.0, "log_softmax": mode == "nll" and rng.random() < 0.5}
    name = [f"{index}", mode]

    # shape: unbatched (C), (N, C), (N, C, d1[, d2]); bce any rank, 0-d included
    C = int(rng.integers(1, 6)) if rng.random() < 0.9 else int(rng.integers(6, 21))
    rank = pick(rng, [1, 2, 2, 3, 4]) if mode != "bce" else pick(rng, [0, 1, 2, 2, 3])
    N = int(pick(rng, [0, 1, 2, 3, 4, 5], p=[0.02, 0.18, 0.2, 0.25, 0.2, 0.15]))
    if mode == "bce":
        shape = tuple(int(rng.integers(1, 5)) for _ in range(rank))
        if rank and rng.random() < 0.05:
            shape = (0,) + shape[1:]
    else:
        shape = (C,) if rank == 1 else (N, C) + tuple(int(rng.integers(1, 4)) for _ in range(rank - 2))
    name.append(str(shape).replace(" ", ""))

    # logits, sometimes non-finite, in the file's float dtype
    xdt = pick(rng, ["float64", "float64", "float32", "float16"])
    scale = pick(rng, [1e-3, 1.0, 3.0, 10.0, 40.0, 300.0, 1e4], p=[0.05, 0.3, 0.3, 0.15, 0.1, 0.05, 0.05])
    x = rng.normal(0, scale, size=shape)
    if mode == "nll" and not cfg["log_softmax"] and rng.random() < 0.5:
        x = torch.log_softmax(T(x), class_dim(T(x))).numpy() if x.ndim else x
    if x.size and rng.random() < 0.1:
        flat = x.reshape(-1)
        for _ in range(int(rng.integers(1, 3))):
            flat[rng.integers(0, flat.size)] = pick(rng, [np.nan, np.inf, -np.inf])
        name.append("nonfinite")
    with np.errstate(over="ignore"):
        arrays = {"logits": stored(x, FLOATS[xdt])}
    name.append(xdt)

    if mode == "bce":
        arrays.update(bce_targets(rng, shape, name))
    elif kind == "probabilities":
        arrays["labels"] = probabilities(rng, shape, name)
        if rng.random() < 0.1:
            cfg["ignore_index"] = int(rng.integers(0, C))
            name.append(f"ii={cfg['ignore_index']}")
    else:
        arrays["labels"] = class_indices(rng, cfg, shape, C, name)

    if mode in ("ce", "nll") and rng.random() < 0.5:
        arrays["weight"] = class_weights(rng, C, name)
    if mode == "bce":
        for key in ("weight", "pos-weight"):
            if rng.random() < 0.4:
                arrays[key] = broadcast_weight(rng, shape, key, name)
    if mode == "ce":
        u = rng.random()
        cfg["ls"] = 0.0 if u < 0.45 else 1.0 if u < 0.55 else float(np.round(rng.uniform(0, 1), 4)) or 0.5
        if cfg["ls"]:
            name.append(f"ls={cfg['ls']}")
    if cfg["log_softmax"]:
        name.append("log_softmax")
    name.append(cfg["reduction"])
    return entry(" ".join(name), cfg, arrays)


def random_probs_config(index):
    """cross-entropy --input probs|log-probs and binary-cross-entropy, drawn as random_config
    draws the others (their own generators, so the configurations before them never change):
    rows normalised or not, exact zeros, -inf log-probabilities, values outside [0, 1]."""
    rng = np.random.default_rng([SEED, 100000 + index])
    mode = pick(rng, ["ce-input", "ce-input", "bce-probs"])
    kind = "probabilities" if mode == "ce-input" and rng.random() < 0.3 else "indices"
    cfg = {"mode": mode, "kind": kind, "input": pick(rng, ["probs", "log-probs"]), "ls": 0.0,
           "reduction": pick(rng, ["mean", "sum", "none"]), "ignore_index": IGN}
    name = [f"p{index}", mode if mode == "bce-probs" else f"ce --input {cfg['input']}"]
    C = int(rng.integers(1, 6))
    if mode == "bce-probs":
        shape = tuple(int(rng.integers(1, 5)) for _ in range(int(pick(rng, [0, 1, 2, 2, 3]))))
    else:
        rank = pick(rng, [1, 2, 2, 3])
        shape = (C,) if rank == 1 else (int(rng.integers(1, 6)), C) + tuple(int(rng.integers(1, 4)) for _ in range(rank - 2))
    name.append(str(shape).replace(" ", ""))
    cd = 0 if len(shape) <= 1 else 1
    z = rng.normal(0, pick(rng, [0.5, 2.0, 8.0]), size=shape)
    if mode == "bce-probs":
        p = 1 / (1 + np.exp(-z))
    else:
        p = np.exp(z - z.max(axis=cd, keepdims=True))
        p = p / p.sum(axis=cd, keepdims=True)
    u = rng.random()
    if u < 0.15 and p.size:
        p.reshape(-1)[rng.random(p.size) < 0.3] = 0.0
        name.append("zeros")
    elif u < 0.25 and p.size:
        p.reshape(-1)[rng.random(p.size) < 0.3] = 1.0
        name.append("ones")
    elif u < 0.35:
        p = p * 0.9
        name.append("not normalised")
    elif u < 0.4 and p.size:
        p.reshape(-1)[rng.integers(0, p.size)] = pick(rng, [1.25, -0.5, np.nan])
        name.append("outside [0, 1]")
    if mode == "ce-input" and cfg["input"] == "log-probs":
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.log(p)
    dt = pick(rng, ["float64", "float64", "float32"])
    arrays = {"logits": stored(p, FLOATS[dt])}
    name.append(dt)
    if mode == "bce-probs":
        arrays.update(bce_targets(rng, shape, name))
        if rng.random() < 0.4:
            arrays["weight"] = broadcast_weight(rng, shape, "weight", name)
    else:
        if kind == "probabilities":
            arrays["labels"] = probabilities(rng, shape, name)
        else:
            arrays["labels"] = class_indices(rng, cfg, shape, C, name)
        if rng.random() < 0.5:
            arrays["weight"] = class_weights(rng, C, name)
        if rng.random() < 0.5:
            cfg["ls"] = float(np.round(rng.uniform(0, 1), 3)) or 0.5
            name.append(f"ls={cfg['ls']}")
    name.append(cfg["reduction"])
    return entry(" ".join(name), cfg, arrays)


def class_indices(rng, cfg, shape, C, name):
    out_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    y = rng.integers(0, C, size=out_shape).astype(np.int64)
    ydt = pick(rng, ["int64", "int64", "int32", "int16", "int8", "uint8", "float64", "float32"])
    signed = ydt not in ("uint8",)
    u = rng.random()
    if u < 0.25 and signed and y.size:
        flat = y.reshape(-1)  # some targets at the default ignore_index
        flat[rng.random(flat.size) < 0.4] = IGN
        name.append("some -100")
    elif u < 0.45:
        cfg["ignore_index"] = int(rng.integers(0, C))  # a real class, hitting some targets
        name.append(f"ii={cfg['ignore_index']}")
    elif u < 0.55 and y.size:
        cfg["ignore_index"] = int(rng.integers(0, C))  # every target ignored
        y[...] = cfg["ignore_index"]
        name.append("all ignored")
    elif u < 0.6:
        cfg["ignore_index"] = C + int(rng.integers(0, 3))  # a value no label has
        name.append(f"ii={cfg['ignore_index']}")
    if rng.random() < 0.03 and y.size:
        y.reshape(-1)[rng.integers(0, y.size)] = C + int(rng.integers(0, 2))  # out of range
        name.append("label out of range")
    name.append(ydt)
    return stored(y, np.dtype(ydt))


def probabilities(rng, shape, name):
    cd = 0 if len(shape) == 1 else 1
    u = rng.random()
    if u < 0.15:
        C = shape[cd]  # integer one-hot, read as probabilities
        hot = rng.integers(0, C, size=shape[:cd] + shape[cd + 1:])
        p = (np.expand_dims(hot, cd) == np.arange(C).reshape([-1 if d == cd else 1 for d in range(len(shape))]))
        name.append("one-hot int64")
        return p.astype(np.int64)
    z = rng.normal(0, 1.5, size=shape)
    p = np.exp(z - z.max(axis=cd, keepdims=True))
    p = p / p.sum(axis=cd, keepdims=True)
    dt = pick(rng, ["float64", "float32", "float16"])
    name.append(f"p {dt}")
    return stored(p, FLOATS[dt])


def bce_targets(rng, shape, name):
    u = rng.random()
    if u < 0.4:
        t, dt = rng.uniform(0, 1, size=shape), pick(rng, ["float64", "float32", "float16"])
    elif u < 0.7:
        t, dt = rng.integers(0, 2, size=shape), pick(rng, ["float64", "int64", "int32", "uint8", "bool"])
    else:
        t, dt = rng.uniform(-1, 2, size=shape), "float64"  # outside [0, 1]: computed, not refused
    name.append(f"t {dt}")
    return {"labels": stored(t, np.dtype(dt) if dt != "bool" else np.bool_)}


def class_weights(rng, C, name):
    u = rng.random()
    if u < 0.5:
        w, what = rng.uniform(0, 3, size=C), "w"
    elif u < 0.75:
        w = rng.uniform(0, 3, size=C)
        w[rng.random(C) < 0.5] = 0
        what = "w some 0"
    elif u < 0.85:
        w, what = np.zeros(C), "w all 0"
    else:
        w, what = rng.integers(0, 9, size=C) / 4.0, "w quarters"
    shape = pick(rng, [(C,)] * 8 + [(1, C), (C, 1), (), (C + 1,)])
    if shape == ():
        w = w[:1]
    elif shape == (C + 1,):
        w = np.append(w, 1.0)
    w = w.reshape(shape)
    name.append(f"{what} {shape}".replace(" ", "") if shape != (C,) else what.replace(" ", ""))
    return stored(w, pick(rng, [np.float64, np.float64, np.float32]))


def broadcast_weight(rng, shape, key, name):
    """A weight or pos_weight for bce: shapes that broadcast to the input, and some that do not."""
    options = [(), (1,)]
    if shape:
        options += [shape[-1:], shape, (1,) * len(shape)]
        if len(shape) >= 2:
            options += [(shape[-2], 1), (1,) + shape[1:]]
        options += [(shape[-1] + 1,), (1,) + shape]
    wshape = options[rng.integers(0, len(options))]
    w = rng.uniform(0, 3, size=wshape)
    if rng.random() < 0.2 and w.size:
        w.reshape(-1)[rng.integers(0, w.size)] = 0
    name.append(f"{key}{wshape}".replace(" ", ""))
    return stored(w, pick(rng, [np.float64, np.float64, np.float32]))


# ----------------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="random configurations (after the corners)")
    ap.add_argument("--probs-count", type=int, default=300,
                    help="random configurations of --input probs|log-probs and binary-cross-entropy (last)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    configs = corners() + [random_config(i) for i in range(args.count)]
    configs += [random_probs_config(i) for i in range(args.probs_count)]
    names = [c["name"] for c in configs]
    assert len(set(names)) == len(names)
    # one configuration a line, so a change shows as the lines it touches
    lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in configs]
    text = f'{{"seed":{SEED},"count":{args.count},"configs":[\n' + ",\n".join(lines) + "\n]}"
    args.out.write_text(text + "\n")
    raised = sum("raised" in c for c in configs)
    print(f"{len(configs)} configurations ({raised} raised in PyTorch), {args.out} {len(text) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
