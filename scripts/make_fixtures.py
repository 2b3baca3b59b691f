"""Generate losscalc's test fixtures from real PyTorch.

Writes (relative to the repository root):
  fixtures/losses/<case>/   input files of every case (logits, labels, weight, pos_weight),
                            in the format the case exercises (.npy, .csv, .json)
  fixtures/cases.json       a JSON array of {"name", "argv", "expected", "note"}; argv is
                            losscalc's command line (paths relative to fixtures/), expected is
                            {"loss": number | nested list, "count": int} or, for check mode,
                            {"losses": {path name: number}}. Non-finite numbers are written as
                            the strings "NaN", "Infinity", "-Infinity". Cases whose argv has
                            `--top k` (named top_*) also expect "worst" (the k largest unreduced
                            losses, NaN largest, ties by lower flat index, ignored targets left
                            out: {"index", "label", "predicted", "probability", "loss"}) and
                            "perClass" ({"class", "count", "meanLoss", "accuracy"}).
  fixtures/example/         logits.csv / labels.csv, the small demo used by `npm start`
  fixtures/compare/         pairs of arrays <case>_a.<ext> / <case>_b.<ext> (NPY f8/f4, CSV, JSON)
  fixtures/compare.json     a JSON array of {"name", "argv", "expected", "exit", "note"} for
                            `losscalc compare a b [--rtol] [--atol] [--equal-nan]`: expected is
                            {"ok", "count" (elements), "mismatches" (torch.isclose False),
                            "maxAbsDiff", "maxRelDiff", "meanAbsDiff", "medianAbsDiff" (over the
                            elements finite on both sides; "NaN" if none), "firstMismatches"
                            (first 10: {"index", "a", "b", "absDiff"})}, or for different shapes
                            {"ok": false, "shapes": {"a", "b"}}; exit is 0 when ok, else 1.

Every expected value is computed by torch in float64 from the values read back from the
files just written (so float32/float16/CSV inputs are compared against exactly what is
stored). Class-index labels are upcast to int64 and bce targets to float64 before calling
torch, since torch 1.13 itself refuses int32 class indices and int/bool bce targets.

Run it from anywhere (it is deterministic and wipes/rewrites its output folders):

    /usr/bin/python3 scripts/make_fixtures.py

It needs torch and numpy; on Debian `apt-get install python3-torch` provides both
(generated with torch 1.13, numpy 1.24).
"""

import json
import math
import shutil
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LOSSES = FIXTURES / "losses"
EXAMPLE = FIXTURES / "example"
CASES_JSON = FIXTURES / "cases.json"

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

CASES = []
NAMES = set()
IGN = -100  # PyTorch's default ignore_index


# ----------------------------------------------------------------------------- helpers


def rng_for(name):
    """A generator seeded from the case name, so adding a case never changes another."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def case_dir(name):
    d = LOSSES / name
    d.mkdir(parents=True, exist_ok=True)
    return d


def rel(path):
    return path.relative_to(FIXTURES).as_posix()


def fmt_float(v):
    return "%.17g" % v


def write_npy(name, fname, arr, under=None):
    """np.save into the case's folder (under LOSSES, or `under`), then load back: returns
    (argv path, the array as stored)."""
    d = case_dir(name) if under is None else under / name
    d.mkdir(parents=True, exist_ok=True)
    p = d / fname
    np.save(p, arr)
    return rel(p), np.load(p)


def shard_argvs(name, xs, ys, argv, under):
    """Writes shard i as logits_i.npy / labels_i.npy under `under`/name; returns each shard's argv."""
    out = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        xp, _ = write_npy(name, f"logits_{i}.npy", x, under)
        yp, _ = write_npy(name, f"labels_{i}.npy", y, under)
        out.append([argv[0], xp, yp] + argv[1:])
    return out


def write_csv(name, fname, arr, header=None):
    """A row per sample, a column per class; 1-D arrays become one column. Floats with
    %.17g (round-trip exact), integers as integers."""
    arr = np.asarray(arr)
    p = case_dir(name) / fname
    is_int = arr.dtype.kind in "iub"
    fmt = (lambda v: str(int(v))) if is_int else fmt_float
    rows = arr.reshape(-1, 1) if arr.ndim == 1 else arr
    assert rows.ndim == 2
    lines = []
    if header is not None:
        lines.append(",".join(header))
    for r in rows:
        lines.append(",".join(fmt(v) for v in r))
    p.write_text("\n".join(lines) + "\n")
    # read back exactly as a CSV reader would
    body = p.read_text().splitlines()[1 if header is not None else 0:]
    back = np.array([[float(c) for c in line.split(",")] for line in body])
    back = back.reshape(arr.shape)
    if is_int:
        back = back.astype(np.int64)
    assert np.array_equal(back, arr.astype(back.dtype)), name
    return rel(p), back


def write_json(name, fname, value):
    """value: a numpy array (nested lists) or a Python scalar (bare number)."""
    p = case_dir(name) / fname
    obj = value.tolist() if isinstance(value, np.ndarray) else value
    p.write_text(json.dumps(obj) + "\n")
    back = np.array(json.loads(p.read_text()))
    return rel(p), back


def inline_list(values):
    """An inline --weight/--pos-weight list; values must be exactly representable by repr."""
    s = ",".join(repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in values)
    back = np.array([float(c) for c in s.split(",")])
    assert np.array_equal(back, np.asarray(values, dtype=np.float64))
    return s, back


def T(a):
    """float64 tensor from whatever was read back."""
    return torch.tensor(np.asarray(a, dtype=np.float64))


def L(a):
    """int64 tensor (class indices)."""
    return torch.tensor(np.asarray(a).astype(np.int64))


def jsonable(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return 0.0 if v == 0 else v  # -0.0 (e.g. -log_softmax == 0) written as 0.0
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


def out(t):
    """A loss tensor as a number (0-d) or nested lists in torch's output shape (none)."""
    assert t.dtype == torch.float64, t.dtype
    return t.item() if t.dim() == 0 else t.tolist()


def close(a, b, tol=1e-12):
    """Elementwise |a-b| <= tol*max(1,|b|), NaN == NaN, inf == inf."""
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    if a.shape != b.shape:
        return False
    same_nan = torch.isnan(a) == torch.isnan(b)
    fin = torch.isfinite(a) & torch.isfinite(b)
    inf_eq = (~fin & ~torch.isnan(a) & ~torch.isnan(b)) <= (a == b)
    err_ok = ((a - b).abs() <= tol * torch.clamp(b.abs(), min=1.0)) | ~fin
    return bool(same_nan.all() and inf_eq.all() and err_ok.all())


def add(name, argv, loss=None, count=None, note="", losses=None):
    assert name not in NAMES, name
    NAMES.add(name)
    if losses is not None:
        expected = {"losses": {k: out(v) for k, v in losses.items()}}
    else:
        expected = {"loss": out(loss)}
        if count is not None:
            expected["count"] = int(count)
    CASES.append({"name": name, "argv": argv, "expected": jsonable(expected), "note": note})


def class_dim(x):
    return 0 if x.dim() == 1 else 1


def reduce_(v, reduction):
    return v.sum() if reduction == "sum" else v if reduction == "none" else None


# ------------------------------------------------------------ independent references


def ref_ce_index(x, y, weight=None, ignore_index=IGN, ls=0.0, reduction="mean"):
    """Hand-written reference of torch 1.13's cross_entropy with class indices (incl. its
    label-smoothing normalisation), used to assert our reading of the semantics."""
    cd = class_dim(x)
    C = x.shape[cd]
    lp = x - torch.logsumexp(x, cd, keepdim=True)
    mask = y != ignore_index
    ys = torch.where(mask, y, torch.zeros_like(y))
    w = weight if weight is not None else torch.ones(C)
    shape = [1] * x.dim()
    shape[cd] = C
    wv = w.view(shape)
    picked = -lp.gather(cd, ys.unsqueeze(cd)).squeeze(cd)
    wy = w[ys] * mask
    nll = torch.where(mask, picked * wy, torch.zeros(()))
    smooth = torch.where(mask, -(lp * wv).sum(cd), torch.zeros(()))
    if ls == 0.0:  # like torch, no smoothing term at all (0 * inf would be NaN)
        ls, smooth = 0.0, torch.zeros_like(smooth)
    if reduction == "mean":
        return (1 - ls) * nll.sum() / wy.sum() + ls / C * smooth.sum() / wy.sum()
    if reduction == "sum":
        return (1 - ls) * nll.sum() + ls / C * smooth.sum()
    return (1 - ls) * nll + ls / C * smooth


def ref_ce_prob(x, p, weight=None, ls=0.0, reduction="mean"):
    cd = class_dim(x)
    C = x.shape[cd]
    lp = x - torch.logsumexp(x, cd, keepdim=True)
    if ls > 0:
        p = p * (1 - ls) + ls / C
    w = weight if weight is not None else torch.ones(C)
    shape = [1] * x.dim()
    shape[cd] = C
    v = -(lp * p * w.view(shape)).sum(cd)
    if reduction == "mean":
        return v.sum() / (x.numel() / C)
    return reduce_(v, reduction)


def ref_bce(x, t, weight=None, pos_weight=None, reduction="mean"):
    # log(1+exp(-x)) = softplus(-x), written independently of torch's formula
    sp_neg = torch.clamp(-x, min=0) + torch.log1p(torch.exp(-x.abs()))  # -log sigmoid(x)
    sp_pos = sp_neg + x  # -log(1 - sigmoid(x))
    pw = pos_weight if pos_weight is not None else torch.ones(())
    v = pw * t * sp_neg + (1 - t) * sp_pos
    if weight is not None:
        v = v * weight
    if reduction == "mean":
        return v.mean()
    return reduce_(v, reduction)


def gather_path(x, y, ignore_index=IGN, reduction="mean"):
    """losscalc's `gather` mode, computed in torch exactly the manual way."""
    cd = class_dim(x)
    mask = y != ignore_index
    ys = torch.where(mask, y, torch.zeros_like(y))
    v = -(F.log_softmax(x, cd).gather(cd, ys.unsqueeze(cd)).squeeze(cd)) * mask
    if reduction == "mean":
        return v.sum() / mask.sum()
    return reduce_(v, reduction)


# ---------------------------------------------------------------- torch computations


def torch_ce(x, y, weight=None, ignore_index=IGN, ls=0.0, reduction="mean"):
    got = F.cross_entropy(x, y, weight=weight, ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=ls)
    if y.dtype == torch.int64:  # class indices
        ref = ref_ce_index(x, y, weight, ignore_index, ls, reduction)
        assert close(got, ref), (got, ref)
        if ls == 0.0:
            via_nll = F.nll_loss(F.log_softmax(x, class_dim(x)), y, weight=weight,
                                 ignore_index=ignore_index, reduction=reduction)
            assert close(got, via_nll), (got, via_nll)
            if weight is None and bool(torch.isfinite(x).all()):
                # (the gather path multiplies by the mask, so a NaN in an ignored row leaks)
                g = gather_path(x, y, ignore_index, reduction)
                assert close(got, g), (got, g)
    else:
        ref = ref_ce_prob(x, y, weight, ls, reduction)
        assert close(got, ref), (got, ref)
    return got


def torch_nll(x, y, weight=None, ignore_index=IGN, reduction="mean"):
    got = F.nll_loss(x, y, weight=weight, ignore_index=ignore_index, reduction=reduction)
    cd = class_dim(x)
    mask = y != ignore_index
    ys = torch.where(mask, y, torch.zeros_like(y))
    w = (weight if weight is not None else torch.ones(x.shape[cd]))[ys]
    v = torch.where(mask, -x.gather(cd, ys.unsqueeze(cd)).squeeze(cd) * w, torch.zeros(()))
    ref = v.sum() / (w * mask).sum() if reduction == "mean" else reduce_(v, reduction)
    assert close(got, ref), (got, ref)
    return got


def torch_bce(x, t, weight=None, pos_weight=None, reduction="mean"):
    got = F.binary_cross_entropy_with_logits(x, t, weight=weight, pos_weight=pos_weight,
                                             reduction=reduction)
    ref = ref_bce(x, t, weight, pos_weight, reduction)
    if torch.isfinite(x).all():
        assert close(got, ref), (got, ref)
    return got


def n_counted(y, ignore_index=IGN):
    return int((torch.as_tensor(y) != ignore_index).sum())


# ------------------------------------------------------------------------ data makers


def logits(rng, shape, scale=2.0):
    return rng.normal(0.0, scale, size=shape)


def labels(rng, shape, C, n_ignore=0, ignore_value=IGN):
    y = rng.integers(0, C, size=shape).astype(np.int64)
    if n_ignore:
        flat = y.reshape(-1)
        idx = rng.choice(flat.size, size=n_ignore, replace=False)
        flat[idx] = ignore_value
    return y


def probs(rng, shape, cd=1):
    z = rng.normal(0.0, 1.5, size=shape)
    e = np.exp(z - z.max(axis=cd, keepdims=True))
    return e / e.sum(axis=cd, keepdims=True)


def weights(rng, C):
    # multiples of 1/8 so inline lists and files print short and exact
    return rng.integers(1, 33, size=C) / 8.0


REDS = ("mean", "sum", "none")


def red_argv(r):
    return [] if r == "mean" else ["--reduction", r]


# ============================================================ cross-entropy, indices


def ce_index_cases():
    # --- plain, each reduction
    for r in REDS:
        n = f"ce_{r}"
        rng = rng_for("ce_plain")
        xp, x = write_npy(n, "logits.npy", logits(rng, (8, 5)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 5))
        x, y = T(x), L(y)
        mode = "cross-entropy" if r == "sum" else "ce"
        add(n, [mode, xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), n_counted(y),
            f"cross-entropy, class indices, float64 NPY logits (8,5), int64 labels, reduction {r}")

    # --- weight from a .npy file
    for r in REDS:
        n = f"ce_weight_{r}"
        rng = rng_for("ce_weight")
        xp, x = write_npy(n, "logits.npy", logits(rng, (10, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (10,), 4))
        wp, w = write_npy(n, "weight.npy", weights(rng, 4))
        x, y, w = T(x), L(y), T(w)
        add(n, ["ce", xp, yp, "--weight", wp] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), n_counted(y),
            f"class weights from a .npy file; mean divides by sum of weight[target]; reduction {r}")

    # --- weight as an inline list
    for r in ("mean", "none"):
        n = f"ce_weight_inline_{r}"
        rng = rng_for("ce_weight_inline")
        xp, x = write_npy(n, "logits.npy", logits(rng, (6, 3)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 3))
        ws, w = inline_list([0.25, 2, 1.5])
        x, y, w = T(x), L(y), T(w)
        add(n, ["ce", xp, yp, "--weight", ws] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), n_counted(y),
            f"class weights given inline on the command line ({ws}); reduction {r}")

    # --- default ignore_index -100 present in labels
    for r in REDS:
        n = f"ce_ignore_default_{r}"
        rng = rng_for("ce_ignore_default")
        xp, x = write_npy(n, "logits.npy", logits(rng, (10, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (10,), 4, n_ignore=3))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), n_counted(y),
            f"labels contain -100 (default ignore_index): skipped, mean over the 7 others; "
            f"none puts 0 there; reduction {r}")

    # --- ignore_index set to a valid class
    for r in REDS:
        n = f"ce_ignore_class0_{r}"
        rng = rng_for("ce_ignore_class0")
        xp, x = write_npy(n, "logits.npy", logits(rng, (10, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (10,), 4))
        x, y = T(x), L(y)
        assert (y == 0).any() and (y != 0).any()
        add(n, ["ce", xp, yp, "--ignore-index", "0"] + red_argv(r),
            torch_ce(x, y, ignore_index=0, reduction=r), n_counted(y, 0),
            f"--ignore-index 0: class 0 is a valid class whose targets are skipped; reduction {r}")

    # --- weight + ignore_index
    for r in REDS:
        n = f"ce_weight_ignore_{r}"
        rng = rng_for("ce_weight_ignore")
        xp, x = write_npy(n, "logits.npy", logits(rng, (12, 5)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (12,), 5, n_ignore=4))
        wp, w = write_npy(n, "weight.npy", weights(rng, 5))
        x, y, w = T(x), L(y), T(w)
        add(n, ["ce", xp, yp, "--weight", wp] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), n_counted(y),
            f"weight + ignored (-100) targets: mean divides by the summed weights of the "
            f"non-ignored targets only; reduction {r}")

    # --- all targets ignored
    for r in REDS:
        n = f"ce_all_ignored_{r}"
        rng = rng_for("ce_all_ignored")
        xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
        yp, y = write_npy(n, "labels.npy", np.full((4,), IGN, dtype=np.int64))
        x, y = T(x), L(y)
        what = {"mean": "mean is 0/0 = NaN", "sum": "sum is 0", "none": "none is all zeros"}[r]
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 0,
            f"every target is -100: {what}")
    n = "ce_weight_all_ignored_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
    yp, y = write_npy(n, "labels.npy", np.full((4,), 1, dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--ignore-index", "1", "--weight", "1,2,3"],
        torch_ce(x, y, weight=T([1, 2, 3]), ignore_index=1), 0,
        "weight + every target equal to --ignore-index 1: weighted mean is 0/0 = NaN")

    # --- label smoothing
    ls_specs = [("ls01", 0.1, False), ("ls1", 1.0, False), ("ls02_weight", 0.2, True)]
    for tag, ls, use_w in ls_specs:
        for r in REDS:
            n = f"ce_{tag}_{r}"
            rng = rng_for(f"ce_{tag}")
            xp, x = write_npy(n, "logits.npy", logits(rng, (10, 5)))
            yp, y = write_npy(n, "labels.npy", labels(rng, (10,), 5, n_ignore=2))
            argv = ["ce", xp, yp, "--label-smoothing", repr(ls)]
            w = None
            if use_w:
                wp, w = write_npy(n, "weight.npy", weights(rng, 5))
                w = T(w)
                argv += ["--weight", wp]
            x, y = T(x), L(y)
            note = (f"label_smoothing {ls}" + (" with weight" if use_w else "") +
                    ", two targets ignored (-100): (1-ls)*nll + ls/C*sum_c(-w_c*logp_c)"
                    + (", mean normalised by sum of weight[target]" if use_w else
                       ", mean over non-ignored") + f"; reduction {r}")
            add(n, argv + red_argv(r), torch_ce(x, y, weight=w, ls=ls, reduction=r),
                n_counted(y), note)
    n = "ce_ls01_noignore_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--label-smoothing", "0.1"], torch_ce(x, y, ls=0.1), n_counted(y),
        "label_smoothing 0.1, no ignored targets, no weight")
    n = "ce_ls_all_ignored_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4)))
    yp, y = write_npy(n, "labels.npy", np.full((3,), IGN, dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--label-smoothing", "0.3"], torch_ce(x, y, ls=0.3), 0,
        "label_smoothing with every target ignored: mean is NaN")
    n = "ce_ls_ignore_class0_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 3)))
    yp, y = write_npy(n, "labels.npy", np.array([0, 1, 2, 0, 2, 1], dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--label-smoothing", "0.25", "--ignore-index", "0",
            "--reduction", "none"],
        torch_ce(x, y, ls=0.25, ignore_index=0, reduction="none"), n_counted(y, 0),
        "label_smoothing 0.25 with --ignore-index 0: the smoothing term is also zeroed there")

    # --- K-dimensional
    n = "ce_kdim1_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4, 5)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (3, 5), 4))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), n_counted(y),
        "K-dim input (N,C,d1)=(3,4,5), labels (3,5); class dim is 1")
    for k, shape in (("kdim1", (4, 3, 6)), ("kdim2", (2, 4, 3, 5))):
        for r in REDS:
            n = f"ce_{k}_weight_ignore_{r}"
            rng = rng_for(f"ce_{k}_weight_ignore")
            C = shape[1]
            yshape = (shape[0],) + shape[2:]
            xp, x = write_npy(n, "logits.npy", logits(rng, shape))
            yp, y = write_npy(n, "labels.npy", labels(rng, yshape, C, n_ignore=4))
            wp, w = write_npy(n, "weight.npy", weights(rng, C))
            x, y, w = T(x), L(y), T(w)
            add(n, ["ce", xp, yp, "--weight", wp] + red_argv(r),
                torch_ce(x, y, weight=w, reduction=r), n_counted(y),
                f"K-dim input {shape} with labels {yshape}, weight and 4 ignored targets; "
                f"none has shape {yshape}; reduction {r}")
    n = "ce_kdim2_ls01_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 2, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 2, 4), 3, n_ignore=2))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--label-smoothing", "0.1"], torch_ce(x, y, ls=0.1), n_counted(y),
        "K-dim (N,C,d1,d2) with label smoothing 0.1 and ignored targets")

    # --- unbatched (C) input with a scalar target
    for r in ("mean", "none"):
        n = f"ce_unbatched_json_{r}"
        rng = rng_for("ce_unbatched_json")
        xp, x = write_json(n, "logits.json", logits(rng, (5,)))
        yp, y = write_json(n, "label.json", 3)
        x, y = T(x), L(y)
        assert y.dim() == 0
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 1,
            f"unbatched (C,) JSON logits with a bare-number JSON label (3); class dim 0; "
            f"reduction {r} gives a scalar")
    for r in ("mean", "sum"):
        n = f"ce_unbatched_npy0d_{r}"
        rng = rng_for("ce_unbatched_npy0d")
        xp, x = write_npy(n, "logits.npy", logits(rng, (4,)))
        yp, y = write_npy(n, "label.npy", np.array(1, dtype=np.int64))
        x, y = T(x), L(y)
        assert y.dim() == 0
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 1,
            f"unbatched (C,) logits with a 0-d int64 .npy label; reduction {r}")
    n = "ce_unbatched_ignored_mean"
    rng = rng_for(n)
    xp, x = write_json(n, "logits.json", logits(rng, (3,)))
    yp, y = write_json(n, "label.json", -100)
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), 0,
        "unbatched input whose scalar target is -100: mean over zero elements is NaN")

    # --- extreme logits
    for r in ("mean", "none"):
        n = f"ce_extreme_uniform_{r}"
        rng = rng_for("ce_extreme_uniform")
        xp, x = write_npy(n, "logits.npy", rng.uniform(-1e4, 1e4, size=(6, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), n_counted(y),
            f"logits uniform in +-1e4: needs the max-subtracted logsumexp; reduction {r}")
    for r in ("mean", "none"):
        n = f"ce_extreme_pm1e4_{r}"
        xp, x = write_npy(n, "logits.npy",
                          np.array([[1e4, -1e4], [1e4, -1e4], [-1e4, 1e4], [0.0, 1e4]]))
        yp, y = write_npy(n, "labels.npy", np.array([0, 1, 0, 0], dtype=np.int64))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 4,
            f"logits like [1e4, -1e4]: per-sample losses exactly 0, 2e4, 2e4, 1e4; reduction {r}")

    # --- non-finite logits
    for r in REDS:
        n = f"ce_nan_logit_{r}"
        rng = rng_for("ce_nan_logit")
        a = logits(rng, (5, 3))
        a[2, 1] = np.nan
        xp, x = write_npy(n, "logits.npy", a)
        yp, y = write_npy(n, "labels.npy", labels(rng, (5,), 3))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 5,
            f"a NaN in row 2 of the logits: that row is NaN, mean/sum NaN; reduction {r}")
    n = "ce_nan_logit_ignored_row_mean"
    rng = rng_for(n)
    a = logits(rng, (4, 3))
    a[1, 0] = np.nan
    xp, x = write_npy(n, "logits.npy", a)
    yp, y = write_npy(n, "labels.npy", np.array([2, IGN, 0, 1], dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), 3,
        "a NaN only in an ignored row: torch masks that row, the mean stays finite")
    n = "ce_inf_logits_none"
    xp, x = write_npy(n, "logits.npy",
                      np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0], [0.0, -np.inf, 2.0]]))
    yp, y = write_npy(n, "labels.npy", np.array([0, 1, 2], dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--reduction", "none"], torch_ce(x, y, reduction="none"), 3,
        "+inf logit gives NaN (inf-inf); a -inf logit on a non-target class is harmless")
    n = "ce_neginf_logit_ls_none"
    xp, x = write_npy(n, "logits.npy", np.array([[-np.inf, 0.0, 1.0], [0.5, 0.0, 1.0]]))
    yp, y = write_npy(n, "labels.npy", np.array([1, 2], dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--label-smoothing", "0.1", "--reduction", "none"],
        torch_ce(x, y, ls=0.1, reduction="none"), 2,
        "with label smoothing a -inf logit on a non-target class makes the loss +Infinity")

    # --- C = 1
    for r in ("mean", "none"):
        n = f"ce_c1_{r}"
        rng = rng_for("ce_c1")
        xp, x = write_npy(n, "logits.npy", logits(rng, (4, 1)))
        yp, y = write_npy(n, "labels.npy", np.zeros((4,), dtype=np.int64))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 4,
            f"C=1: log_softmax of a single class is 0, so the loss is 0; reduction {r}")

    # --- dtypes
    n = "ce_float32_logits"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)).astype(np.float32))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4))
    assert x.dtype == np.float32
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), n_counted(y),
        "float32 NPY logits; expected computed in float64 from the stored float32 values")
    n = "ce_float16_logits"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)).astype(np.float16))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4, n_ignore=1))
    assert x.dtype == np.float16
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--reduction", "none"], torch_ce(x, y, reduction="none"),
        n_counted(y),
        "float16 NPY logits (torch CPU has no Half log_softmax); expected in float64 from the "
        "stored float16 values")
    n = "ce_int32_labels"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (7, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (7,), 3, n_ignore=1).astype(np.int32))
    assert y.dtype == np.int32
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), n_counted(y),
        "int32 NPY labels with a -100 (torch itself wants int64; expected uses the upcast)")
    n = "ce_uint8_labels"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (7, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (7,), 3).astype(np.uint8))
    assert y.dtype == np.uint8
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--reduction", "sum"], torch_ce(x, y, reduction="sum"), 7,
        "uint8 NPY labels")
    n = "ce_float32_logits_int32_labels_weight_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5, 3)).astype(np.float32))
    yp, y = write_npy(n, "labels.npy", labels(rng, (5,), 3).astype(np.int32))
    wp, w = write_npy(n, "weight.npy", weights(rng, 3).astype(np.float32))
    x, y, w = T(x), L(y), T(w)
    add(n, ["ce", xp, yp, "--weight", wp, "--reduction", "none"],
        torch_ce(x, y, weight=w, reduction="none"), 5,
        "float32 logits, int32 labels, float32 weight file")

    # --- text formats
    for r in ("mean", "none"):
        n = f"ce_csv_{r}"
        rng = rng_for("ce_csv")
        xp, x = write_csv(n, "logits.csv", logits(rng, (6, 4)))
        yp, y = write_csv(n, "labels.csv", labels(rng, (6,), 4, n_ignore=1))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), n_counted(y),
            f"CSV logits (no header, %.17g) and a one-column CSV of labels with a -100; "
            f"reduction {r}")
    n = "ce_csv_header_mean"
    rng = rng_for(n)
    xp, x = write_csv(n, "logits.csv", logits(rng, (5, 3)), header=["a", "b", "c"])
    yp, y = write_csv(n, "labels.csv", labels(rng, (5,), 3))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), 5, "CSV logits with a header row a,b,c")
    n = "ce_csv_weight_file_sum"
    rng = rng_for(n)
    xp, x = write_csv(n, "logits.csv", logits(rng, (5, 3)))
    yp, y = write_csv(n, "labels.csv", labels(rng, (5,), 3))
    wp, w = write_csv(n, "weight.csv", weights(rng, 3))
    x, y, w = T(x), L(y), T(w)
    add(n, ["ce", xp, yp, "--weight", wp, "--reduction", "sum"],
        torch_ce(x, y, weight=w, reduction="sum"), 5,
        "CSV logits, CSV labels, weight as a one-column CSV file")
    for r in ("mean", "sum"):
        n = f"ce_json_{r}"
        rng = rng_for("ce_json")
        xp, x = write_json(n, "logits.json", logits(rng, (5, 4)))
        yp, y = write_json(n, "labels.json", labels(rng, (5,), 4, n_ignore=1))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), n_counted(y),
            f"JSON nested-array logits, JSON label array with a -100; reduction {r}")
    n = "ce_json_kdim1_weight_none"
    rng = rng_for(n)
    xp, x = write_json(n, "logits.json", logits(rng, (2, 3, 4)))
    yp, y = write_json(n, "labels.json", labels(rng, (2, 4), 3, n_ignore=1))
    wp, w = write_json(n, "weight.json", weights(rng, 3))
    x, y, w = T(x), L(y), T(w)
    add(n, ["ce", xp, yp, "--weight", wp, "--reduction", "none"],
        torch_ce(x, y, weight=w, reduction="none"), n_counted(y),
        "JSON K-dim logits (2,3,4), labels (2,4), weight as a JSON file")


# ============================================================ cross-entropy, probabilities


def ce_prob_cases():
    for r in REDS:
        n = f"ce_prob_{r}"
        rng = rng_for("ce_prob")
        xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)))
        yp, y = write_npy(n, "targets.npy", probs(rng, (6, 4)))
        x, y = T(x), T(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 6,
            f"class-probability targets (same shape as logits); reduction {r}")
    for r in REDS:
        n = f"ce_prob_weight_{r}"
        rng = rng_for("ce_prob_weight")
        xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)))
        yp, y = write_npy(n, "targets.npy", probs(rng, (6, 4)))
        wp, w = write_npy(n, "weight.npy", weights(rng, 4))
        x, y, w = T(x), T(y), T(w)
        add(n, ["ce", xp, yp, "--weight", wp] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), 6,
            f"probability targets with class weights: -sum_c w_c p_c logp_c, and mean divides "
            f"by N (NOT by the weights, unlike class indices); reduction {r}")
    for r in REDS:
        n = f"ce_prob_ls02_{r}"
        rng = rng_for("ce_prob_ls02")
        xp, x = write_npy(n, "logits.npy", logits(rng, (5, 3)))
        yp, y = write_npy(n, "targets.npy", probs(rng, (5, 3)))
        x, y = T(x), T(y)
        add(n, ["ce", xp, yp, "--label-smoothing", "0.2"] + red_argv(r),
            torch_ce(x, y, ls=0.2, reduction=r), 5,
            f"probability targets with label_smoothing 0.2: p*(1-ls) + ls/C; reduction {r}")
    n = "ce_prob_ls01_weight_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5, 3)))
    yp, y = write_npy(n, "targets.npy", probs(rng, (5, 3)))
    x, y = T(x), T(y)
    ws, w = inline_list([1, 0.5, 3])
    add(n, ["ce", xp, yp, "--label-smoothing", "0.1", "--weight", ws],
        torch_ce(x, y, weight=T(w), ls=0.1), 5,
        "probability targets, label_smoothing 0.1 and inline weight; mean divides by N")
    for r in ("mean", "none"):
        n = f"ce_prob_kdim1_{r}"
        rng = rng_for("ce_prob_kdim1")
        xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4, 2)))
        yp, y = write_npy(n, "targets.npy", probs(rng, (3, 4, 2)))
        x, y = T(x), T(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 6,
            f"K-dim probability targets (N,C,d1)=(3,4,2): mean divides by N*d1=6; none is (3,2); "
            f"reduction {r}")
    n = "ce_prob_kdim2_weight_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 2, 2)))
    yp, y = write_npy(n, "targets.npy", probs(rng, (2, 3, 2, 2)))
    wp, w = write_npy(n, "weight.npy", weights(rng, 3))
    x, y, w = T(x), T(y), T(w)
    add(n, ["ce", xp, yp, "--weight", wp, "--reduction", "sum"],
        torch_ce(x, y, weight=w, reduction="sum"), 8,
        "K-dim (2,3,2,2) probability targets with weight, sum")
    n = "ce_prob_onehot_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)))
    idx = labels(rng, (6,), 4)
    yp, y = write_npy(n, "targets.npy", np.eye(4)[idx])
    x, y = T(x), T(y)
    got = torch_ce(x, y)
    assert close(got, F.cross_entropy(x, L(idx)))
    add(n, ["ce", xp, yp], got, 6,
        "one-hot float64 probability targets: equals cross-entropy on the class indices")
    for r in ("mean", "none"):
        n = f"ce_prob_unbatched_{r}"
        rng = rng_for("ce_prob_unbatched")
        xp, x = write_json(n, "logits.json", logits(rng, (4,)))
        yp, y = write_json(n, "targets.json", probs(rng, (4,), cd=0))
        x, y = T(x), T(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 1,
            f"unbatched (C,) logits with (C,) probabilities (JSON); class dim 0; reduction {r}")
    n = "ce_prob_csv_mean"
    rng = rng_for(n)
    xp, x = write_csv(n, "logits.csv", logits(rng, (4, 3)))
    yp, y = write_csv(n, "targets.csv", probs(rng, (4, 3)))
    x, y = T(x), T(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), 4, "probability targets as a (N,C) CSV file")
    n = "ce_prob_float32_targets_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
    yp, y = write_npy(n, "targets.npy", probs(rng, (4, 3)).astype(np.float32))
    x, y = T(x), T(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), 4,
        "float32 probability targets (not exactly normalised after rounding) with float64 logits")


# ======================================================================== nll


def nll_cases():
    def logp(rng, shape):
        a = logits(rng, shape)
        return F.log_softmax(T(a), 1).numpy()

    for r in REDS:
        n = f"nll_{r}"
        rng = rng_for("nll_plain")
        xp, x = write_npy(n, "logprobs.npy", logp(rng, (8, 5)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 5))
        x, y = T(x), L(y)
        got = torch_nll(x, y, reduction=r)
        add(n, ["nll", xp, yp] + red_argv(r), got, n_counted(y),
            f"nll on log-probabilities (log_softmax output stored as input); reduction {r}")
    for r in REDS:
        n = f"nll_weight_{r}"
        rng = rng_for("nll_weight")
        xp, x = write_npy(n, "logprobs.npy", logp(rng, (8, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4))
        wp, w = write_npy(n, "weight.npy", weights(rng, 4))
        x, y, w = T(x), L(y), T(w)
        add(n, ["nll", xp, yp, "--weight", wp] + red_argv(r),
            torch_nll(x, y, weight=w, reduction=r), n_counted(y),
            f"nll with class weights; mean divides by sum of weight[target]; reduction {r}")
    for r in REDS:
        n = f"nll_ignore_default_{r}"
        rng = rng_for("nll_ignore_default")
        xp, x = write_npy(n, "logprobs.npy", logp(rng, (8, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4, n_ignore=2))
        x, y = T(x), L(y)
        add(n, ["nll", xp, yp] + red_argv(r), torch_nll(x, y, reduction=r), n_counted(y),
            f"nll with -100 targets (default ignore_index); reduction {r}")
    n = "nll_ignore_custom_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logprobs.npy", logp(rng, (8, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4))
    x, y = T(x), L(y)
    add(n, ["nll", xp, yp, "--ignore-index", "2", "--reduction", "sum"],
        torch_nll(x, y, ignore_index=2, reduction="sum"), n_counted(y, 2),
        "nll with --ignore-index 2 (a valid class), sum")
    for r in REDS:
        n = f"nll_weight_ignore_{r}"
        rng = rng_for("nll_weight_ignore")
        xp, x = write_npy(n, "logprobs.npy", logp(rng, (9, 3)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (9,), 3, n_ignore=3))
        wp, w = write_npy(n, "weight.npy", weights(rng, 3))
        x, y, w = T(x), L(y), T(w)
        add(n, ["nll", xp, yp, "--weight", wp] + red_argv(r),
            torch_nll(x, y, weight=w, reduction=r), n_counted(y),
            f"nll with weight and ignored targets; reduction {r}")
    for k, shape in (("kdim1", (3, 4, 5)), ("kdim2", (2, 3, 2, 3))):
        for r in ("mean", "none"):
            n = f"nll_{k}_weight_ignore_{r}"
            rng = rng_for(f"nll_{k}")
            yshape = (shape[0],) + shape[2:]
            xp, x = write_npy(n, "logprobs.npy", logp(rng, shape))
            yp, y = write_npy(n, "labels.npy", labels(rng, yshape, shape[1], n_ignore=2))
            wp, w = write_npy(n, "weight.npy", weights(rng, shape[1]))
            x, y, w = T(x), L(y), T(w)
            add(n, ["nll", xp, yp, "--weight", wp] + red_argv(r),
                torch_nll(x, y, weight=w, reduction=r), n_counted(y),
                f"nll K-dim {shape}, labels {yshape}, weight, 2 ignored; reduction {r}")
    n = "nll_all_ignored_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logprobs.npy", logp(rng, (3, 4)))
    yp, y = write_npy(n, "labels.npy", np.full((3,), IGN, dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["nll", xp, yp], torch_nll(x, y), 0, "nll with every target ignored: mean is NaN")
    n = "nll_unbatched_json_mean"
    rng = rng_for(n)
    xp, x = write_json(n, "logprobs.json", F.log_softmax(T(logits(rng, (4,))), 0).numpy())
    yp, y = write_json(n, "label.json", 2)
    x, y = T(x), L(y)
    add(n, ["nll", xp, yp], torch_nll(x, y), 1,
        "nll on an unbatched (C,) log-probability vector with a bare-number target")
    n = "nll_on_raw_logits_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4))
    x, y = T(x), L(y)
    got = torch_nll(x, y)
    assert close(got, -x.gather(1, y[:, None]).mean())
    add(n, ["nll", xp, yp], got, 6,
        "nll WITHOUT --log-softmax on raw logits: just -mean(x[i, y_i]) (can be negative)")

    # --log-softmax on raw logits
    for r in REDS:
        n = f"nll_logsoftmax_{r}"
        rng = rng_for("nll_logsoftmax")
        xp, x = write_npy(n, "logits.npy", logits(rng, (7, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (7,), 4))
        x, y = T(x), L(y)
        got = F.nll_loss(F.log_softmax(x, 1), y, reduction=r)
        assert close(got, torch_ce(x, y, reduction=r))
        add(n, ["nll", xp, yp, "--log-softmax"] + red_argv(r), got, n_counted(y),
            f"nll --log-softmax on raw logits = F.nll_loss(F.log_softmax(x,1),y); reduction {r}")
    n = "nll_logsoftmax_weight_ignore_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (8, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 3, n_ignore=2))
    ws, w = inline_list([2, 0.5, 1])
    x, y, w = T(x), L(y), T(w)
    got = F.nll_loss(F.log_softmax(x, 1), y, weight=w)
    assert close(got, torch_ce(x, y, weight=w))
    add(n, ["nll", xp, yp, "--log-softmax", "--weight", ws], got, n_counted(y),
        "nll --log-softmax with inline weight and -100 targets")
    n = "nll_logsoftmax_kdim1_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 4), 3, n_ignore=1))
    x, y = T(x), L(y)
    got = F.nll_loss(F.log_softmax(x, 1), y, reduction="sum")
    assert close(got, torch_ce(x, y, reduction="sum"))
    add(n, ["nll", xp, yp, "--log-softmax", "--reduction", "sum"], got, n_counted(y),
        "nll --log-softmax on K-dim logits (2,3,4): log_softmax over dim 1")


# ======================================================================== bce


def bce_cases():
    def soft(rng, shape):
        return rng.uniform(0.0, 1.0, size=shape)

    for tag, shape in (("1d", (8,)), ("2d", (5, 3)), ("3d", (3, 2, 4))):
        for r in REDS:
            n = f"bce_{tag}_{r}"
            rng = rng_for(f"bce_{tag}")
            xp, x = write_npy(n, "logits.npy", logits(rng, shape))
            yp, y = write_npy(n, "targets.npy", soft(rng, shape))
            x, y = T(x), T(y)
            mode = "bce-logits" if r == "sum" else "bce"
            add(n, [mode, xp, yp] + red_argv(r), torch_bce(x, y, reduction=r), x.numel(),
                f"bce-with-logits, shape {shape}, float targets in [0,1]; reduction {r}")
    n = "bce_int64_targets_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
    yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(4, 3)).astype(np.int64))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp], torch_bce(x, y), 12,
        "int64 0/1 targets (torch itself wants float targets; expected uses the float64 upcast)")
    n = "bce_bool_targets_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6,)))
    yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(6,)).astype(bool))
    assert y.dtype == np.bool_
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp, "--reduction", "none"], torch_bce(x, y, reduction="none"), 6,
        "bool NPY targets (False=0, True=1)")
    n = "bce_bool_targets_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4)))
    yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(3, 4)).astype(bool))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp], torch_bce(x, y), 12, "bool NPY targets (N,C), mean")

    # weights
    for r in REDS:
        n = f"bce_weight_bcast_{r}"
        rng = rng_for("bce_weight_bcast")
        xp, x = write_npy(n, "logits.npy", logits(rng, (5, 3)))
        yp, y = write_npy(n, "targets.npy", soft(rng, (5, 3)))
        wp, w = write_npy(n, "weight.npy", weights(rng, 3))
        x, y, w = T(x), T(y), T(w)
        add(n, ["bce", xp, yp, "--weight", wp] + red_argv(r),
            torch_bce(x, y, weight=w, reduction=r), 15,
            f"bce weight (C,)=(3,) broadcast over (5,3); mean is the plain mean of the weighted "
            f"elements (not divided by the weights); reduction {r}")
    n = "bce_weight_full_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 2, 2)))
    yp, y = write_npy(n, "targets.npy", soft(rng, (3, 2, 2)))
    wp, w = write_npy(n, "weight.npy", rng.uniform(0, 2, size=(3, 2, 2)))
    x, y, w = T(x), T(y), T(w)
    add(n, ["bce", xp, yp, "--weight", wp], torch_bce(x, y, weight=w), 12,
        "bce weight with the full shape of the logits (3,2,2)")
    n = "bce_weight_inline_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
    yp, y = write_npy(n, "targets.npy", soft(rng, (4, 3)))
    ws, w = inline_list([0.5, 1, 4])
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp, "--weight", ws, "--reduction", "sum"],
        torch_bce(x, y, weight=T(w), reduction="sum"), 12, "bce with an inline (C,) weight, sum")

    # pos_weight
    for r in REDS:
        n = f"bce_posweight_file_{r}"
        rng = rng_for("bce_posweight_file")
        xp, x = write_npy(n, "logits.npy", logits(rng, (6, 3)))
        yp, y = write_npy(n, "targets.npy", soft(rng, (6, 3)))
        pp, pw = write_npy(n, "pos_weight.npy", weights(rng, 3))
        x, y, pw = T(x), T(y), T(pw)
        add(n, ["bce", xp, yp, "--pos-weight", pp] + red_argv(r),
            torch_bce(x, y, pos_weight=pw, reduction=r), 18,
            f"pos_weight (C,) from a .npy file, broadcast along the last dim; reduction {r}")
    for r in ("mean", "none"):
        n = f"bce_posweight_inline_{r}"
        rng = rng_for("bce_posweight_inline")
        xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
        yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(4, 3)).astype(np.float64))
        ps, pw = inline_list([3, 0.5, 1])
        x, y = T(x), T(y)
        add(n, ["bce", xp, yp, "--pos-weight", ps] + red_argv(r),
            torch_bce(x, y, pos_weight=T(pw), reduction=r), 12,
            f"pos_weight given inline ({ps}); reduction {r}")
    n = "bce_posweight_3d_lastdim_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 4)))
    yp, y = write_npy(n, "targets.npy", soft(rng, (2, 3, 4)))
    pp, pw = write_npy(n, "pos_weight.npy", weights(rng, 4))
    x, y, pw = T(x), T(y), T(pw)
    add(n, ["bce", xp, yp, "--pos-weight", pp], torch_bce(x, y, pos_weight=pw), 24,
        "(N,C,d)=(2,3,4) logits with pos_weight of size 4: broadcasts along the LAST dim (d), "
        "not along C")
    for r in ("mean", "sum", "none"):
        n = f"bce_weight_posweight_{r}"
        rng = rng_for("bce_weight_posweight")
        xp, x = write_npy(n, "logits.npy", logits(rng, (5, 4)))
        yp, y = write_npy(n, "targets.npy", soft(rng, (5, 4)))
        wp, w = write_npy(n, "weight.npy", weights(rng, 4))
        pp, pw = write_npy(n, "pos_weight.npy", weights(rng, 4))
        x, y, w, pw = T(x), T(y), T(w), T(pw)
        add(n, ["bce", xp, yp, "--weight", wp, "--pos-weight", pp] + red_argv(r),
            torch_bce(x, y, weight=w, pos_weight=pw, reduction=r), 20,
            f"weight and pos_weight together; reduction {r}")

    # extreme logits
    ext_x = np.array([1e4, -1e4, 1e4, -1e4, 1000.0, -1000.0, 1000.0, -1000.0, 0.0, 0.0, 1e4, -1000.0])
    ext_t = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.5, 0.25])
    for r in REDS:
        n = f"bce_extreme_{r}"
        xp, x = write_npy(n, "logits.npy", ext_x)
        yp, y = write_npy(n, "targets.npy", ext_t)
        x, y = T(x), T(y)
        add(n, ["bce", xp, yp] + red_argv(r), torch_bce(x, y, reduction=r), 12,
            f"logits +-1e4, exactly +-1000 and 0 with 0/1/soft targets: 0 when right, |x| when "
            f"wrong, log 2 at 0, no overflow; reduction {r}")
    n = "bce_extreme_posweight_none"
    xp, x = write_npy(n, "logits.npy", ext_x.reshape(4, 3))
    yp, y = write_npy(n, "targets.npy", ext_t.reshape(4, 3))
    ps, pw = inline_list([2, 0.5, 10])
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp, "--pos-weight", ps, "--reduction", "none"],
        torch_bce(x, y, pos_weight=T(pw), reduction="none"), 12,
        "extreme logits with pos_weight: stays finite")
    n = "bce_inf_logits_none"
    xp, x = write_npy(n, "logits.npy", np.array([np.inf, -np.inf, np.inf, 2.0]))
    yp, y = write_npy(n, "targets.npy", np.array([1.0, 0.0, 0.0, 1.0]))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp, "--reduction", "none"], torch_bce(x, y, reduction="none"), 4,
        "+-inf logits through torch's formula: NaN when the prediction is right (+inf with t=1, "
        "-inf with t=0: inf-inf), +Infinity when wrong (+inf with t=0)")
    n = "bce_nan_logit_mean"
    rng = rng_for(n)
    a = logits(rng, (5,))
    a[3] = np.nan
    xp, x = write_npy(n, "logits.npy", a)
    yp, y = write_npy(n, "targets.npy", soft(rng, (5,)))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp], torch_bce(x, y), 5, "a NaN logit makes the bce mean NaN")

    # targets outside [0, 1]
    for r in ("mean", "none"):
        n = f"bce_targets_outside01_{r}"
        rng = rng_for("bce_targets_outside01")
        xp, x = write_npy(n, "logits.npy", logits(rng, (6,)))
        yp, y = write_npy(n, "targets.npy", np.array([-1.0, 1.0, -1.0, 1.0, 1.0, -1.0]))
        x, y = T(x), T(y)
        add(n, ["bce", xp, yp] + red_argv(r), torch_bce(x, y, reduction=r), 6,
            f"targets -1/1 (outside [0,1]): torch does NOT raise, it computes "
            f"(1-t)*x + log(1+exp(-x)) anyway (values can be negative); reduction {r}")
    n = "bce_targets_outside01_posweight_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 2)))
    yp, y = write_npy(n, "targets.npy", np.array([[-1.0, 2.0], [1.5, 0.0], [1.0, -0.5]]))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp, "--pos-weight", "2,3", "--reduction", "sum"],
        torch_bce(x, y, pos_weight=T([2, 3]), reduction="sum"), 6,
        "targets outside [0,1] together with pos_weight: computed, no error")

    # text formats
    n = "bce_csv_2d_mean"
    rng = rng_for(n)
    xp, x = write_csv(n, "logits.csv", logits(rng, (4, 3)))
    yp, y = write_csv(n, "targets.csv", rng.integers(0, 2, size=(4, 3)).astype(np.int64))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp], torch_bce(x, y), 12, "bce on CSV logits (4,3) and CSV 0/1 targets")
    n = "bce_json_1d_none"
    rng = rng_for(n)
    xp, x = write_json(n, "logits.json", logits(rng, (5,)))
    yp, y = write_json(n, "targets.json", soft(rng, (5,)))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp, "--reduction", "none"], torch_bce(x, y, reduction="none"), 5,
        "bce on JSON (5,) logits and soft targets")
    n = "bce_float32_logits_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 2)).astype(np.float32))
    yp, y = write_npy(n, "targets.npy", soft(rng, (4, 2)).astype(np.float32))
    x, y = T(x), T(y)
    add(n, ["bce", xp, yp], torch_bce(x, y), 8,
        "float32 logits and targets; expected in float64 from the stored float32 values")


# ======================================================================== gather


def gather_cases():
    for r in REDS:
        n = f"gather_{r}"
        rng = rng_for("gather_plain")
        xp, x = write_npy(n, "logits.npy", logits(rng, (7, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (7,), 4))
        x, y = T(x), L(y)
        add(n, ["gather", xp, yp] + red_argv(r), gather_path(x, y, reduction=r), n_counted(y),
            f"manual -(log_softmax(x,1).gather(1,y[:,None])).squeeze(1); reduction {r}")
    for r in REDS:
        n = f"gather_ignore_default_{r}"
        rng = rng_for("gather_ignore_default")
        xp, x = write_npy(n, "logits.npy", logits(rng, (8, 3)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 3, n_ignore=3))
        x, y = T(x), L(y)
        got = gather_path(x, y, reduction=r)
        assert close(got, F.cross_entropy(x, y, reduction=r))
        add(n, ["gather", xp, yp] + red_argv(r), got, n_counted(y),
            f"gather path masked at -100 targets (mean over the 5 others, 0 in none); "
            f"reduction {r}")
    for r in ("mean", "none"):
        n = f"gather_ignore_custom_{r}"
        rng = rng_for("gather_ignore_custom")
        xp, x = write_npy(n, "logits.npy", logits(rng, (8, 3)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 3))
        x, y = T(x), L(y)
        add(n, ["gather", xp, yp, "--ignore-index", "1"] + red_argv(r),
            gather_path(x, y, ignore_index=1, reduction=r), n_counted(y, 1),
            f"gather with --ignore-index 1 (a valid class); reduction {r}")
    n = "gather_ignore_negative_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 3, n_ignore=2, ignore_value=-1))
    x, y = T(x), L(y)
    add(n, ["gather", xp, yp, "--ignore-index", "-1", "--reduction", "sum"],
        gather_path(x, y, ignore_index=-1, reduction="sum"), n_counted(y, -1),
        "gather with a negative --ignore-index -1 (argv value starting with '-')")
    for r in ("mean", "none"):
        n = f"gather_kdim1_{r}"
        rng = rng_for("gather_kdim1")
        xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4, 5)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (3, 5), 4, n_ignore=2))
        x, y = T(x), L(y)
        got = gather_path(x, y, reduction=r)
        assert close(got, F.cross_entropy(x, y, reduction=r))
        add(n, ["gather", xp, yp] + red_argv(r), got, n_counted(y),
            f"gather on K-dim (3,4,5) input, labels (3,5) with 2 ignored; reduction {r}")
    n = "gather_kdim2_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 2, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 2, 3), 3, n_ignore=1))
    x, y = T(x), L(y)
    add(n, ["gather", xp, yp, "--reduction", "sum"], gather_path(x, y, reduction="sum"),
        n_counted(y), "gather on (N,C,d1,d2)=(2,3,2,3) input, sum")
    n = "gather_all_ignored_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 3)))
    yp, y = write_npy(n, "labels.npy", np.full((3,), IGN, dtype=np.int64))
    x, y = T(x), L(y)
    add(n, ["gather", xp, yp], gather_path(x, y), 0,
        "gather with every target ignored: 0/0 = NaN")
    n = "gather_unbatched_json_mean"
    rng = rng_for(n)
    xp, x = write_json(n, "logits.json", logits(rng, (4,)))
    yp, y = write_json(n, "label.json", 0)
    x, y = T(x), L(y)
    got = gather_path(x, y)
    assert close(got, F.cross_entropy(x, y))
    add(n, ["gather", xp, yp], got, 1,
        "gather on an unbatched (C,) input with a scalar target: class dim 0")


# ======================================================================== check


def check_index_losses(x, y, weight=None, ls=0.0, reduction="mean"):
    """The ways `check` computes on class-index data. Which ways appear mirrors losscalc's
    skip rules (src/equivalences.ts): nll is skipped with label smoothing, gather with a
    weight or label smoothing, cross-entropy-onehot when a target is ignored (an ignored
    target has no one-hot row) or with weight + mean (the probability mean divides by N)."""
    C = x.shape[1]
    ce = F.cross_entropy(x, y, weight=weight, reduction=reduction, label_smoothing=ls)
    losses = {"cross-entropy": ce}
    if ls == 0.0:
        losses["nll"] = F.nll_loss(F.log_softmax(x, 1), y, weight=weight, reduction=reduction)
        if weight is None:
            losses["gather"] = gather_path(x, y, reduction=reduction)
    if not (y == IGN).any() and not (weight is not None and reduction == "mean"):
        onehot = F.one_hot(y, C).movedim(-1, 1).to(torch.float64)
        losses["cross-entropy-onehot"] = F.cross_entropy(x, onehot, weight=weight,
                                                         reduction=reduction, label_smoothing=ls)
    for k, v in losses.items():
        assert close(v, ce), (k, v, ce)
    return losses


def check_binary_losses(x, t, reduction="mean"):
    z = torch.zeros_like(x)
    losses = {
        "bce-logits": F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        "cross-entropy-binary": F.cross_entropy(torch.stack([z, x], 1),
                                                torch.stack([1 - t, t], 1), reduction=reduction),
    }
    assert close(losses["bce-logits"], losses["cross-entropy-binary"]), losses
    return losses


def check_cases():
    n = "check_class_index"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (8, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4))
    add(n, ["check", xp, yp], losses=check_index_losses(T(x), L(y)),
        note="check on class-index data: the four paths agree (mean)")
    n = "check_class_index_ignored"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (8, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4, n_ignore=2))
    add(n, ["check", xp, yp], losses=check_index_losses(T(x), L(y)),
        note="check on class-index data with two -100 targets: cross-entropy, nll and gather "
             "skip them; cross-entropy-onehot is not computed (an ignored target has no "
             "one-hot row)")
    n = "check_class_index_ls01"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 3))
    add(n, ["check", xp, yp, "--label-smoothing", "0.1"],
        losses=check_index_losses(T(x), L(y), ls=0.1),
        note="check with label smoothing 0.1: only cross-entropy and cross-entropy-onehot apply "
             "(smoothed one-hot = (1-ls)*onehot + ls/C) and agree")
    n = "check_class_index_weight_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 3))
    add(n, ["check", xp, yp, "--weight", "2,0.5,1", "--reduction", "sum"],
        losses=check_index_losses(T(x), L(y), weight=T([2, 0.5, 1]), reduction="sum"),
        note="check with class weights and sum: cross-entropy, nll, cross-entropy-onehot agree "
             "(gather has no weights)")
    n = "check_class_index_kdim1"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 4), 3))
    add(n, ["check", xp, yp], losses=check_index_losses(T(x), L(y)),
        note="check on K-dim (2,3,4) logits with (2,4) labels: one-hot along dim 1")
    n = "check_binary_1d"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (8,)))
    yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(8,)).astype(np.float64))
    add(n, ["check", xp, yp], losses=check_binary_losses(T(x), T(y)),
        note="check on binary data (N,) logits and 0/1 float targets: bce == 2-class CE on "
             "[0, x] with probabilities [1-t, t]")
    n = "check_binary_2d_soft"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
    yp, y = write_npy(n, "targets.npy", rng.uniform(0, 1, size=(4, 3)))
    add(n, ["check", xp, yp], losses=check_binary_losses(T(x), T(y)),
        note="check on binary (N,C) logits with soft targets: stack gives (N,2,C), K-dim CE")
    n = "check_binary_1d_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5,)))
    yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(5,)).astype(np.float64))
    add(n, ["check", xp, yp, "--reduction", "none"],
        losses=check_binary_losses(T(x), T(y), reduction="none"),
        note="check on binary data with reduction none: per-element lists agree")


# ======================================================================== example


def example_cases():
    EXAMPLE.mkdir(parents=True, exist_ok=True)
    rng = rng_for("example")
    classes = ["cat", "dog", "bird", "fish", "frog"]
    y = rng.integers(0, 5, size=8)
    raw = rng.normal(0.0, 1.5, size=(8, 5))
    raw[np.arange(8), y] += 2.0  # a mostly-right classifier
    cells = [["%.4g" % v for v in row] for row in raw]
    assert all("e" not in c for row in cells for c in row)
    (EXAMPLE / "logits.csv").write_text(
        ",".join(classes) + "\n" + "\n".join(",".join(r) for r in cells) + "\n")
    (EXAMPLE / "labels.csv").write_text("".join("%d\n" % v for v in y))
    x = T([[float(c) for c in r] for r in cells])
    yy = L([int(l) for l in (EXAMPLE / "labels.csv").read_text().split()])
    xp, yp = "example/logits.csv", "example/labels.csv"
    add("example_check", ["check", xp, yp], losses=check_index_losses(x, yy),
        note="the npm start demo: 8 samples x 5 classes, header row, 4-significant-digit logits")
    add("example_ce_mean", ["ce", xp, yp], torch_ce(x, yy), 8,
        "cross-entropy mean on the demo CSVs")


# ================================================================= per-sample breakdown (--top)
#
# losscalc's `--top k` adds "worst" and "perClass" to its --json output. A sample is one target
# position: row-major over (N, d1, ..., dk) for the class-dim losses (the class dim moved last and
# flattened away), one element for bce-logits. Everything here is torch/numpy in float64.


def _rank_key(v):
    """Sort key of the worst list: larger loss first, NaN as the largest, ties by index."""
    return math.inf if math.isnan(v) else v


def _worst_and_per_class(losses, label, predicted, probability, klass, correct, included, k):
    """Plain Python lists in, the two expected tables out."""
    idx = [i for i in range(len(losses)) if included[i]]
    order = sorted(idx, key=lambda i: (-_rank_key(losses[i]), i))
    worst = [{"index": i, "label": label[i], "predicted": predicted[i],
              "probability": probability[i], "loss": losses[i]} for i in order[:k]]
    per_class = []
    for c in sorted({klass[i] for i in idx}):
        members = [i for i in idx if klass[i] == c]
        per_class.append({
            "class": c,
            "count": len(members),
            "meanLoss": torch.tensor([losses[i] for i in members]).mean().item(),
            "accuracy": float(np.mean([correct[i] for i in members])),
        })
    return worst, per_class


def _assert_separated(values, what, gap=1e-9):
    """No two values closer than gap (relative): float noise cannot reorder them."""
    v = sorted(x for x in values if not math.isnan(x))
    for a, b in zip(v, v[1:]):
        assert b - a > gap * max(1.0, abs(b)), (what, a, b)


def class_breakdown(x, y, per, k, kind="logits", ignore_index=IGN, ties_ok=False):
    """x: logits (or log-probabilities for kind="log-probabilities"); y: int64 class indices or
    float64 probabilities of x's shape; per: torch's unreduced loss (reduction none)."""
    cd = class_dim(x)
    C = x.shape[cd]
    xs = x.movedim(cd, -1).reshape(-1, C)  # row-major over (N, d1, ...): flat n*d1 + d
    losses = per.reshape(-1).tolist()
    assert len(losses) == xs.shape[0]
    if y.dtype == torch.int64:
        lab = y.reshape(-1).tolist()
        included = [l != ignore_index for l in lab]
    else:  # probability targets: argmax of the target row, first max wins (numpy's rule)
        ps = y.movedim(cd, -1).reshape(-1, C).numpy()
        lab = [int(v) for v in np.argmax(ps, axis=1)]
        included = [True] * len(lab)
        if not ties_ok:
            _assert_separated_rows(ps, "target rows")
    xn = xs.numpy()
    pred = [int(v) for v in np.argmax(xn, axis=1)]  # first max wins; a NaN counts as the max
    assert pred == xs.argmax(1).tolist()
    lp = xs if kind == "log-probabilities" else F.log_softmax(xs, 1)
    prob = [math.exp(lp[i, l].item()) if included[i] else None for i, l in enumerate(lab)]
    correct = [p == l for p, l in zip(pred, lab)]
    if not ties_ok:
        _assert_separated([l for l, inc in zip(losses, included) if inc], "losses")
        _assert_separated_rows(xn, "logit rows")
    return _worst_and_per_class(losses, lab, pred, prob, lab, correct, included, k)


def _assert_separated_rows(a, what):
    """The two largest of each row differ clearly (argmax is not a coin toss), NaN rows aside."""
    for r in a:
        if np.isnan(r).any():
            continue
        s = np.sort(r)
        assert s.size < 2 or s[-1] - s[-2] > 1e-9, (what, r)


def binary_breakdown(x, t, per, k):
    xf = x.reshape(-1)
    tf = t.reshape(-1)
    losses = per.reshape(-1).tolist()
    last = x.shape[-1] if x.dim() >= 2 else 1
    sig = torch.sigmoid(xf)
    one_minus = torch.sigmoid(-xf)  # 1 - sigmoid(x) without cancellation
    assert close(one_minus, 1 - sig, 1e-9)
    prob = (tf * sig + (1 - tf) * one_minus).tolist()
    pred = [1 if v > 0 else 0 for v in xf.tolist()]
    correct = [(v > 0) == (tt >= 0.5) for v, tt in zip(xf.tolist(), tf.tolist())]
    klass = [i % last for i in range(len(losses))]
    assert all(abs(v) > 1e-9 for v in xf.tolist()) and all(abs(v - 0.5) > 1e-9 for v in tf.tolist())
    _assert_separated(losses, "bce losses")
    return _worst_and_per_class(losses, tf.tolist(), pred, prob, klass, correct,
                                [True] * len(losses), k)


def add_top(name, argv, loss, count, worst, per_class, note):
    add(name, argv, loss, count, note)
    CASES[-1]["expected"].update(jsonable({"worst": worst, "perClass": per_class}))


def top_cases():
    n = "top_ce_ignore"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (10, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (10,), 4, n_ignore=3))
    x, y = T(x), L(y)
    w, pc = class_breakdown(x, y, torch_ce(x, y, reduction="none"), 10)
    assert len(w) == 7
    add_top(n, ["ce", xp, yp, "--top", "10"], torch_ce(x, y), n_counted(y), w, pc,
            "--top 10 with 3 of 10 targets -100: the ignored samples (loss 0) are left out of "
            "worst (only 7 rows) and of perClass")

    n = "top_ce_weight_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (8, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4))
    wp, wt = write_npy(n, "weight.npy", weights(rng, 4))
    x, y, wt = T(x), L(y), T(wt)
    w, pc = class_breakdown(x, y, torch_ce(x, y, weight=wt, reduction="none"), 3)
    add_top(n, ["ce", xp, yp, "--weight", wp, "--reduction", "sum", "--top", "3"],
            torch_ce(x, y, weight=wt, reduction="sum"), n_counted(y), w, pc,
            "--top 3 with class weights: worst ranks the weighted unreduced losses "
            "w[y]*(-log p_y); meanLoss is their plain mean; probability is unweighted")

    n = "top_ce_kdim1_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4, 5)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (3, 5), 4, n_ignore=2))
    x, y = T(x), L(y)
    per = torch_ce(x, y, reduction="none")
    w, pc = class_breakdown(x, y, per, 5)
    add_top(n, ["ce", xp, yp, "--reduction", "none", "--top", "5"], per, n_counted(y), w, pc,
            "--top 5 on K-dim (N,C,d1)=(3,4,5): samples are positions (n,d1), flat index "
            "n*5+d; argmax/probability over dim 1; 2 ignored")

    n = "top_ce_prob"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)))
    yp, y = write_npy(n, "targets.npy", probs(rng, (6, 4)))
    x, y = T(x), T(y)
    w, pc = class_breakdown(x, y, torch_ce(x, y, reduction="none"), 3)
    add_top(n, ["ce", xp, yp, "--top", "3"], torch_ce(x, y), 6, w, pc,
            "--top 3 with probability targets: label is the argmax of the target row, "
            "probability = softmax(x)[label]")

    n = "top_nll_logprobs"
    rng = rng_for(n)
    xp, x = write_npy(n, "logprobs.npy", F.log_softmax(T(logits(rng, (8, 5))), 1).numpy())
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 5, n_ignore=1))
    x, y = T(x), L(y)
    w, pc = class_breakdown(x, y, torch_nll(x, y, reduction="none"), 4,
                            kind="log-probabilities")
    add_top(n, ["nll", xp, yp, "--top", "4"], torch_nll(x, y), n_counted(y), w, pc,
            "--top 4 on nll without --log-softmax: predicted = argmax of the given "
            "log-probabilities, probability = exp(input[label]); one -100 target")

    n = "top_gather"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (7, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (7,), 4))
    x, y = T(x), L(y)
    per = gather_path(x, y, reduction="none")
    assert close(per, F.cross_entropy(x, y, reduction="none"))
    w, pc = class_breakdown(x, y, per, 3)
    add_top(n, ["gather", xp, yp, "--top", "3"], gather_path(x, y), n_counted(y), w, pc,
            "--top 3 in gather mode (same per-sample values as cross-entropy)")

    n = "top_bce_2d"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5, 3)))
    yp, y = write_npy(n, "targets.npy", rng.uniform(0.0, 1.0, size=(5, 3)))
    x, y = T(x), T(y)
    w, pc = binary_breakdown(x, y, torch_bce(x, y, reduction="none"), 5)
    add_top(n, ["bce", xp, yp, "--top", "5"], torch_bce(x, y), 15, w, pc,
            "--top 5 on bce (5,3) soft targets: samples are elements; label = t, predicted = "
            "x > 0, probability = t*sig(x) + (1-t)*(1-sig(x)); class = column; accuracy = "
            "(x > 0) == (t >= 0.5)")

    n = "top_bce_1d"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (6,)))
    yp, y = write_npy(n, "targets.npy", rng.integers(0, 2, size=(6,)).astype(np.float64))
    x, y = T(x), T(y)
    w, pc = binary_breakdown(x, y, torch_bce(x, y, reduction="none"), 2)
    add_top(n, ["bce", xp, yp, "--top", "2"], torch_bce(x, y), 6, w, pc,
            "--top 2 on bce 1-D (6,) with 0/1 targets: one class, 0")

    n = "top_ce_nan_logit"
    rng = rng_for(n)
    a = logits(rng, (5, 3))
    a[2, 0] = np.nan  # at class 0, so "first max wins" and "NaN is the max" agree: predicted 0
    xp, x = write_npy(n, "logits.npy", a)
    lab = labels(rng, (5,), 3)
    lab[2] = 1
    yp, y = write_npy(n, "labels.npy", lab)
    x, y = T(x), L(y)
    w, pc = class_breakdown(x, y, torch_ce(x, y, reduction="none"), 3)
    assert w[0]["index"] == 2 and math.isnan(w[0]["loss"])
    add_top(n, ["ce", xp, yp, "--top", "3"], torch_ce(x, y), 5, w, pc,
            "--top 3 with a NaN logit at [2,0] (label 1): sample 2's loss and probability are "
            "NaN and it ranks first; predicted 0; class 1's meanLoss is NaN")

    n = "top_ce_ties"
    rows = np.array([[0.5, -1.0, 2.0],    # 0
                     [2.0, 0.0, -1.0],    # 1  (= row 4, same label)
                     [1.0, 1.0, 0.0],     # 2  two equal maxima: predicted 0
                     [-0.5, 0.25, 1.5],   # 3
                     [2.0, 0.0, -1.0],    # 4
                     [0.0, 3.0, 0.5],     # 5  (= row 6, same label)
                     [0.0, 3.0, 0.5]])    # 6
    xp, x = write_npy(n, "logits.npy", rows)
    yp, y = write_npy(n, "labels.npy", np.array([0, 1, 1, 2, 1, 2, 2], dtype=np.int64))
    x, y = T(x), L(y)
    per = torch_ce(x, y, reduction="none")
    assert per[1].item() == per[4].item() and per[5].item() == per[6].item()
    w, pc = class_breakdown(x, y, per, 3, ties_ok=True)
    assert [r["index"] for r in w] == [5, 6, 1], w  # 1 and 4 tie at the cut: the lower index stays
    assert w[2]["loss"] == per[4].item()
    assert _worst_and_per_class(per.tolist(), [0] * 7, [0] * 7, [0] * 7, [0] * 7, [True] * 7,
                                [True] * 7, 4)[0][3]["index"] == 4
    add_top(n, ["ce", xp, yp, "--top", "3"], torch_ce(x, y), 7, w, pc,
            "--top 3 with exact ties: rows 5,6 and rows 1,4 are duplicates with equal losses; "
            "ties keep the lower flat index first, so 5, 6, 1 (4 is cut); row 2 (label 1) has two "
            "equal maximal logits: predicted is the first, 0, so class 1's accuracy is 0")


# ======================================================================== compare
#
# `losscalc compare a b [--rtol] [--atol] [--equal-nan]`: torch.isclose(a, b) elementwise, b the
# reference. Written to fixtures/compare/ and fixtures/compare.json.

COMPARE = FIXTURES / "compare"
COMPARE_JSON = FIXTURES / "compare.json"
COMPARE_CASES = []


def cmp_write(fname, arr):
    """Write one array in the format its extension names; return (argv path, float64 as read)."""
    p = COMPARE / fname
    arr = np.asarray(arr)
    if p.suffix == ".npy":
        np.save(p, arr)
        back = np.load(p)
    elif p.suffix == ".csv":
        assert arr.ndim in (1, 2)
        rows = arr.reshape(-1, 1) if arr.ndim == 1 else arr
        p.write_text("".join(",".join(fmt_float(v) for v in r) + "\n" for r in rows))
        back = np.array([[float(c) for c in line.split(",")]
                         for line in p.read_text().splitlines()]).reshape(arr.shape)
    elif p.suffix == ".json":
        p.write_text(json.dumps(jsonable(arr.tolist()), allow_nan=False) + "\n")
        conv = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

        def un(v):
            return [un(e) for e in v] if isinstance(v, list) else conv.get(v, v)
        back = np.array(un(json.loads(p.read_text())), dtype=np.float64)
    else:
        raise ValueError(fname)
    assert back.shape == arr.shape
    assert np.array_equal(back.astype(np.float64), arr.astype(np.float64), equal_nan=True)
    return rel(p), back


def isclose_int(x, y, rtol, atol):
    """|a - b| <= atol + rtol * |b| on integers, exactly (Fractions of the float64 tolerances):
    the rule torch.isclose states, without its rounding of integers beyond 2^53 to floats."""
    from fractions import Fraction
    return x == y or Fraction(abs(x - y)) <= Fraction(atol) + Fraction(rtol) * abs(y)


def median_int(d):
    s, m = sorted(d), len(d) // 2
    return float(s[m]) if len(s) % 2 else (s[m - 1] + s[m]) / 2


def compare_expected_int(a, b, rtol, atol, torch_agrees):
    """Two integer arrays: compared as integers, exactly; statistics from Python's integers,
    rounded once. Where torch.isclose (float64 default dtype) can tell the values apart,
    `torch_agrees`, its verdicts must be the same."""
    fa = [int(v) for v in a.reshape(-1)]
    fb = [int(v) for v in b.reshape(-1)]
    close = np.array([isclose_int(x, y, rtol, atol) for x, y in zip(fa, fb)], dtype=bool)
    if torch_agrees:
        ta, tb = (torch.from_numpy(v.astype(np.int64)) for v in (a, b))
        isclose = torch.isclose(ta, tb, rtol=rtol, atol=atol).reshape(-1).numpy()
        assert np.array_equal(close, isclose), (close, isclose)
    d = [abs(x - y) for x, y in zip(fa, fb)]
    rel_ = [0.0 if di == 0 else (math.inf if y == 0 else di / abs(y)) for di, y in zip(d, fb)]
    bad = np.flatnonzero(~close)
    return {"ok": bool(bad.size == 0), "count": len(fa), "mismatches": int(bad.size),
            "maxAbsDiff": float(max(d)), "maxRelDiff": float(max(rel_)),
            "meanAbsDiff": sum(d) / len(d), "medianAbsDiff": median_int(d),
            "firstMismatches": [{"index": int(i), "a": fa[i], "b": fb[i], "absDiff": float(d[i])}
                                for i in bad[:10]]}


def compare_expected(a, b, rtol=1e-5, atol=1e-8, equal_nan=False, torch_agrees=True):
    if a.shape != b.shape:
        return {"ok": False, "shapes": {"a": list(a.shape), "b": list(b.shape)}}
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        return compare_expected_int(a, b, rtol, atol, torch_agrees)
    a = np.asarray(a, dtype=np.float64)  # float32 / CSV values exactly as stored
    b = np.asarray(b, dtype=np.float64)
    ta, tb = torch.from_numpy(a.copy()), torch.from_numpy(b.copy())
    isclose = torch.isclose(ta, tb, rtol=rtol, atol=atol, equal_nan=equal_nan).reshape(-1)
    # the rule, spelled out: equal (incl. same-signed inf), or both finite and within tolerance
    fa, fb = a.reshape(-1), b.reshape(-1)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        absd = np.abs(fa - fb)
        mine = (fa == fb) | (np.isfinite(fa) & np.isfinite(fb) & (absd <= atol + rtol * np.abs(fb)))
        if equal_nan:
            mine |= np.isnan(fa) & np.isnan(fb)
        assert np.array_equal(mine, isclose.numpy()), (mine, isclose)
        # statistics over the pairs without NaN: equal values differ by 0, an infinity
        # against anything else by inf, relative too
        both = ~np.isnan(fa) & ~np.isnan(fb)
        d = np.where(fa[both] == fb[both], 0.0, absd[both])
        rel_ = np.where(d == 0, 0.0, np.where(np.isinf(d), np.inf, d / np.abs(fb[both])))
    bad = np.flatnonzero(~isclose.numpy())
    if d.size:
        stats = {"maxAbsDiff": float(d.max()), "maxRelDiff": float(rel_.max()),
                 "meanAbsDiff": float(np.mean(d)), "medianAbsDiff": float(np.median(d))}
    else:
        stats = dict.fromkeys(("maxAbsDiff", "maxRelDiff", "meanAbsDiff", "medianAbsDiff"),
                              math.nan)
    return {"ok": bool(bad.size == 0), "count": int(fa.size), "mismatches": int(bad.size),
            **stats,
            "firstMismatches": [{"index": int(i), "a": float(fa[i]), "b": float(fb[i]),
                                 "absDiff": float(absd[i])} for i in bad[:10]]}


def add_compare(name, a, b, ext=(".npy", ".npy"), flags=(), note="", **tol):
    assert name not in {c["name"] for c in COMPARE_CASES}, name
    ap, a = cmp_write(f"{name}_a{ext[0]}", a)
    bp, b = cmp_write(f"{name}_b{ext[1]}", b)
    expected = compare_expected(a, b, **tol)
    COMPARE_CASES.append({"name": name, "argv": ["compare", ap, bp, *flags],
                          "expected": jsonable(expected), "exit": 0 if expected["ok"] else 1,
                          "note": note})
    return expected


def compare_cases():
    if COMPARE.exists():
        shutil.rmtree(COMPARE)
    COMPARE.mkdir(parents=True)
    rng = rng_for("compare")
    base = rng.normal(0.0, 3.0, size=12)

    e = add_compare("identical", base, base.copy(),
                    note="the same 12 float64 values in two files: all statistics 0")
    assert e["ok"] and e["maxAbsDiff"] == 0

    a = base * (1 + rng.uniform(-2e-6, 2e-6, size=12))
    e = add_compare("within_tolerance", a, base,
                    note="relative differences up to 2e-6, under the default rtol 1e-5")
    assert e["ok"] and e["maxAbsDiff"] > 0

    a = base.copy()
    a[[2, 7, 9]] += [1e-3, -0.5, 2e-4]
    e = add_compare("few_mismatches", a, base,
                    note="3 of 12 elements differ beyond tolerance: exit 1, all 3 listed")
    assert e["mismatches"] == 3

    a = np.array([0.0, 1e-9, -0.0, 1.0, 0.0, 2.5])
    b = np.array([0.0, 0.0, 0.0, 1.0, -0.0, 2.5])
    e = add_compare("zero_reference", a, b,
                    note="b == 0: equal elements (0 vs 0, -0 vs 0) give relDiff 0; 1e-9 vs 0 is "
                         "close (|d| <= atol) but its relDiff is Infinity")
    assert e["ok"] and math.isinf(e["maxRelDiff"])

    a = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0]])
    b = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, np.nan]])
    e = add_compare("nan_json", a, b, ext=(".json", ".json"),
                    note="JSON with \"NaN\" strings, no --equal-nan: NaN vs NaN is a mismatch, "
                         "as are NaN vs 4 and 6 vs NaN; statistics over the 3 finite pairs")
    assert e["mismatches"] == 3
    e = add_compare("nan_json_equal_nan", a, b, ext=(".json", ".json"),
                    flags=["--equal-nan"], equal_nan=True,
                    note="the same with --equal-nan: NaN vs NaN is close, NaN vs a number is not")
    assert e["mismatches"] == 2
    e = add_compare("nan_both_equal_nan", np.array([np.nan, 1.0]), np.array([np.nan, 1.0]),
                    flags=["--equal-nan"], equal_nan=True,
                    note="only matching NaNs and equal numbers, --equal-nan: ok, exit 0")
    assert e["ok"]

    a = np.array([np.inf, -np.inf, np.inf, np.inf, -np.inf, 1e308])
    b = np.array([np.inf, -np.inf, -np.inf, 1e308, 1.0, np.inf])
    e = add_compare("inf_only", a, b,
                    note="inf vs inf and -inf vs -inf are close (a == b, difference 0); inf vs "
                         "-inf, inf vs 1e308, -inf vs 1 and 1e308 vs inf are not, and differ by "
                         "inf: max, mean and median |a - b| are inf")
    assert e["mismatches"] == 4 and math.isinf(e["maxAbsDiff"]) and math.isinf(e["medianAbsDiff"])
    a = np.array([np.inf, 2.0, -np.inf, 4.0, np.inf, 6.0])
    b = np.array([np.inf, 2.0, -np.inf, 4.00001, 1e300, 6.0])
    e = add_compare("inf_mixed", a, b, flags=["--atol", "0"], atol=0.0,
                    note="infinities next to finite values, --atol 0: inf vs 1e300 is a mismatch "
                         "with absDiff Infinity, and so are max and mean |a - b|; 4 vs 4.00001 "
                         "passes rtol 1e-5")
    assert e["mismatches"] == 1 and math.isinf(e["maxAbsDiff"]) and e["medianAbsDiff"] == 0
    e = add_compare("finite_vs_inf", np.array([3.0, 1.0, -2.0]), np.array([np.inf, 1.0, -2.0]),
                    note="3 vs inf: a mismatch, and max |a - b| is inf (not 0 over the finite "
                         "pairs); the median over 0, 0, inf is 0")
    assert e["mismatches"] == 1 and math.isinf(e["maxAbsDiff"]) and e["medianAbsDiff"] == 0
    e = add_compare("nan_vs_inf", np.array([np.nan, 2.0]), np.array([np.inf, 2.5]),
                    flags=["--atol", "1"], atol=1.0,
                    note="NaN vs inf is a mismatch left out of the statistics (NaN); 2 vs 2.5 "
                         "is within --atol 1")
    assert e["mismatches"] == 1 and e["maxAbsDiff"] == 0.5

    # integers beyond 2^53 (int64, uint64) are compared as integers, never through float64
    big = 2**53
    a = np.array([big, big + 1, -big - 3, 2**62], dtype=np.int64)
    b = np.array([big + 1, big, -big - 3, 2**62 + 1], dtype=np.int64)
    e = add_compare("int64_beyond_2_53", a, b, flags=["--rtol", "0", "--atol", "0"],
                    rtol=0.0, atol=0.0,
                    note="int64 2^53 vs 2^53+1 with --rtol 0 --atol 0: equal as float64, "
                         "different as integers; 3 of 4 differ by 1, shown exactly")
    assert e["mismatches"] == 3 and e["maxAbsDiff"] == 1.0
    e = add_compare("int64_beyond_2_53_default_tolerance", a, b,
                    note="the same at the default tolerances: torch.isclose accepts a "
                         "difference of 1 at this magnitude")
    assert e["ok"]
    a = np.array([2**60 + 3, 2**60 + 2, -(2**62) - 2, 5], dtype=np.int64)
    b = np.array([2**60, 2**60, -(2**62), 3], dtype=np.int64)
    e = add_compare("int64_atol_beyond_2_53", a, b, flags=["--rtol", "0", "--atol", "2"],
                    rtol=0.0, atol=2.0, torch_agrees=False,
                    note="--atol 2 on int64 near 2^60, exactly: 2^60+3 vs 2^60 differs by 3 > 2 "
                         "(torch.isclose rounds both to float64 and sees 0); 2^60+2, -2^62-2 "
                         "and 5 vs 3 are within 2")
    assert e["mismatches"] == 1 and e["maxAbsDiff"] == 3.0
    e = add_compare("int64_rtol", np.array([100001, 100002, 0, 10], dtype=np.int64),
                    np.array([100000, 100000, 10, 0], dtype=np.int64),
                    flags=["--rtol", "1e-5", "--atol", "0"], rtol=1e-5, atol=0.0,
                    note="rtol on integers: 100001 vs 100000 is within 1e-5 * 100000 (1e-5 is a "
                         "hair above 10^-5 as a float64), 100002 is not; 0 vs 10 is not; 10 vs 0 "
                         "is not, with relDiff inf")
    assert e["mismatches"] == 3 and math.isinf(e["maxRelDiff"])
    a = np.array([2**64 - 1, 2**63, 7], dtype=np.uint64)
    b = np.array([2**64 - 2, 2**63, 7], dtype=np.uint64)
    e = add_compare("uint64_exact", a, b, flags=["--rtol", "0", "--atol", "0"], rtol=0.0, atol=0.0,
                    torch_agrees=False,
                    note="uint64 2^64-1 vs 2^64-2: one mismatch, |a - b| 1")
    assert e["mismatches"] == 1 and e["maxAbsDiff"] == 1.0
    e = add_compare("int32_vs_int64", np.array([1, -2, 3], dtype=np.int32),
                    np.array([1, -2, 4], dtype=np.int64), flags=["--atol", "0.5"], atol=0.5,
                    note="integer dtypes of different widths compare as integers: 3 vs 4 fails "
                         "at atol 0.5")
    assert e["mismatches"] == 1
    e = add_compare("int64_vs_float64", np.array([big + 1, 5], dtype=np.int64),
                    np.array([float(big), 5.5]), flags=["--rtol", "0", "--atol", "0"],
                    rtol=0.0, atol=0.0,
                    note="int64 against float64 compares in float64, as torch promotes them: "
                         "2^53+1 becomes 2^53 and equals it; 5 vs 5.5 differs")
    assert e["mismatches"] == 1

    b = rng.normal(0.0, 1.0, size=8)
    a = b * (1 + 1e-4)
    e = add_compare("rtol_default_fails", a, b,
                    note="relative differences 1e-4 fail at the default rtol 1e-5")
    assert not e["ok"]
    e = add_compare("rtol_override", a, b, flags=["--rtol", "1e-3"], rtol=1e-3,
                    note="the same pair passes with --rtol 1e-3")
    assert e["ok"]
    b = np.array([0.0, 1e-7, -2e-7, 5e-8, 0.0])
    a = np.array([3e-5, 1.5e-7, -6e-5, 5e-8, -9e-6])
    e = add_compare("atol_default_fails", a, b,
                    note="near-zero values: differences up to 6e-5 fail at the default atol 1e-8")
    assert e["mismatches"] == 4
    e = add_compare("atol_override", a, b, flags=["--atol", "1e-4"], atol=1e-4,
                    note="the same pair passes with --atol 1e-4")
    assert e["ok"]
    a = base * (1 + 1e-12)
    e = add_compare("zero_tolerance", a, base, flags=["--rtol", "0", "--atol", "0"],
                    rtol=0.0, atol=0.0,
                    note="--rtol 0 --atol 0: only exact equality passes, a 1e-12 relative "
                         "change fails")
    assert e["mismatches"] > 0

    v = rng.normal(0.0, 10.0, size=(4, 5))
    e = add_compare("float32_vs_float64", v.astype(np.float32), v,
                    note="float32 dump (a) of float64 values (b): rounding <= 2^-24 relative, "
                         "ok at the default tolerance; statistics from the stored float32 values")
    assert e["ok"] and e["maxAbsDiff"] > 0

    b = rng.normal(0.0, 1.0, size=(4, 6))
    a = b.copy()
    a[0, 5] += 0.1
    a[2, 1] -= 0.25
    a[3, 0] *= 1.01
    e = add_compare("csv_2d", a, b, ext=(".csv", ".csv"),
                    note="(4,6) CSV files, 3 mismatches at [0,5], [2,1], [3,0]: flat indices "
                         "5, 13, 18")
    assert [m["index"] for m in e["firstMismatches"]] == [5, 13, 18]

    b = rng.normal(0.0, 1.0, size=(5, 5))
    a = b.copy()
    bad = np.sort(rng.choice(25, size=14, replace=False))
    a.reshape(-1)[bad] += rng.uniform(0.01, 1.0, size=14)
    e = add_compare("many_mismatches", a, b,
                    note="14 of 25 elements of a (5,5) array mismatch: mismatches 14, "
                         "firstMismatches only the first 10 in flat order")
    assert e["mismatches"] == 14 and len(e["firstMismatches"]) == 10

    e = add_compare("json_vs_npy", np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.5]),
                    ext=(".json", ".npy"), note="a JSON array against an NPY dump: identical")
    assert e["ok"]

    e = add_compare("shape_mismatch", rng.normal(size=(2, 3)), rng.normal(size=(3, 2)),
                    note="(2,3) vs (3,2): same size, different shapes; nothing compared, exit 1")
    assert e == {"ok": False, "shapes": {"a": [2, 3], "b": [3, 2]}}

    compare_block_cases()
    for c in COMPARE_CASES:
        for a in c["argv"][1:3]:
            assert (FIXTURES / a).is_file(), (c["name"], a)
    COMPARE_JSON.write_text(json.dumps(COMPARE_CASES, indent=1, allow_nan=False) + "\n")


def compare_block_cases():
    """Pairs larger than the tests' tiny blocks (64 bytes), for compare read block by block:
    the median of more differences than the blocks hold is found by reading again, bit by bit
    of the differences, so these put the middle ranks among ties, across bins, and among values
    alike in their first 48 bits. Seeded apart, so that the cases above never change."""
    rng = rng_for("compare_blocks")

    b = rng.normal(0.0, 1.0, size=301)
    a = b.copy()
    a[:100] += 1.0
    a[100:150] += 2.0
    a[150:160] = np.inf
    a[160:165] = np.nan
    e = add_compare("blocks_median_ties", a, b,
                    note="301 elements: 136 equal, 100 differing by about 1 (b + 1 - b rounds), "
                         "50 by about 2, 10 by inf, 5 NaN; the median of the 296 differences "
                         "is among those near 1")
    assert e["mismatches"] == 165

    b = rng.integers(-50, 50, size=300).astype(np.float64)
    a = b + np.repeat([1.0, 2.0], 150)
    e = add_compare("blocks_median_straddle", a, b,
                    note="300 differences, 150 exactly 1 and 150 exactly 2: the two middle "
                         "ones are in different bins, the median is 1.5")
    assert e["medianAbsDiff"] == 1.5

    k = rng.permutation(200)
    a = 1.0 + k * 2.0 ** -52
    e = add_compare("blocks_median_deep_bits", a, np.zeros(200),
                    note="differences 1 + k ulp, k = 0..199: all alike but in their last bits; "
                         "the median is the mean of 1 + 99 ulp and 1 + 100 ulp")
    assert e["mismatches"] == 200

    b = rng.integers(-2**62, 2**62, size=300, dtype=np.int64)
    a = b + np.repeat(np.array([0, 1, 3, 2**55], dtype=np.int64), 75)
    e = add_compare("blocks_int64_many", a, b, flags=["--rtol", "0", "--atol", "2"],
                    rtol=0.0, atol=2.0, torch_agrees=False,
                    note="int64 near 2^62, differences 0, 1, 3 and 2^55, 75 of each: compared "
                         "as integers, 150 mismatches; the median is 2")
    assert e["mismatches"] == 150 and e["medianAbsDiff"] == 2.0

    a = rng.integers(-1000, 1000, size=40).astype(np.int32)
    b = a.astype(np.int64)
    b[::3] += 2**60 + 1
    e = add_compare("blocks_int32_vs_int64_beyond_2_53", a, b,
                    flags=["--rtol", "0", "--atol", "0"], rtol=0.0, atol=0.0, torch_agrees=False,
                    note="int32 against int64 (blocks of different lengths): every third b is "
                         "2^60 + 1 more than a, shown exactly")
    assert e["mismatches"] == 14

    b = rng.normal(0.0, 1.0, size=2000).astype(np.float32)
    a = b * (1 + rng.uniform(-1e-4, 1e-4, size=2000)).astype(np.float32)
    e = add_compare("blocks_float32_perturbed", a, b,
                    note="2000 float32 values against a copy perturbed by up to 1e-4 relative")
    assert e["mismatches"] > 0 and e["medianAbsDiff"] > 0

    b = rng.normal(0.0, 1.0, size=(60, 7))
    a = b + rng.normal(0.0, 1e-5, size=(60, 7))
    e = add_compare("blocks_csv", a, b, ext=(".csv", ".csv"),
                    note="(60, 7) CSV files: rows cross blocks")
    assert e["mismatches"] > 0


# ================================================================ formats (issue 4)
#
# Each format losscalc reads, end to end through a loss: npz (np.savez / np.savez_compressed),
# safetensors (written byte by byte as the format specifies), NPY big-endian / Fortran /
# float16, a JSON object with (nested) keys, TSV, JSON Lines, CSV with numpy's nan/inf tokens,
# quoted fields + CRLF + BOM, pandas-style tables (--label-column, --drop-columns), shards
# (repeated -l/-y), stdin (entry field "stdin": the file to pipe into `-`) and merge (entry
# field "merge": the argv of each shard; run each with --json, then `losscalc merge` them; the
# entry's "argv" is just ["merge"]). Expected values come from the values read back from the
# files, independently of losscalc's readers.


def write_bytes(name, fname, data):
    p = case_dir(name) / fname
    p.write_bytes(data)
    return rel(p)


def write_npz(name, fname, arrays, compressed=False):
    """np.savez / np.savez_compressed of a dict (keyword arrays) or a list (arr_0, ...);
    returns (path, {key: array as stored})."""
    p = case_dir(name) / fname
    save = np.savez_compressed if compressed else np.savez
    if isinstance(arrays, dict):
        save(p, **arrays)
    else:
        save(p, *arrays)
    with np.load(p) as z:
        back = {k: z[k] for k in z.files}
    return rel(p), back


# safetensors: dtype name -> (numpy dtype of the raw little-endian data, bytes per element)
ST_DTYPES = {
    "F64": ("<f8", 8), "F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2),
    "I64": ("<i8", 8), "I32": ("<i4", 4), "I16": ("<i2", 2), "I8": ("i1", 1),
    "U8": ("u1", 1), "BOOL": ("u1", 1),
}


def st_bytes(dtype, arr):
    """The raw little-endian bytes of arr as safetensors dtype `dtype` (BF16 through torch)."""
    if dtype == "BF16":
        t = torch.tensor(np.asarray(arr, dtype=np.float64)).to(torch.bfloat16)
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "BOOL":
        return np.asarray(arr, dtype=bool).astype("u1").tobytes()
    return np.ascontiguousarray(arr, dtype=ST_DTYPES[dtype][0]).tobytes()


def write_safetensors(name, fname, tensors, metadata=None):
    """tensors: {key: (dtype, array)}. The layout of safetensors' own serializer: an 8-byte
    little-endian header length, the compact JSON header (__metadata__ first, then the tensors
    in data order: larger dtypes first, then by name) padded with spaces so the data starts at
    a multiple of 8, then the tensors' raw bytes back to back. Returns (path, read back)."""
    order = sorted(tensors, key=lambda k: (-ST_DTYPES[tensors[k][0]][1], k))
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for k in order:
        dtype, arr = tensors[k]
        b = st_bytes(dtype, arr)
        header[k] = {"dtype": dtype, "shape": list(np.shape(arr)), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-(8 + len(h)) % 8)
    data = len(h).to_bytes(8, "little") + h + b"".join(blobs)
    p = case_dir(name) / fname
    p.write_bytes(data)
    return rel(p), read_safetensors(p)


def read_safetensors(p):
    """An independent reader: {key: float64/int64/bool numpy array} (BF16 upcast by torch)."""
    buf = Path(p).read_bytes()
    n = int.from_bytes(buf[:8], "little")
    assert (8 + n) % 8 == 0
    header = json.loads(buf[8:8 + n].decode())
    base = 8 + n
    out_ = {}
    spans = []
    for k, v in header.items():
        if k == "__metadata__":
            assert all(isinstance(x, str) for x in v.values())
            continue
        a, b = v["data_offsets"]
        spans.append((a, b))
        raw = buf[base + a:base + b]
        npdt, size = ST_DTYPES[v["dtype"]]
        count = int(np.prod(v["shape"])) if v["shape"] else 1
        assert len(raw) == count * size, k
        if v["dtype"] == "BF16":
            t = torch.frombuffer(bytearray(raw), dtype=torch.bfloat16).to(torch.float64)
            arr = t.numpy().reshape(v["shape"])
        elif v["dtype"] == "BOOL":
            u = np.frombuffer(raw, dtype="u1")
            assert set(u.tolist()) <= {0, 1}
            arr = u.astype(bool).reshape(v["shape"])
        else:
            arr = np.frombuffer(raw, dtype=npdt).reshape(v["shape"])
        out_[k] = arr.copy()
    spans.sort()
    assert spans[0][0] == 0 and spans[-1][1] == len(buf) - base
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # contiguous, no overlap
    return out_


def write_savetxt(name, fname, arr, delimiter=",", fmt="%.18e", header=None):
    """np.savetxt (numpy's own text: '%.18e', nan/inf/-inf tokens, '# ' header comment);
    read back with np.loadtxt."""
    p = case_dir(name) / fname
    kw = {} if header is None else {"header": header}
    np.savetxt(p, arr, delimiter=delimiter, fmt=fmt, **kw)
    back = np.loadtxt(p, delimiter=delimiter, ndmin=1)
    back = back.reshape(np.shape(arr))
    assert np.array_equal(back, np.asarray(arr, dtype=np.float64), equal_nan=True), name
    return rel(p), back


def write_jsonl(name, fname, arr):
    """JSON Lines: one row (an array, or a number for 1-D) per line."""
    p = case_dir(name) / fname
    p.write_text("".join(json.dumps(r) + "\n" for r in np.asarray(arr).tolist()))
    back = np.array([json.loads(line) for line in p.read_text().splitlines() if line.strip()])
    assert np.array_equal(back, arr), name
    return rel(p), back


def write_csv_module(name, fname, rows, header=None):
    """Python's csv module as Excel writes it: every field quoted, CRLF line ends, a UTF-8
    BOM (encoding utf-8-sig). rows: lists of numbers (floats by repr, ints as ints)."""
    import csv
    import io
    s = io.StringIO()
    w = csv.writer(s, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    if header is not None:
        w.writerow(header)
    for r in rows:
        w.writerow([repr(float(v)) if isinstance(v, float) else str(int(v)) for v in r])
    p = case_dir(name) / fname
    p.write_bytes(s.getvalue().encode("utf-8-sig"))
    text = p.read_bytes().decode("utf-8-sig")
    assert text.count("\r\n") == len(rows) + (header is not None)
    parsed = list(csv.reader(io.StringIO(text, newline="")))[1 if header is not None else 0:]
    back = np.array([[float(c) for c in r] for r in parsed])
    return rel(p), back


def pandas_csv(name, fname, columns, index=True, sep=","):
    """What DataFrame.to_csv writes (pandas itself is not needed): a header of the column
    names, preceded by an empty name when the index is written, the index 0..N-1 first; floats
    as repr (shortest round-trip), ints as ints, strings as they are. columns: list of
    (name, values). Returns (path, {name: values read back})."""
    n = len(columns[0][1])
    names = ([""] if index else []) + [c for c, _ in columns]
    lines = [sep.join(names)]

    def cell(v):
        if isinstance(v, str):
            return v
        if isinstance(v, (float, np.floating)):
            return repr(float(v))
        return str(int(v))

    for i in range(n):
        lines.append(sep.join(([str(i)] if index else []) + [cell(vals[i]) for _, vals in columns]))
    p = case_dir(name) / fname
    p.write_text("\n".join(lines) + "\n")
    body = [line.split(sep) for line in p.read_text().splitlines()[1:]]
    off = 1 if index else 0
    back = {}
    for j, (c, vals) in enumerate(columns):
        col = [r[off + j] for r in body]
        back[c] = col if isinstance(vals[0], str) else np.array([float(v) for v in col])
    return rel(p), back


def add_extra(**fields):
    CASES[-1].update(fields)


def add_merge(name, shards, loss, count, note):
    """A merge case: `shards` are full argv lists (without --json); expected is the loss of
    the union computed in one torch call."""
    add(name, ["merge"], loss, count, note)
    CASES[-1]["merge"] = shards
    CASES[-1] = {k: CASES[-1][k] for k in ("name", "argv", "merge", "expected", "note")}


def formats_cases():
    # ------------------------------------------------------------------ npz
    n = "fmt_npz_savez_keys_mean"
    rng = rng_for(n)
    p, z = write_npz(n, "dump.npz", {"logits": logits(rng, (7, 4)),
                                     "labels": labels(rng, (7,), 4, n_ignore=2)})
    x, y = T(z["logits"]), L(z["labels"])
    add(n, ["ce", p + ":logits", p + ":labels"], torch_ce(x, y), n_counted(y),
        "np.savez(dump.npz, logits=, labels=) (stored zip): dump.npz:logits and dump.npz:labels; "
        "two -100 targets")

    for r in ("sum", "none"):
        n = f"fmt_npz_compressed_weight_{r}"
        rng = rng_for("fmt_npz_compressed_weight")
        p, z = write_npz(n, "dump.npz", {"logits": logits(rng, (6, 3)).astype(np.float32),
                                         "labels": labels(rng, (6,), 3, n_ignore=1).astype(np.int32),
                                         "weight": weights(rng, 3)}, compressed=True)
        x, y, w = T(z["logits"]), L(z["labels"]), T(z["weight"])
        add(n, ["ce", p + ":logits", p + ":labels", "--weight", p + ":weight"] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), n_counted(y),
            f"np.savez_compressed (deflated zip) of float32 logits, int32 labels and float64 "
            f"weight, each picked by key (also --weight dump.npz:weight); reduction {r}")

    n = "fmt_npz_single_nokey_mean"
    rng = rng_for(n)
    xp, zx = write_npz(n, "logits.npz", [logits(rng, (5, 4))])
    yp, zy = write_npz(n, "labels.npz", [labels(rng, (5,), 4)], compressed=True)
    assert list(zx) == ["arr_0"] and list(zy) == ["arr_0"]
    x, y = T(zx["arr_0"]), L(zy["arr_0"])
    add(n, ["ce", xp, yp], torch_ce(x, y), 5,
        "npz files holding one array each (np.savez(f, x) -> arr_0; labels savez_compressed): "
        "no key needed")

    n = "fmt_npz_bce_kdim_mean"
    rng = rng_for(n)
    p, z = write_npz(n, "outputs.npz", {"scores": logits(rng, (2, 3, 4)),
                                        "targets": rng.integers(0, 2, size=(2, 3, 4)).astype(np.uint8)},
                     compressed=True)
    x, t = T(z["scores"]), T(z["targets"])
    add(n, ["bce", p + ":scores", p + ":targets", "--pos-weight", "2,1,0.5,3"],
        torch_bce(x, t, pos_weight=T([2, 1, 0.5, 3])), 24,
        "bce-logits from a compressed npz: (2,3,4) scores, uint8 0/1 targets, inline pos_weight")

    # ------------------------------------------------------------------ safetensors
    for r in ("mean", "none"):
        n = f"fmt_st_f32_i64_{r}"
        rng = rng_for("fmt_st_f32_i64")
        p, st = write_safetensors(n, "model.safetensors", {
            "logits": ("F32", logits(rng, (6, 4))),
            "labels": ("I64", labels(rng, (6,), 4, n_ignore=1)),
            "class_weight": ("F64", weights(rng, 4)),
        }, metadata={"format": "pt", "step": "1200"})
        x, y, w = T(st["logits"]), L(st["labels"]), T(st["class_weight"])
        add(n, ["ce", p + ":logits", p + ":labels", "--weight", p + ":class_weight"] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), n_counted(y),
            f"one safetensors file (with __metadata__) holding F32 logits, I64 labels (one -100) "
            f"and F64 class weights, each picked by key; reduction {r}")

    n = "fmt_st_bf16_logits_mean"
    rng = rng_for(n)
    xp, sx = write_safetensors(n, "logits.safetensors", {"logits": ("BF16", logits(rng, (5, 3)))})
    yp, sy = write_safetensors(n, "labels.safetensors", {"y": ("I64", labels(rng, (5,), 3))})
    x, y = T(sx["logits"]), L(sy["y"])
    assert torch.equal(x.to(torch.bfloat16).to(torch.float64), x)
    add(n, ["ce", xp, yp], torch_ce(x, y), 5,
        "BF16 logits (torch.bfloat16, upcast to float64 for the expected value) and I64 labels, "
        "each the only tensor of its safetensors file (no key, no __metadata__)")

    n = "fmt_st_bf16_logits_ls_sum"
    rng = rng_for(n)
    p, st = write_safetensors(n, "dump.safetensors", {
        "logits": ("BF16", logits(rng, (4, 5), scale=20.0)),
        "labels": ("I16", labels(rng, (4,), 5)),
    }, metadata={"format": "pt"})
    x, y = T(st["logits"]), L(st["labels"])
    add(n, ["ce", p + ":logits", p + ":labels", "--label-smoothing", "0.1", "--reduction", "sum"],
        torch_ce(x, y, ls=0.1, reduction="sum"), 4,
        "BF16 logits of large magnitude (scale 20) and I16 labels in one file; label smoothing "
        "0.1, sum")

    for r in ("mean", "none"):
        n = f"fmt_st_f16_kdim_{r}"
        rng = rng_for("fmt_st_f16_kdim")
        p, st = write_safetensors(n, "seg.safetensors", {
            "logits": ("F16", logits(rng, (2, 4, 3))),
            "labels": ("I32", labels(rng, (2, 3), 4, n_ignore=1)),
        }, metadata={"format": "pt"})
        x, y = T(st["logits"]), L(st["labels"])
        add(n, ["ce", p + ":logits", p + ":labels"] + red_argv(r),
            torch_ce(x, y, reduction=r), n_counted(y),
            f"F16 K-dim logits (2,4,3) and I32 labels (2,3) with a -100 in one safetensors file; "
            f"reduction {r}")

    n = "fmt_st_u8_i8_labels_sum"
    rng = rng_for(n)
    p, st = write_safetensors(n, "dump.safetensors", {
        "a": ("F64", logits(rng, (5, 3))),
        "b": ("F64", logits(rng, (5, 3))),
        "labels_u8": ("U8", labels(rng, (5,), 3).astype(np.uint8)),
        "labels_i8": ("I8", labels(rng, (5,), 3).astype(np.int8)),
    })
    x, y = T(st["b"]), L(st["labels_i8"])
    add(n, ["nll", p + ":b", p + ":labels_i8", "--log-softmax", "--reduction", "sum"],
        F.nll_loss(F.log_softmax(x, 1), y, reduction="sum"), 5,
        "safetensors with four tensors (two F64, U8 and I8): picks the second F64 and the I8 "
        "labels; nll --log-softmax, sum")
    assert close(CASES[-1]["expected"]["loss"], torch_ce(x, y, reduction="sum"))

    for r in ("mean", "none"):
        n = f"fmt_st_bce_bool_{r}"
        rng = rng_for("fmt_st_bce_bool")
        p, st = write_safetensors(n, "bce.safetensors", {
            "logits": ("F32", logits(rng, (4, 3))),
            "targets": ("BOOL", rng.integers(0, 2, size=(4, 3)).astype(bool)),
            "pos_weight": ("F32", weights(rng, 3)),
        }, metadata={"format": "pt"})
        x, t, pw = T(st["logits"]), T(st["targets"]), T(st["pos_weight"])
        add(n, ["bce", p + ":logits", p + ":targets", "--pos-weight", p + ":pos_weight"]
            + red_argv(r), torch_bce(x, t, pos_weight=pw, reduction=r), 12,
            f"bce-logits with safetensors BOOL targets (one byte 0/1), F32 logits and F32 "
            f"pos_weight from the same file; reduction {r}")

    # ------------------------------------------------------------------ NPY variants
    for r in ("mean", "none"):
        n = f"fmt_npy_bigendian_{r}"
        rng = rng_for("fmt_npy_bigendian")
        xp, x = write_npy(n, "logits.npy", logits(rng, (6, 4)).astype(">f8"))
        yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4, n_ignore=1).astype(">i8"))
        wp, w = write_npy(n, "weight.npy", weights(rng, 4).astype(">f4"))
        assert x.dtype.str == ">f8" and y.dtype.str == ">i8" and w.dtype.str == ">f4"
        x, y, w = T(x), L(y), T(w)
        add(n, ["ce", xp, yp, "--weight", wp] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), n_counted(y),
            f"big-endian NPY: >f8 logits, >i8 labels with a -100, >f4 weight; reduction {r}")

    n = "fmt_npy_fortran_2d_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", np.asfortranarray(logits(rng, (6, 5))))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 5))
    assert x.flags.f_contiguous and not x.flags.c_contiguous
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), 6,
        "Fortran-order (fortran_order: True) float64 (6,5) logits: column-major data on disk")

    for r in ("sum", "none"):
        n = f"fmt_npy_fortran_be_kdim_{r}"
        rng = rng_for("fmt_npy_fortran_be_kdim")
        xp, x = write_npy(n, "logits.npy", np.asfortranarray(logits(rng, (2, 3, 4)).astype(">f4")))
        yp, y = write_npy(n, "labels.npy", np.asfortranarray(labels(rng, (2, 4), 3, n_ignore=1)))
        assert x.flags.f_contiguous and y.flags.f_contiguous and x.dtype.str == ">f4"
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), n_counted(y),
            f"Fortran-order big-endian >f4 K-dim logits (2,3,4) and Fortran-order int64 labels "
            f"(2,4); reduction {r}")

    n = "fmt_npy_f2_kdim_ignore_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4, 2)).astype(np.float16))
    yp, y = write_npy(n, "labels.npy", labels(rng, (3, 2), 4, n_ignore=1))
    assert x.dtype == np.float16
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--reduction", "sum"], torch_ce(x, y, reduction="sum"), n_counted(y),
        "float16 NPY K-dim logits (3,4,2), one -100; expected from the stored halves, sum")

    n = "fmt_npy_f2_be_bce_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3)).astype(">f2"))
    yp, t = write_npy(n, "targets.npy", rng.uniform(0, 1, size=(2, 3)).astype(np.float16))
    assert x.dtype.str == ">f2"
    x, t = T(x), T(t)
    add(n, ["bce", xp, yp, "--reduction", "none"], torch_bce(x, t, reduction="none"), 6,
        "big-endian float16 logits and little-endian float16 soft targets, bce none")

    # ------------------------------------------------------------------ JSON object
    n = "fmt_json_object_keys_mean"
    rng = rng_for(n)
    xa, ya = logits(rng, (5, 3)), labels(rng, (5,), 3, n_ignore=1)
    p = case_dir(n) / "dump.json"
    p.write_text(json.dumps({"epoch": 3, "logits": xa.tolist(), "labels": ya.tolist(),
                             "run": "eval"}, indent=1) + "\n")
    back = json.loads(p.read_text())
    x, y = T(back["logits"]), L(back["labels"])
    add(n, ["ce", rel(p) + ":logits", rel(p) + ":labels"], torch_ce(x, y), n_counted(y),
        "a JSON object (with a number and a string beside the arrays): dump.json:logits, "
        "dump.json:labels")

    for r in ("sum", "none"):
        n = f"fmt_json_nested_key_{r}"
        rng = rng_for("fmt_json_nested_key")
        xa, ya = logits(rng, (2, 3, 2)), labels(rng, (2, 2), 3)
        wa = weights(rng, 3)
        p = case_dir(n) / "dump.json"
        p.write_text(json.dumps({"model": {"name": "net", "outputs": {"logits": xa.tolist()}},
                                 "batch": {"labels": ya.tolist(), "size": 2},
                                 "class_weight": wa.tolist()}) + "\n")
        back = json.loads(p.read_text())
        x = T(back["model"]["outputs"]["logits"])
        y = L(back["batch"]["labels"])
        w = T(back["class_weight"])
        add(n, ["ce", rel(p) + ":model.outputs.logits", rel(p) + ":batch.labels",
                "--weight", rel(p) + ":class_weight"] + red_argv(r),
            torch_ce(x, y, weight=w, reduction=r), 4,
            f"nested keys with dots: dump.json:model.outputs.logits (K-dim (2,3,2)), "
            f"dump.json:batch.labels, --weight dump.json:class_weight; reduction {r}")

    # ------------------------------------------------------------------ TSV
    n = "fmt_tsv_savetxt_mean"
    rng = rng_for(n)
    xp, x = write_savetxt(n, "logits.tsv", logits(rng, (6, 4)), delimiter="\t",
                          header="c0\tc1\tc2\tc3")
    yp, y = write_savetxt(n, "labels.tsv", labels(rng, (6,), 4, n_ignore=1), delimiter="\t",
                          fmt="%d")
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp], torch_ce(x, y), n_counted(y),
        "np.savetxt(delimiter='\\t') .tsv files: '%.18e' logits under a '# ' header comment, "
        "'%d' labels with a -100")

    n = "fmt_delimiter_tab_txt_none"
    rng = rng_for(n)
    xp, x = write_savetxt(n, "logits.txt", logits(rng, (4, 3)), delimiter="\t")
    yp, y = write_savetxt(n, "labels.txt", labels(rng, (4,), 3), delimiter="\t", fmt="%d")
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--delimiter", "\\t", "--reduction", "none"],
        torch_ce(x, y, reduction="none"), 4,
        "tab-separated .txt files read with --delimiter '\\t' (the two characters backslash, t)")

    # ------------------------------------------------------------------ JSON Lines
    n = "fmt_jsonl_weight_mean"
    rng = rng_for(n)
    xp, x = write_jsonl(n, "logits.jsonl", logits(rng, (6, 3)))
    yp, y = write_jsonl(n, "labels.jsonl", labels(rng, (6,), 3, n_ignore=1))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--weight", "1,0.5,2"], torch_ce(x, y, weight=T([1, 0.5, 2])),
        n_counted(y),
        "JSON Lines: a logits row (array) per line, a bare-number label per line (one -100); "
        "inline weight")

    n = "fmt_jsonl_kdim_none"
    rng = rng_for(n)
    xp, x = write_jsonl(n, "logits.jsonl", logits(rng, (3, 4, 2)))
    yp, y = write_jsonl(n, "labels.jsonl", labels(rng, (3, 2), 4))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--reduction", "none"], torch_ce(x, y, reduction="none"), 6,
        "JSON Lines with nested rows: each line a (C,d)=(4,2) array -> logits (3,4,2); labels "
        "a [d] array per line -> (3,2)")

    n = "fmt_jsonl_bce_sum"
    rng = rng_for(n)
    xp, x = write_jsonl(n, "logits.jsonl", logits(rng, (5,)))
    yp, t = write_jsonl(n, "targets.jsonl", rng.uniform(0, 1, size=(5,)))
    x, t = T(x), T(t)
    add(n, ["bce", xp, yp, "--reduction", "sum"], torch_bce(x, t, reduction="sum"), 5,
        "bce on JSON Lines of bare numbers (one logit / one target per line)")

    # ------------------------------------------------------------------ CSV, numpy's tokens
    for r in ("mean", "none"):
        n = f"fmt_csv_nonfinite_tokens_{r}"
        a = logits(rng_for("fmt_csv_nonfinite_tokens"), (5, 4))
        a[0, 2] = -np.inf   # a -inf on a non-target class: harmless without label smoothing
        a[3, 0] = -np.inf
        a[3, 3] = -np.inf
        a[2, 1] = np.nan    # NaN and +inf only in the ignored row 2
        a[2, 3] = np.inf
        ya = np.array([1, 0, IGN, 2, 3], dtype=np.int64)
        xp, x = write_savetxt(n, "logits.csv", a)
        yp, y = write_savetxt(n, "labels.csv", ya, fmt="%d")
        x, y = T(x), L(y)
        got = torch_ce(x, y, reduction=r)
        assert bool(torch.isfinite(got).all())
        add(n, ["ce", xp, yp] + red_argv(r), got, 4,
            f"np.savetxt CSV with numpy's tokens: -inf on non-target classes (finite loss), nan "
            f"and inf only in the row whose target is -100 (ignored, so the result stays "
            f"finite); reduction {r}")

    n = "fmt_csv_inf_token_nan_none"
    a = logits(rng_for(n), (3, 3))
    a[1, 2] = np.inf
    a[2, 0] = np.nan
    xp, x = write_savetxt(n, "logits.csv", a)
    yp, y = write_savetxt(n, "labels.csv", np.array([0, 1, 2]), fmt="%d")
    x, y = T(x), L(y)
    # (torch's log_softmax subtracts the row max: with a +inf logit every entry is NaN, even
    # the -inf a naive x - logsumexp would give, so no independent reference here)
    got = F.cross_entropy(x, y, reduction="none")
    assert math.isnan(got[1]) and math.isnan(got[2]) and math.isfinite(got[0])
    assert close(got[0], torch_ce(x[:1], y[:1], reduction="none")[0])
    add(n, ["ce", xp, yp, "--reduction", "none"], got, 3,
        "np.savetxt CSV with an inf and a nan token in counted rows: torch gives NaN for both "
        "rows (a +inf logit on a non-target class is NaN too: inf - inf in log_softmax)")

    n = "fmt_csv_bce_tokens_mean"
    a = np.array([[-np.inf, 1.5], [np.inf, -0.25], [0.75, -np.inf]])
    ta = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.0]])
    xp, x = write_savetxt(n, "logits.csv", a)
    yp, t = write_savetxt(n, "targets.csv", ta, fmt="%.1f")
    x, t = T(x), T(t)
    got = torch_bce(x, t)
    add(n, ["bce", xp, yp], got, 6,
        "bce on np.savetxt CSV with -inf/inf logits: torch's formula gives NaN where the "
        "prediction is right (inf-inf), so the mean is NaN")
    assert math.isnan(got.item())

    # ------------------------------------------------------------------ quoted + CRLF + BOM
    for r in ("mean", "sum"):
        n = f"fmt_csv_quoted_crlf_bom_{r}"
        rng = rng_for("fmt_csv_quoted_crlf_bom")
        xa = logits(rng, (5, 3))
        xa[1, 1] = 1.25e-7  # repr writes an exponent
        xa[4, 0] = -3.5e12
        xp, x = write_csv_module(n, "logits.csv", xa.tolist(), header=["cat", "dog", "bird"])
        yp, y = write_csv_module(n, "labels.csv", [[int(v)] for v in labels(rng, (5,), 3)],
                                 header=["label"])
        x, y = T(x), L(y.reshape(-1))
        add(n, ["ce", xp, yp] + red_argv(r), torch_ce(x, y, reduction=r), 5,
            f"csv.writer(QUOTE_ALL) with CRLF line ends and a UTF-8 BOM (utf-8-sig): every "
            f"field quoted, a quoted header, exponents; reduction {r}")

    # ------------------------------------------------------------------ tables
    for r in ("mean", "none"):
        n = f"fmt_table_pandas_index_{r}"
        rng = rng_for("fmt_table_pandas_index")
        xa = logits(rng, (6, 4))
        ya = labels(rng, (6,), 4, n_ignore=1)
        p, back = pandas_csv(n, "table.csv", [(f"f{j}", xa[:, j]) for j in range(4)]
                             + [("label", ya)])
        x = T(np.stack([back[f"f{j}"] for j in range(4)], 1))
        y = L(back["label"])
        add(n, ["ce", p, "--label-column", "label", "--drop-columns", "0", "--weight", "2,1,1,0.5"]
            + red_argv(r), torch_ce(x, y, weight=T([2, 1, 1, 0.5]), reduction=r), n_counted(y),
            f"a pandas to_csv table (header ',f0,f1,f2,f3,label', index column first): "
            f"--label-column label --drop-columns 0 (the unnamed index, by index); weight and a "
            f"-100 label; reduction {r}")

    n = "fmt_table_ids_by_name_sum"
    rng = rng_for(n)
    xa = logits(rng, (5, 3))
    ya = labels(rng, (5,), 3)
    p, back = pandas_csv(n, "table.csv", [("id", [f"img_{i:03d}" for i in range(5)])]
                         + [(f"logit_{j}", xa[:, j]) for j in range(3)] + [("label", ya)],
                         index=False)
    x = T(np.stack([back[f"logit_{j}"] for j in range(3)], 1))
    y = L(back["label"])
    add(n, ["ce", p, "--label-column", "label", "--drop-columns", "id", "--reduction", "sum"],
        torch_ce(x, y, reduction="sum"), 5,
        "a table written with index=False: string ids dropped by name (--drop-columns id), "
        "labels from the last column")

    n = "fmt_table_index_and_id_label_by_index_mean"
    rng = rng_for(n)
    xa = logits(rng, (6, 3))
    ya = labels(rng, (6,), 3, n_ignore=1)
    p, back = pandas_csv(n, "table.csv", [("y", ya), ("id", [str(1000 + 7 * i) for i in range(6)])]
                         + [(f"x{j}", xa[:, j]) for j in range(3)])
    x = T(np.stack([back[f"x{j}"] for j in range(3)], 1))
    y = L(back["y"])
    add(n, ["ce", p, "--label-column", "1", "--drop-columns", "0,id"], torch_ce(x, y),
        n_counted(y),
        "pandas table ',y,id,x0,x1,x2': the label column given by index (1, right after the "
        "index), the index dropped by index and a numeric id column by name (--drop-columns "
        "0,id); one -100")

    n = "fmt_table_bce_single_logit_mean"
    rng = rng_for(n)
    xa = logits(rng, (7,))
    ta = rng.integers(0, 2, size=(7,)).astype(np.float64)
    p, back = pandas_csv(n, "table.csv", [("score", xa), ("target", ta)])
    x, t = T(back["score"]), T(back["target"])
    add(n, ["bce", p, "--label-column", "target", "--drop-columns", "0"], torch_bce(x, t), 7,
        "bce-logits from a pandas table with one score column (logits (7,)) and float 0.0/1.0 "
        "targets in the label column")

    n = "fmt_table_tsv_none"
    rng = rng_for(n)
    xa = logits(rng, (4, 3))
    ya = labels(rng, (4,), 3)
    p, back = pandas_csv(n, "table.tsv", [(f"f{j}", xa[:, j]) for j in range(3)] + [("label", ya)],
                         sep="\t")
    x = T(np.stack([back[f"f{j}"] for j in range(3)], 1))
    y = L(back["label"])
    add(n, ["ce", p, "--label-column", "label", "--drop-columns", "0", "--reduction", "none"],
        torch_ce(x, y, reduction="none"), 4,
        "to_csv(sep='\\t') table in a .tsv file with --label-column and --drop-columns 0")

    # ------------------------------------------------------------------ shards
    for r in REDS:
        n = f"fmt_shards_npy_{r}"
        rng = rng_for("fmt_shards_npy")
        sizes = (4, 1, 3)
        argv, xs, ys = ["ce"], [], []
        for i, m in enumerate(sizes):
            xp, x = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 4)))
            argv += ["-l", xp]
            xs.append(x)
        for i, m in enumerate(sizes):
            yp, y = write_npy(n, f"labels_{i}.npy", labels(rng, (m,), 4, n_ignore=1 if m > 1 else 0))
            argv += ["-y", yp]
            ys.append(y)
        wp, w = write_npy(n, "weight.npy", weights(rng, 4))
        x, y, w = T(np.concatenate(xs)), L(np.concatenate(ys)), T(w)
        add(n, argv + ["--weight", wp] + red_argv(r), torch_ce(x, y, weight=w, reduction=r),
            n_counted(y),
            f"three shards (4, 1 and 3 rows) via -l a -l b -l c -y a -y b -y c, concatenated "
            f"along dim 0; weight and -100 labels; reduction {r}")

    n = "fmt_shards_mixed_formats_mean"
    rng = rng_for(n)
    x0, y0 = logits(rng, (3, 3)), labels(rng, (3,), 3)
    x1, y1 = logits(rng, (2, 3)), labels(rng, (2,), 3, n_ignore=1)
    x2, y2 = logits(rng, (2, 3)), labels(rng, (2,), 3)
    p0, z0 = write_npz(n, "part0.npz", {"logits": x0, "labels": y0})
    p1, s1 = write_safetensors(n, "part1.safetensors", {"logits": ("F64", x1), "labels": ("I64", y1)})
    p2x, b2x = write_csv(n, "part2_logits.csv", x2)
    p2y, b2y = write_jsonl(n, "part2_labels.jsonl", y2)
    x = T(np.concatenate([z0["logits"], s1["logits"], b2x]))
    y = L(np.concatenate([z0["labels"], s1["labels"], b2y]))
    add(n, ["ce", "-l", p0 + ":logits", "-l", p1 + ":logits", "-l", p2x,
            "-y", p0 + ":labels", "-y", p1 + ":labels", "-y", p2y],
        torch_ce(x, y), n_counted(y),
        "shards of different formats: npz:key, safetensors:key and CSV logits; npz, "
        "safetensors and JSON Lines labels")

    n = "fmt_shards_kdim_none"
    rng = rng_for(n)
    argv, xs, ys = ["ce"], [], []
    for i, m in enumerate((1, 2)):
        xp, xa = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 3, 2)))
        yp, ya = write_npy(n, f"labels_{i}.npy", labels(rng, (m, 2), 3))
        argv += ["--logits", xp, "--labels", yp]
        xs.append(xa)
        ys.append(ya)
    x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
    add(n, argv + ["--reduction", "none"], torch_ce(x, y, reduction="none"), 6,
        "K-dim shards (1,3,2) and (2,3,2) with --logits/--labels interleaved: result (3,2)")

    n = "fmt_shards_table_sum"
    rng = rng_for(n)
    argv, xs, ys = ["ce"], [], []
    for i, m in enumerate((3, 2)):
        xa, ya = logits(rng, (m, 3)), labels(rng, (m,), 3)
        p, back = pandas_csv(n, f"part{i}.csv", [(f"f{j}", xa[:, j]) for j in range(3)]
                             + [("label", ya)])
        argv += ["-l", p]
        xs.append(np.stack([back[f"f{j}"] for j in range(3)], 1))
        ys.append(back["label"])
    x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
    add(n, argv + ["--label-column", "label", "--drop-columns", "0", "--reduction", "sum"],
        torch_ce(x, y, reduction="sum"), 5,
        "two pandas tables as shards (-l part0.csv -l part1.csv) with --label-column label "
        "--drop-columns 0 (each restarts its index at 0)")

    n = "fmt_shards_bce_mean"
    rng = rng_for(n)
    argv, xs, ts = ["bce"], [], []
    for i, m in enumerate((2, 3)):
        xp, xa = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 4)))
        tp, ta = write_npy(n, f"targets_{i}.npy", rng.uniform(0, 1, size=(m, 4)))
        argv += ["-l", xp, "-y", tp]
        xs.append(xa)
        ts.append(ta)
    x, t = T(np.concatenate(xs)), T(np.concatenate(ts))
    add(n, argv + ["--pos-weight", "1,2,3,0.5"], torch_bce(x, t, pos_weight=T([1, 2, 3, 0.5])),
        20, "bce-logits on two shards with pos_weight: mean over all 20 elements")

    # ------------------------------------------------------------------ stdin
    n = "fmt_stdin_npy_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5, 4)).astype(np.float32))
    yp, y = write_npy(n, "labels.npy", labels(rng, (5,), 4, n_ignore=1))
    x, y = T(x), L(y)
    add(n, ["ce", "-", yp], torch_ce(x, y), n_counted(y),
        "logits on standard input (`-`, format sniffed from the NPY magic): float32 NPY piped in")
    add_extra(stdin=xp)

    n = "fmt_stdin_csv_sum"
    rng = rng_for(n)
    xp, x = write_csv(n, "logits.csv", logits(rng, (4, 3)), header=["a", "b", "c"])
    yp, y = write_npy(n, "labels.npy", labels(rng, (4,), 3))
    x, y = T(x), L(y)
    add(n, ["ce", "-", yp, "--format", "csv", "--reduction", "sum"],
        torch_ce(x, y, reduction="sum"), 4,
        "CSV logits (with a header) on standard input with --format csv (which names the "
        "format of stdin; labels.npy is still read by its extension)")
    add_extra(stdin=xp)

    n = "fmt_stdin_npz_keys_mean"
    rng = rng_for(n)
    p, z = write_npz(n, "dump.npz", {"logits": logits(rng, (5, 3)),
                                     "labels": labels(rng, (5,), 3, n_ignore=1)}, compressed=True)
    x, y = T(z["logits"]), L(z["labels"])
    add(n, ["ce", "-l", "-:logits", "-y", "-:labels"], torch_ce(x, y), n_counted(y),
        "a compressed npz piped in once, both arrays picked from standard input by key "
        "(-l -:logits -y -:labels)")
    add_extra(stdin=p)

    # ------------------------------------------------------------------ merge
    # Shard results computed apart, merged: the mean of the union is sum(sums)/sum(weightSums),
    # not the mean of the shards' means. Shard 2 has every target ignored (its mean is NaN).
    for r in REDS:
        n = f"merge_ce_weight_ignore_{r}"
        rng = rng_for("merge_ce_weight_ignore")
        wp, w = write_npy(n, "weight.npy", np.array([0.5, 4.0, 1.0, 2.0]))
        shards, xs, ys = [], [], []
        specs = ((5, 1), (2, 0), (3, 3), (4, 2))  # (rows, ignored)
        for i, (m, k) in enumerate(specs):
            xp, xa = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 4)))
            yp, ya = write_npy(n, f"labels_{i}.npy", labels(rng, (m,), 4, n_ignore=k))
            shards.append(["ce", xp, yp, "--weight", wp] + red_argv(r))
            xs.append(xa)
            ys.append(ya)
        x, y, wt = T(np.concatenate(xs)), L(np.concatenate(ys)), T(w)
        got = torch_ce(x, y, weight=wt, reduction=r)
        if r == "mean":
            means = [torch_ce(T(a), L(b), weight=wt) for a, b in zip(xs, ys)]
            assert math.isnan(means[2])
            finite = [m for m in means if not math.isnan(m)]
            assert abs(sum(finite) / len(finite) - got) > 1e-3  # averaging means would be wrong
        add_merge(n, shards, got, n_counted(y),
                  f"merge of 4 shard results (5, 2, 3, 4 rows; the 3-row shard all -100) with "
                  f"class weights: the union's {r} (mean = total weighted sum / total weight "
                  f"of the non-ignored targets)")

    for r in ("mean", "none"):
        n = f"merge_ce_ls_kdim_{r}"
        rng = rng_for("merge_ce_ls_kdim")
        shards, xs, ys = [], [], []
        for i, m in enumerate((1, 3)):
            xp, xa = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 3, 2)))
            yp, ya = write_npy(n, f"labels_{i}.npy", labels(rng, (m, 2), 3, n_ignore=1))
            shards.append(["ce", xp, yp, "--weight", "3,1,0.25", "--label-smoothing", "0.2"]
                          + red_argv(r))
            xs.append(xa)
            ys.append(ya)
        x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
        add_merge(n, shards, torch_ce(x, y, weight=T([3, 1, 0.25]), ls=0.2, reduction=r),
                  n_counted(y),
                  f"merge of 2 K-dim shards (1,3,2) and (3,3,2) with weight, label smoothing 0.2 "
                  f"and a -100 in each; none concatenates to (4,2); reduction {r}")

    n = "merge_ce_custom_ignore_mean"
    rng = rng_for(n)
    shards, xs, ys = [], [], []
    for i, m in enumerate((6, 2)):
        xp, xa = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 3)))
        ya = labels(rng, (m,), 3)
        ya[0] = 0
        yp, ya = write_npy(n, f"labels_{i}.npy", ya)
        shards.append(["ce", xp, yp, "--ignore-index", "0"])
        xs.append(xa)
        ys.append(ya)
    x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
    add_merge(n, shards, torch_ce(x, y, ignore_index=0), n_counted(y, 0),
              "merge with --ignore-index 0 (a valid class): the mean's denominator counts only "
              "targets != 0 over both shards")

    for r in ("mean", "sum"):
        n = f"merge_bce_weight_{r}"
        rng = rng_for("merge_bce_weight")
        shards, xs, ts = [], [], []
        for i, m in enumerate((1, 4, 2)):
            xp, xa = write_npy(n, f"logits_{i}.npy", logits(rng, (m, 3)))
            tp, ta = write_npy(n, f"targets_{i}.npy", rng.uniform(0, 1, size=(m, 3)))
            shards.append(["bce", xp, tp, "--weight", "0.5,2,1", "--pos-weight", "3,1,1"]
                          + red_argv(r))
            xs.append(xa)
            ts.append(ta)
        x, t = T(np.concatenate(xs)), T(np.concatenate(ts))
        add_merge(n, shards, torch_bce(x, t, weight=T([0.5, 2, 1]), pos_weight=T([3, 1, 1]),
                                       reduction=r), x.numel(),
                  f"merge of 3 bce-logits shards (1, 4, 2 rows) with weight and pos_weight: the "
                  f"mean divides by the element count (21), not by the weights; reduction {r}")

    n = "merge_mixed_formats_mean"
    rng = rng_for(n)
    x0, y0 = logits(rng, (4, 3)), labels(rng, (4,), 3, n_ignore=1)
    x1, y1 = logits(rng, (2, 3)), labels(rng, (2,), 3)
    x2, y2 = logits(rng, (3, 3)), labels(rng, (3,), 3, n_ignore=1)
    p0, z0 = write_npz(n, "shard0.npz", {"logits": x0, "labels": y0}, compressed=True)
    p1, s1 = write_safetensors(n, "shard1.safetensors", {"logits": ("F32", x1),
                                                         "labels": ("I64", y1)})
    p2, b2 = pandas_csv(n, "shard2.csv", [(f"f{j}", x2[:, j]) for j in range(3)] + [("label", y2)])
    wflag = ["--weight", "1,3,0.5"]
    shards = [["ce", p0 + ":logits", p0 + ":labels"] + wflag,
              ["ce", p1 + ":logits", p1 + ":labels"] + wflag,
              ["ce", p2, "--label-column", "label", "--drop-columns", "0"] + wflag]
    x = T(np.concatenate([z0["logits"], s1["logits"], np.stack([b2[f"f{j}"] for j in range(3)], 1)]))
    y = L(np.concatenate([z0["labels"], s1["labels"], b2["label"]]))
    add_merge(n, shards, torch_ce(x, y, weight=T([1, 3, 0.5])), n_counted(y),
              "merge of shards stored as npz, safetensors (F32) and a pandas table, with weights "
              "and -100 labels")


# ======================================================================== corners
# Where losscalc once disagreed with PyTorch 1.13: each value below is torch's own.


def corner_cases():
    # smoothing with class weights where every target that counts has weight 0: PyTorch divides
    # the nll term by sum(w_y) = 0 on its own, 0/0, so the mean is NaN (sum and none are finite)
    for r in REDS:
        n = f"corner_ce_ls_weight0_{r}"
        xp, x = write_npy(n, "logits.npy", np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]))
        yp, y = write_npy(n, "labels.npy", np.array([0, 0]))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp, "--weight", "0,1,1", "--label-smoothing", "0.1"] + red_argv(r),
            torch_ce(x, y, weight=T([0, 1, 1]), ls=0.1, reduction=r), 2,
            f"label smoothing 0.1, weight 0,1,1, both targets class 0 (weight 0): the mean is "
            f"NaN in PyTorch (its nll term is 0/0); reduction {r}")

    # bce at x = -inf: PyTorch's log(exp(-m) + exp(-x - m)) with m = inf is log(NaN), so the
    # loss is NaN whatever the target, also for targets outside [0, 1]
    for r, pw in (("none", None), ("mean", None), ("none", 2.0)):
        n = f"corner_bce_neginf_outside01_{r}" + ("_posweight" if pw else "")
        xp, x = write_npy(n, "logits.npy", np.array([-np.inf, -np.inf]))
        yp, t = write_npy(n, "targets.npy", np.array([1.5, -0.5]))
        x, t = T(x), T(t)
        flags = ["--pos-weight", "2"] if pw else []
        add(n, ["bce", xp, yp] + flags + red_argv(r),
            torch_bce(x, t, pos_weight=T([pw]) if pw else None, reduction=r), 2,
            "-inf logits with targets 1.5 and -0.5: NaN for both in PyTorch 1.13"
            + (", with pos_weight" if pw else ""))

    # bce where only the tail log(1 + e^-|x|) is left: PyTorch rounds 1 + e^-|x| first, and a
    # weight scales that rounding past 1e-15
    n = "corner_bce_tail_weight_none"
    xp, x = write_npy(n, "logits.npy", np.array([-30.0, 30.0, -36.5, 20.0]))
    yp, t = write_npy(n, "targets.npy", np.array([0.0, 1.0, 0.0, 1.0]))
    wp, w = write_npy(n, "weight.npy", np.array([10.0, 10.0, 3.0, 100.0]))
    x, t, w = T(x), T(t), T(w)
    add(n, ["bce", xp, yp, "--weight", wp, "--reduction", "none"],
        torch_bce(x, t, weight=w, reduction="none"), 4,
        "logits of +-30 and beyond with the target on their side, weighted: PyTorch's own form "
        "((1 - t) x + m) + log(e^-m + e^(-x - m)), not log1p")

    # class weights of shape (1, C) and (C, 1) with K-dim inputs: nll_loss2d checks only that
    # there are C of them; smoothing views them along the first dim (C, 1, ...)
    for mode, ls, wshape, r in (("nll", 0.0, (1, 4), "mean"), ("nll", 0.0, (1, 4), "none"),
                                ("ce", 0.0, (1, 4), "sum"), ("ce", 0.0, (4, 1), "mean"),
                                ("ce", 0.2, (4, 1), "sum"), ("ce", 0.2, (4, 1), "none")):
        n = f"corner_{mode}_kdim_weight_{wshape[0]}x{wshape[1]}" + ("_ls" if ls else "") + f"_{r}"
        rng = rng_for(n)
        xp, x = write_npy(n, "logits.npy", logits(rng, (3, 4, 2)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (3, 2), 4, n_ignore=1))
        wp, w = write_npy(n, "weight.npy", weights(rng, 4).reshape(wshape))
        x, y, w = T(x), L(y), T(w)
        got = (F.nll_loss(x, y, weight=w, reduction=r) if mode == "nll" else
               F.cross_entropy(x, y, weight=w, reduction=r, label_smoothing=ls))
        flat = (torch_nll(x, y, weight=w.reshape(-1), reduction=r) if mode == "nll" else
                torch_ce(x, y, weight=w.reshape(-1), ls=ls, reduction=r))
        assert close(got, flat), (n, got, flat)
        flags = ["--label-smoothing", "0.2"] if ls else []
        add(n, [mode, xp, yp, "--weight", wp] + flags + red_argv(r), got, n_counted(y),
            f"K-dim logits (3,4,2) with a {wshape} weight file: PyTorch takes it "
            f"({'label smoothing views it as (1, C, 1)' if ls else 'C values'}); reduction {r}")

    n = "corner_nll_kdim_c1_weight_0d_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (3, 1, 2)))
    yp, y = write_npy(n, "labels.npy", np.zeros((3, 2), dtype=np.int64))
    wp, w = write_npy(n, "weight.npy", np.array(0.5))
    x, y, w = T(x), L(y), T(w)
    got = F.nll_loss(x, y, weight=w)
    assert close(got, torch_nll(x, y, weight=w.reshape(1))), n
    add(n, ["nll", xp, yp, "--weight", wp], got, 6,
        "K-dim, one class, a 0-d weight: nll_loss2d takes it (for (N, 1) inputs PyTorch refuses)")


# ======================================================================== layouts
#
# `--class-dim d`: PyTorch's loss on x.movedim(d, 1) (and on the targets moved the same way
# when they are class probabilities of x's shape). Every expected value below is computed by
# torch on the moved tensors; the files hold the user's layout.


def moved(x, d):
    """x with its class dim d moved to 1, as PyTorch's losses want it (a (C) input stays)."""
    return x if x.dim() == 1 else x.movedim(d, 1)


def layout_cases():
    B, Tn, V = 3, 5, 7  # (B, T, V) language-model logits, T != V

    # --- cross-entropy on (B, T, V) with (B, T) labels, classes last: every reduction
    for r in REDS:
        n = f"layout_ce_lastdim_{r}"
        rng = rng_for("layout_ce_lastdim")
        xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V))
        x, y = T(x), L(y)
        got = torch_ce(moved(x, -1), y, reduction=r)
        if r == "none":
            assert tuple(got.shape) == (B, Tn)
        add(n, ["ce", xp, yp, "--class-dim", "-1"] + red_argv(r), got, n_counted(y),
            f"(B, T, V) = (3, 5, 7) logits, (B, T) labels, --class-dim -1: "
            f"F.cross_entropy(x.movedim(-1, 1), y); reduction {r} (none has shape (B, T))")

    # --- with class weights, ignored targets (-100) and label smoothing
    for r in REDS:
        n = f"layout_ce_lastdim_weight_ignore_ls_{r}"
        rng = rng_for("layout_ce_lastdim_weight_ignore_ls")
        xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V, n_ignore=4))
        wp, w = write_npy(n, "weight.npy", weights(rng, V))
        x, y, w = T(x), L(y), T(w)
        add(n, ["ce", xp, yp, "--class-dim", "-1", "--weight", wp, "--label-smoothing", "0.1"]
            + red_argv(r), torch_ce(moved(x, -1), y, weight=w, ls=0.1, reduction=r),
            n_counted(y),
            f"(3, 5, 7) logits, --class-dim -1, weight (7,), 4 targets -100, label smoothing "
            f"0.1; reduction {r}")

    # --- ignore_index set to a class (a padding token 0)
    n = "layout_ce_lastdim_ignore_pad0_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--class-dim", "-1", "--ignore-index", "0"],
        torch_ce(moved(x, -1), y, ignore_index=0), n_counted(y, 0),
        "(3, 5, 7) logits, --class-dim -1 --ignore-index 0: padding token 0 left out of the mean")

    # --- class probabilities of the logits' shape: moved the same way
    for r in ("mean", "none"):
        n = f"layout_ce_lastdim_prob_{r}"
        rng = rng_for("layout_ce_lastdim_prob")
        xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
        yp, q = write_npy(n, "targets.npy", probs(rng, (B, Tn, V), cd=-1))
        x, q = T(x), T(q)
        add(n, ["ce", xp, yp, "--class-dim", "-1", "--label-smoothing", "0.2"] + red_argv(r),
            torch_ce(moved(x, -1), moved(q, -1), ls=0.2, reduction=r), B * Tn,
            f"(3, 5, 7) logits with (3, 5, 7) class probabilities summing to 1 over the last "
            f"dim, --class-dim -1: both moved; label smoothing 0.2; reduction {r}")

    # --- nll: log-probabilities over the last dim, and logits with --log-softmax
    for r in ("mean", "none"):
        n = f"layout_nll_lastdim_weight_{r}"
        rng = rng_for("layout_nll_lastdim_weight")
        lp = F.log_softmax(T(logits(rng, (B, Tn, V))), -1).numpy()
        xp, x = write_npy(n, "logprobs.npy", lp)
        yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V, n_ignore=2))
        wp, w = write_npy(n, "weight.npy", weights(rng, V))
        x, y, w = T(x), L(y), T(w)
        add(n, ["nll", xp, yp, "--class-dim", "-1", "--weight", wp] + red_argv(r),
            torch_nll(moved(x, -1), y, weight=w, reduction=r), n_counted(y),
            f"nll on (3, 5, 7) log-probabilities, --class-dim -1, weight, 2 ignored; reduction {r}")
    for r in ("mean", "sum"):
        n = f"layout_nll_logsoftmax_lastdim_{r}"
        rng = rng_for("layout_nll_logsoftmax_lastdim")
        xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V, n_ignore=1))
        x, y = T(x), L(y)
        got = torch_nll(F.log_softmax(x, -1).movedim(-1, 1), y, reduction=r)
        assert close(got, torch_ce(moved(x, -1), y, reduction=r))
        add(n, ["nll", xp, yp, "--class-dim", "-1", "--log-softmax"] + red_argv(r), got,
            n_counted(y),
            f"nll --log-softmax on (3, 5, 7) logits, --class-dim -1: "
            f"F.nll_loss(F.log_softmax(x, -1).movedim(-1, 1), y); reduction {r}")

    # --- gather, the manual path
    for r in ("mean", "none"):
        n = f"layout_gather_lastdim_{r}"
        rng = rng_for("layout_gather_lastdim")
        xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V, n_ignore=2))
        x, y = T(x), L(y)
        mask = y != IGN
        v = -F.log_softmax(x, -1).gather(-1, torch.where(mask, y, 0).unsqueeze(-1)).squeeze(-1) * mask
        got = v.sum() / mask.sum() if r == "mean" else v
        assert close(got, gather_path(moved(x, -1), y, reduction=r))
        add(n, ["gather", xp, yp, "--class-dim", "-1"] + red_argv(r), got, n_counted(y),
            f"gather on (3, 5, 7) logits, --class-dim -1: -log_softmax(x, -1).gather(-1, y); "
            f"2 ignored; reduction {r}")

    # --- check: every way, on the moved tensor
    n = "layout_check_lastdim"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V))
    add(n, ["check", xp, yp, "--class-dim", "-1"], losses=check_index_losses(moved(T(x), -1), L(y)),
        note="check on (3, 5, 7) logits with --class-dim -1: cross-entropy = nll = gather = "
             "one-hot (along the last dim)")
    n = "layout_check_lastdim_weight_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V))
    wp, w = write_npy(n, "weight.npy", weights(rng, V))
    add(n, ["check", xp, yp, "--class-dim", "-1", "--weight", wp, "--reduction", "none"],
        losses=check_index_losses(moved(T(x), -1), L(y), weight=T(w), reduction="none"),
        note="check on (3, 5, 7) logits, --class-dim -1, weight, reduction none")

    # --- a middle class dim: (N, d1, C, d2), classes strided
    for d in ("2", "-2"):
        for r in ("mean", "none"):
            n = f"layout_ce_middle_{'neg' if d.startswith('-') else ''}{d.lstrip('-')}_{r}"
            rng = rng_for("layout_ce_middle")
            xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 4, 5)))
            yp, y = write_npy(n, "labels.npy", labels(rng, (2, 3, 5), 4, n_ignore=3))
            wp, w = write_npy(n, "weight.npy", weights(rng, 4))
            x, y, w = T(x), L(y), T(w)
            add(n, ["ce", xp, yp, "--class-dim", d, "--weight", wp] + red_argv(r),
                torch_ce(moved(x, 2), y, weight=w, reduction=r), n_counted(y),
                f"(N, d1, C, d2) = (2, 3, 4, 5) logits, --class-dim {d}: classes strided by 5; "
                f"weight, 3 ignored; reduction {r} (none has shape (2, 3, 5))")
    n = "layout_nll_logsoftmax_middle_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 4, 5)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 3, 5), 4))
    x, y = T(x), L(y)
    add(n, ["nll", xp, yp, "--class-dim", "2", "--log-softmax", "--reduction", "sum"],
        torch_nll(F.log_softmax(x, 2).movedim(2, 1), y, reduction="sum"), n_counted(y),
        "nll --log-softmax on (2, 3, 4, 5) logits, --class-dim 2")
    n = "layout_ce_middle_prob_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 4, 5)))
    yp, q = write_npy(n, "targets.npy", probs(rng, (2, 3, 4, 5), cd=2))
    add(n, ["ce", xp, yp, "--class-dim", "2"], torch_ce(moved(T(x), 2), moved(T(q), 2)), 30,
        "(2, 3, 4, 5) logits with class probabilities of that shape, --class-dim 2: both moved")

    # --- class dim 0: (C, N) logits, a row per class (as a CSV written class by class)
    for r in ("mean", "none"):
        n = f"layout_ce_dim0_csv_{r}"
        rng = rng_for("layout_ce_dim0_csv")
        xp, x = write_csv(n, "logits.csv", logits(rng, (4, 6)))
        yp, y = write_csv(n, "labels.csv", labels(rng, (6,), 4))
        x, y = T(x), L(y)
        add(n, ["ce", xp, yp, "--class-dim", "0", "--weight", "1,2,0.5,1.5"] + red_argv(r),
            torch_ce(moved(x, 0), y, weight=T([1, 2, 0.5, 1.5]), reduction=r), n_counted(y),
            f"(C, N) = (4, 6) logits in a CSV, a row per class, --class-dim 0: "
            f"F.cross_entropy(x.T, y); weight; reduction {r}")

    # --- rank 4, classes last: (B, T, U, V)
    n = "layout_ce_lastdim_rank4_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 3, 2, 6)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 3, 2), 6, n_ignore=1))
    x, y = T(x), L(y)
    add(n, ["ce", xp, yp, "--class-dim", "3", "--reduction", "sum"],
        torch_ce(moved(x, 3), y, reduction="sum"), n_counted(y),
        "(2, 3, 2, 6) logits, --class-dim 3 (the last): loss shape (2, 3, 2)")

    # --- an unbatched (C) input: its only dim, 0 or -1
    n = "layout_ce_unbatched_lastdim"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5,)))
    yp, y = write_npy(n, "label.npy", np.array(3, dtype=np.int64))
    add(n, ["ce", xp, yp, "--class-dim", "-1"], torch_ce(T(x), L(y)), 1,
        "unbatched (5,) logits with a 0-d label: --class-dim -1 is dim 0, PyTorch's")

    # --- float32 logits with int32 labels, classes last (the streaming path reads float32)
    n = "layout_ce_lastdim_float32_int32_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 6, 9)).astype(np.float32))
    yp, y = write_npy(n, "labels.npy", labels(rng, (4, 6), 9, n_ignore=3).astype(np.int32))
    add(n, ["ce", xp, yp, "--class-dim", "-1", "--reduction", "none"],
        torch_ce(moved(T(x), -1), L(y), reduction="none"), n_counted(L(y)),
        "(4, 6, 9) float32 logits, int32 labels, --class-dim -1, 3 ignored; reduction none")

    # --- T == V: both layouts fit. Without --class-dim, PyTorch's class dim 1 (and a warning)
    n = "layout_ce_ambiguous_default"
    rng = rng_for("layout_ce_ambiguous")
    xp, x = write_npy(n, "logits.npy", logits(rng, (2, 4, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 4), 4))
    x, y = T(x), L(y)
    dim1 = torch_ce(x, y)
    last = torch_ce(moved(x, -1), y)
    assert not close(dim1, last, 1e-6)
    add(n, ["ce", xp, yp], dim1, 8,
        "(2, 4, 4) logits with (2, 4) labels and no --class-dim: PyTorch's class dim 1 (losscalc "
        "warns that the last dim fits too)")
    n = "layout_ce_ambiguous_lastdim"
    xp2, _ = write_npy(n, "logits.npy", x.numpy())
    yp2, _ = write_npy(n, "labels.npy", y.numpy())
    add(n, ["ce", xp2, yp2, "--class-dim", "-1"], last, 8,
        "the same (2, 4, 4) logits with --class-dim -1: the classes are the last dim")

    # --- the per-sample report indexes samples as the user's layout does: (b, t)
    n = "top_layout_ce_lastdim"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (B, Tn, V)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (B, Tn), V, n_ignore=2))
    x, y = T(x), L(y)
    xm = moved(x, -1)
    w, pc = class_breakdown(xm, y, torch_ce(xm, y, reduction="none"), 6)
    add_top(n, ["ce", xp, yp, "--class-dim", "-1", "--top", "6"], torch_ce(xm, y), n_counted(y),
            w, pc, "--top 6 on (3, 5, 7) logits with --class-dim -1: a sample is (b, t), flat "
            "index b*5 + t; argmax and probability over the last dim; 2 ignored")
    n = "top_layout_nll_middle"
    rng = rng_for(n)
    lp = F.log_softmax(T(logits(rng, (2, 3, 4, 5))), 2).numpy()
    xp, x = write_npy(n, "logprobs.npy", lp)
    yp, y = write_npy(n, "labels.npy", labels(rng, (2, 3, 5), 4))
    x, y = T(x), L(y)
    xm = moved(x, 2)
    w, pc = class_breakdown(xm, y, torch_nll(xm, y, reduction="none"), 4, kind="log-probabilities")
    add_top(n, ["nll", xp, yp, "--class-dim", "2", "--top", "4"], torch_nll(xm, y), n_counted(y),
            w, pc, "--top 4 on nll over (2, 3, 4, 5) log-probabilities with --class-dim 2: a "
            "sample is (n, d1, d2), flat index (n*3 + d1)*5 + d2")


# ============================================================ probabilities (--input, bce)
# cross-entropy with --input probs / log-probs, binary-cross-entropy (alias bce-probs), and
# check's binary_cross_entropy(sigmoid(x), t) path. What losscalc computes on log p (torch.log(p)
# for probs, the input as given for log-probs) is cross_entropy's own split of its two terms
# with log_softmax left out: F.nll_loss(log p, ...) when there is no smoothing; with smoothing
# (1-e)*nll + e/C * smooth, each mean dividing by sum(w[y]); for probability targets
# -(q' * w * log p).sum(1). Each expected value is that torch expression, checked against
# F.cross_entropy(log p, ...) wherever the rows of p sum to 1 (log_softmax(log p) = log p).


def ce_on_log_probs(lp, y, weight=None, ignore_index=IGN, ls=0.0, reduction="mean"):
    cd = class_dim(lp)
    C = lp.shape[cd]
    w = weight if weight is not None else torch.ones(C)
    shape = [1] * lp.dim()
    shape[cd] = C
    if y.dtype == torch.int64:
        nll = F.nll_loss(lp, y, weight=weight, ignore_index=ignore_index, reduction=reduction)
        if ls == 0.0:
            return nll
        mask = y != ignore_index
        ys = torch.where(mask, y, torch.zeros_like(y))
        smooth = torch.where(mask, -(lp * w.view(shape)).sum(cd), torch.zeros(()))
        if reduction == "mean":
            smooth = smooth.sum() / (w[ys] * mask).sum()
        elif reduction == "sum":
            smooth = smooth.sum()
        return (1 - ls) * nll + ls / C * smooth
    q = y * (1 - ls) + ls / C if ls > 0 else y
    v = -(lp * q * w.view(shape)).sum(cd)
    return v.sum() / (lp.numel() / C) if reduction == "mean" else reduce_(v, reduction)


def torch_ce_input(p, y, kind, weight=None, ignore_index=IGN, ls=0.0, reduction="mean",
                   normalized=True):
    """cross-entropy --input probs|log-probs: `p` holds probabilities or log-probabilities."""
    lp = torch.log(p) if kind == "probs" else p
    got = ce_on_log_probs(lp, y, weight, ignore_index, ls, reduction)
    if normalized:
        ce = F.cross_entropy(lp, y, weight=weight, ignore_index=ignore_index,
                             reduction=reduction, label_smoothing=ls)
        assert close(got, ce, 1e-11), (got, ce)
    return got


def torch_bce_probs(p, t, weight=None, reduction="mean"):
    got = F.binary_cross_entropy(p, t, weight=weight, reduction=reduction)
    # PyTorch 1.13's element: (t - 1) * max(log(1 - p), -100) - t * max(log(p), -100)
    v = -(t * torch.clamp(torch.log(p), min=-100) + (1 - t) * torch.clamp(torch.log(1 - p), min=-100))
    if weight is not None:
        v = v * weight
    ref = v.mean() if reduction == "mean" else reduce_(v, reduction)
    assert close(got, ref), (got, ref)
    return got


def log_probs(rng, shape):
    return F.log_softmax(T(logits(rng, shape)), 1).numpy()


def allclose(a, b):
    """torch.allclose with check's default tolerances, NaN never equal (losscalc's check)."""
    return bool(torch.allclose(torch.as_tensor(a), torch.as_tensor(b), rtol=1e-5, atol=1e-8))


def add_check(name, argv, losses, note):
    """A check case: every way torch computes, and whether check passes (first vs each other)."""
    add(name, argv, losses=losses, note=note)
    first = next(iter(losses.values()))
    CASES[-1]["expected"]["ok"] = all(allclose(first, v) for v in losses.values())


def binary_prob_breakdown(p, t, per, k):
    pf, tf = p.reshape(-1), t.reshape(-1)
    losses = per.reshape(-1).tolist()
    last = p.shape[-1] if p.dim() >= 2 else 1
    prob = (tf * pf + (1 - tf) * (1 - pf)).tolist()
    pred = [1 if v > 0.5 else 0 for v in pf.tolist()]
    correct = [(v > 0.5) == (tt >= 0.5) for v, tt in zip(pf.tolist(), tf.tolist())]
    klass = [i % last for i in range(len(losses))]
    assert all(abs(v - 0.5) > 1e-9 for v in pf.tolist() + tf.tolist())
    _assert_separated(losses, "bce losses")
    return _worst_and_per_class(losses, tf.tolist(), pred, prob, klass, correct,
                                [True] * len(losses), k)


def probs_cases():
    probs_ce_cases()
    probs_bce_cases()
    probs_check_cases()


def probs_ce_cases():
    for kind, make in (("probs", probs), ("log-probs", log_probs)):
        tag = kind.replace("-", "")
        for r in REDS:
            n = f"probs_ce_{tag}_{r}"
            rng = rng_for(f"probs_ce_{tag}")
            xp, x = write_npy(n, "input.npy", make(rng, (8, 5)))
            yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 5))
            add(n, ["ce", xp, yp, "--input", kind] + red_argv(r),
                torch_ce_input(T(x), L(y), kind, reduction=r), 8,
                f"cross-entropy --input {kind}: F.nll_loss({'torch.log(p)' if tag == 'probs' else 'lp'}, y); "
                f"reduction {r}")

            n = f"probs_ce_{tag}_weight_ignore_{r}"
            rng = rng_for(f"probs_ce_{tag}_weight_ignore")
            xp, x = write_npy(n, "input.npy", make(rng, (10, 4)))
            yp, y = write_npy(n, "labels.npy", labels(rng, (10,), 4, n_ignore=3))
            wp, w = write_npy(n, "weight.npy", weights(rng, 4))
            add(n, ["ce", xp, yp, "--input", kind, "--weight", wp] + red_argv(r),
                torch_ce_input(T(x), L(y), kind, weight=T(w), reduction=r), n_counted(y),
                f"--input {kind} with class weights and three -100 targets: the mean divides by "
                f"sum(w[y]) over the rest, as nll_loss does; reduction {r}")

            n = f"probs_ce_{tag}_ls_weight_ignore_{r}"
            rng = rng_for(f"probs_ce_{tag}_ls_weight_ignore")
            xp, x = write_npy(n, "input.npy", make(rng, (9, 4)))
            yp, y = write_npy(n, "labels.npy", labels(rng, (9,), 4, n_ignore=2))
            ws, w = inline_list([0.5, 2, 1.25, 3])
            add(n, ["ce", xp, yp, "--input", kind, "--weight", ws, "--label-smoothing", "0.15"]
                + red_argv(r),
                torch_ce_input(T(x), L(y), kind, weight=T(w), ls=0.15, reduction=r), n_counted(y),
                f"--input {kind} with label smoothing 0.15, weights and -100 targets: "
                f"(1-e)*nll(log p) + e/C*sum_c(-w_c log p_c), = F.cross_entropy(log p, ...) for "
                f"normalised rows; reduction {r}")

        for r in ("mean", "none"):
            n = f"probs_ce_{tag}_kdim_{r}"
            rng = rng_for(f"probs_ce_{tag}_kdim")
            xp, x = write_npy(n, "input.npy", make(rng, (3, 4, 5)))
            yp, y = write_npy(n, "labels.npy", labels(rng, (3, 5), 4, n_ignore=2))
            add(n, ["ce", xp, yp, "--input", kind, "--weight", "1,0.5,2,0.25"] + red_argv(r),
                torch_ce_input(T(x), L(y), kind, weight=T([1, 0.5, 2, 0.25]), reduction=r),
                n_counted(y), f"--input {kind} on K-dim (3,4,5) with (3,5) labels, weights and "
                f"two -100; reduction {r}")

        for r in REDS:
            n = f"probs_ce_{tag}_soft_{r}"
            rng = rng_for(f"probs_ce_{tag}_soft")
            xp, x = write_npy(n, "input.npy", make(rng, (6, 3)))
            qp, q = write_npy(n, "targets.npy", probs(rng, (6, 3)))
            add(n, ["ce", xp, qp, "--input", kind, "--weight", "2,1,0.5", "--label-smoothing", "0.1"]
                + red_argv(r),
                torch_ce_input(T(x), T(q), kind, weight=T([2, 1, 0.5]), ls=0.1, reduction=r), 6,
                f"--input {kind} with probability targets, weights and smoothing 0.1: "
                f"-(q' * w * log p).sum(1), mean over N; reduction {r}")

    # a target class of probability 0: log 0 = -inf, the loss inf (as F.nll_loss(torch.log(p), y))
    for r in ("mean", "none"):
        n = f"probs_ce_probs_zero_target_{r}"
        xp, x = write_npy(n, "probs.npy", np.array([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0],
                                                   [0.1, 0.0, 0.9]]))
        yp, y = write_npy(n, "labels.npy", np.array([0, 1, 2]))
        add(n, ["ce", xp, yp, "--input", "probs"] + red_argv(r),
            torch_ce_input(T(x), L(y), "probs", reduction=r), 3,
            f"--input probs where the target's probability is 0 (row 0): log 0 = -inf, loss inf; "
            f"zeros elsewhere cost nothing; reduction {r}")
    n = "probs_ce_probs_zero_soft_none"
    xp, x = write_npy(n, "probs.npy", np.array([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]]))
    qp, q = write_npy(n, "targets.npy", np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]))
    add(n, ["ce", xp, qp, "--input", "probs", "--reduction", "none"],
        torch_ce_input(T(x), T(q), "probs", reduction="none"), 2,
        "--input probs with probability targets and p = 0 where q = 0: 0 * log 0 is NaN in "
        "PyTorch's -(q * log p).sum(1), and so here")

    # not normalised: no log_softmax, so not F.cross_entropy's value
    n = "probs_ce_logprobs_unnormalised_mean"
    rng = rng_for(n)
    xp, x = write_npy(n, "input.npy", log_probs(rng, (6, 4)) + 0.3)
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 4))
    got = torch_ce_input(T(x), L(y), "log-probs", normalized=False)
    assert abs(got - F.cross_entropy(T(x), L(y))) > 0.1
    add(n, ["ce", xp, yp, "--input", "log-probs"], got, 6,
        "--input log-probs whose rows do not normalise (log_softmax + 0.3): F.nll_loss(lp, y) "
        "exactly, no log_softmax")

    n = "probs_ce_probs_csv_float32_sum"
    rng = rng_for(n)
    xp, x = write_csv(n, "probs.csv", probs(rng, (5, 3)).astype(np.float32), header=["a", "b", "c"])
    yp, y = write_csv(n, "labels.csv", labels(rng, (5,), 3))
    add(n, ["ce", xp, yp, "--input", "probs", "--reduction", "sum"],
        torch_ce_input(T(x), L(y), "probs", reduction="sum", normalized=False), 5,
        "--input probs from a CSV with a header (float32 values printed in full)")

    n = "probs_top_ce_probs"
    rng = rng_for(n)
    xp, x = write_npy(n, "probs.npy", probs(rng, (8, 4)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (8,), 4, n_ignore=1))
    x, y = T(x), L(y)
    w, pc = class_breakdown(torch.log(x), y, torch_ce_input(x, y, "probs", reduction="none"), 3,
                            kind="log-probabilities")
    add_top(n, ["ce", xp, yp, "--input", "probs", "--top", "3"], torch_ce_input(x, y, "probs"),
            n_counted(y), w, pc,
            "--top 3 with --input probs: probability is p[label] itself, predicted its argmax")

    n = "probs_merge_ce_probs_weight_mean"
    rng = rng_for(n)
    shards, xs, ys = [], [], []
    for i, m in enumerate((4, 3)):
        xp, xa = write_npy(n, f"probs_{i}.npy", probs(rng, (m, 3)))
        yp, ya = write_npy(n, f"labels_{i}.npy", labels(rng, (m,), 3, n_ignore=1))
        shards.append(["ce", xp, yp, "--input", "probs", "--weight", "1,2,0.5"])
        xs.append(xa)
        ys.append(ya)
    x, y = T(np.concatenate(xs)), L(np.concatenate(ys))
    add_merge(n, shards, torch_ce_input(x, y, "probs", weight=T([1, 2, 0.5])), n_counted(y),
              "merge of two --input probs shards with weights and -100 targets")


def probs_bce_cases():
    for r in REDS:
        n = f"probs_bce_{r}"
        rng = rng_for("probs_bce")
        pp, p = write_npy(n, "probs.npy", rng.uniform(0, 1, size=(4, 3)))
        tp, t = write_npy(n, "targets.npy", rng.uniform(0, 1, size=(4, 3)))
        mode = "bce-probs" if r == "sum" else "binary-cross-entropy"
        add(n, [mode, pp, tp] + red_argv(r), torch_bce_probs(T(p), T(t), reduction=r), 12,
            f"{mode}: F.binary_cross_entropy on (4,3) probabilities, soft targets; reduction {r}")

    for wshape in ((3,), (4, 1), (4, 3)):
        for r in REDS:
            tag = "x".join(map(str, wshape))
            n = f"probs_bce_weight_{tag}_{r}"
            rng = rng_for(f"probs_bce_weight_{tag}")
            pp, p = write_npy(n, "probs.npy", rng.uniform(0, 1, size=(4, 3)))
            tp, t = write_npy(n, "targets.npy", rng.integers(0, 2, size=(4, 3)).astype(np.float64))
            wp, w = write_npy(n, "weight.npy", weights(rng, int(np.prod(wshape))).reshape(wshape))
            add(n, ["binary-cross-entropy", pp, tp, "--weight", wp] + red_argv(r),
                torch_bce_probs(T(p), T(t), weight=T(w), reduction=r), 12,
                f"binary-cross-entropy with a {wshape} weight broadcast as weight.expand does; "
                f"the mean divides by numel; reduction {r}")

    # the clamp: log 0 = -inf becomes -100
    for r in REDS:
        n = f"probs_bce_clamp_{r}"
        pp, p = write_npy(n, "probs.npy", np.array([[0.0, 1.0, 0.0], [1.0, 1e-300, 5e-324],
                                                   [0.0, 1.0, 1e-50]]))
        tp, t = write_npy(n, "targets.npy", np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.3],
                                                     [0.3, 0.7, 1.0]]))
        add(n, ["binary-cross-entropy", pp, tp, "--weight", "1,2,0.5"] + red_argv(r),
            torch_bce_probs(T(p), T(t), weight=T([1, 2, 0.5]), reduction=r), 9,
            f"p exactly 0 and 1 (and 1e-300, 5e-324): each log clamped at -100, so p = 0 with "
            f"t = 1 costs 100, not inf; p = t in {{0, 1}} costs 0; reduction {r}")

    n = "probs_bce_near01_none"
    pp, p = write_npy(n, "probs.npy", np.array([1e-7, 1e-12, 3e-17, 1 - 1e-9, 1 - 2 ** -52,
                                               0.999999, 1e-7, 1 - 1e-9]))
    tp, t = write_npy(n, "targets.npy", np.array([0, 0, 0, 1, 1, 0, 1, 0], dtype=np.float64))
    add(n, ["bce-probs", pp, tp, "--reduction", "none"],
        torch_bce_probs(T(p), T(t), reduction="none"), 8,
        "p near 0 and 1: log(1 - p) as PyTorch writes it (1 - p rounded first, not log1p)")

    for shape in ((7,), (2, 3, 4)):
        n = f"probs_bce_{len(shape)}d_mean"
        rng = rng_for(n)
        pp, p = write_npy(n, "probs.npy", rng.uniform(0, 1, size=shape).astype(np.float32))
        tp, t = write_npy(n, "targets.npy", rng.integers(0, 2, size=shape).astype(np.bool_))
        add(n, ["binary-cross-entropy", pp, tp], torch_bce_probs(T(p), T(t)), int(np.prod(shape)),
            f"binary-cross-entropy on {shape} float32 probabilities with bool targets")

    n = "probs_bce_csv_int_targets_sum"
    rng = rng_for(n)
    pp, p = write_csv(n, "probs.csv", rng.uniform(0, 1, size=(5, 2)))
    tp, t = write_csv(n, "targets.csv", rng.integers(0, 2, size=(5, 2)))
    add(n, ["bce-probs", pp, tp, "--reduction", "sum"], torch_bce_probs(T(p), T(t), reduction="sum"),
        10, "bce-probs on CSV probabilities with integer 0/1 targets")

    n = "probs_bce_targets_outside01_none"
    pp, p = write_npy(n, "probs.npy", np.array([0.3, 0.8, 0.0]))
    tp, t = write_npy(n, "targets.npy", np.array([1.5, -0.5, 2.0]))
    add(n, ["binary-cross-entropy", pp, tp, "--reduction", "none"],
        torch_bce_probs(T(p), T(t), reduction="none"), 3,
        "targets outside [0, 1]: PyTorch 1.13 computes the formula (with the clamp) without "
        "complaint; losscalc too, with a warning")

    n = "probs_top_bce"
    rng = rng_for(n)
    pp, p = write_npy(n, "probs.npy", rng.uniform(0.02, 0.98, size=(4, 3)))
    tp, t = write_npy(n, "targets.npy", rng.integers(0, 2, size=(4, 3)).astype(np.float64))
    p, t = T(p), T(t)
    w, pc = binary_prob_breakdown(p, t, torch_bce_probs(p, t, reduction="none"), 4)
    add_top(n, ["binary-cross-entropy", pp, tp, "--top", "4"], torch_bce_probs(p, t), 12, w, pc,
            "--top 4 on binary-cross-entropy: p(label) = t p + (1 - t)(1 - p), predicted p > 0.5, "
            "classes are the last dim")

    for r in ("mean", "none"):
        n = f"probs_merge_bce_weight_{r}"
        rng = rng_for("probs_merge_bce_weight")
        shards, ps, ts = [], [], []
        for i, m in enumerate((2, 3)):
            pp, pa = write_npy(n, f"probs_{i}.npy", rng.uniform(0, 1, size=(m, 3)))
            tp, ta = write_npy(n, f"targets_{i}.npy", rng.uniform(0, 1, size=(m, 3)))
            shards.append(["bce-probs", pp, tp, "--weight", "0.5,2,1"] + red_argv(r))
            ps.append(pa)
            ts.append(ta)
        p, t = T(np.concatenate(ps)), T(np.concatenate(ts))
        add_merge(n, shards, torch_bce_probs(p, t, weight=T([0.5, 2, 1]), reduction=r), 15,
                  f"merge of two binary-cross-entropy shards with weights; reduction {r}")


def check_sigmoid_losses(x, t, weight=None, reduction="mean"):
    """check on binary data: bce-logits, 2-class CE (no weight) and bce(sigmoid(x), t)."""
    losses = {"bce-logits": F.binary_cross_entropy_with_logits(x, t, weight=weight,
                                                               reduction=reduction)}
    if weight is None:
        z = torch.zeros_like(x)
        losses["cross-entropy-binary"] = F.cross_entropy(
            torch.stack([z, x], 1), torch.stack([1 - t, t], 1), reduction=reduction)
    losses["binary-cross-entropy-sigmoid"] = F.binary_cross_entropy(
        torch.sigmoid(x), t, weight=weight, reduction=reduction)
    return losses


def probs_check_cases():
    n = "probs_check_binary_sigmoid"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (4, 3)))
    tp, t = write_npy(n, "targets.npy", rng.uniform(0, 1, size=(4, 3)))
    add_check(n, ["check", xp, tp], check_sigmoid_losses(T(x), T(t)),
              "check on binary data: bce-logits = 2-class CE = binary_cross_entropy(sigmoid(x), t)")
    assert CASES[-1]["expected"]["ok"]

    n = "probs_check_binary_sigmoid_weight_none"
    rng = rng_for(n)
    xp, x = write_npy(n, "logits.npy", logits(rng, (5, 2)))
    tp, t = write_npy(n, "targets.npy", rng.integers(0, 2, size=(5, 2)).astype(np.float64))
    add_check(n, ["check", xp, tp, "--weight", "2,0.5", "--reduction", "none"],
              check_sigmoid_losses(T(x), T(t), weight=T([2, 0.5]), reduction="none"),
              "check on binary data with a weight: 2-class CE is skipped, the sigmoid path takes "
              "the weight; reduction none")
    assert CASES[-1]["expected"]["ok"]

    # large logits whose sigmoid still holds enough digits: PyTorch's two agree, and so must check
    n = "probs_check_binary_large_agree"
    xp, x = write_npy(n, "logits.npy", np.array([[20.0, -30.0, 12.5], [-90.0, 25.0, 3.0]]))
    tp, t = write_npy(n, "targets.npy", np.array([[1.0, 0.0, 0.5], [1.0, 1.0, 0.0]]))
    add_check(n, ["check", xp, tp], check_sigmoid_losses(T(x), T(t)),
              "logits of 20, -30, -90, 25 on the side of their target: PyTorch's "
              "binary_cross_entropy(sigmoid(x), t) agrees with bce-logits, so check passes")
    assert CASES[-1]["expected"]["ok"]

    # beyond: sigmoid(60) is 1 in float64, and log(sigmoid(-150)) = -150 is clamped to -100
    for r in ("mean", "none"):
        n = f"probs_check_binary_extreme_{r}"
        xp, x = write_npy(n, "logits.npy", np.array([60.0, -150.0, 3.0, -2.0]))
        tp, t = write_npy(n, "targets.npy", np.array([0.0, 1.0, 0.5, 0.0]))
        add_check(n, ["check", xp, tp] + red_argv(r), check_sigmoid_losses(T(x), T(t), reduction=r),
                  f"logits 60 (target 0) and -150 (target 1): PyTorch's sigmoid path gives 100 "
                  f"for each (sigmoid rounds, the log is clamped), bce-logits 60 and 150: they "
                  f"legitimately differ and check fails, saying why; reduction {r}")
        assert not CASES[-1]["expected"]["ok"]

    for kind, make in (("probs", probs), ("log-probs", log_probs)):
        tag = kind.replace("-", "")
        n = f"probs_check_ce_{tag}"
        rng = rng_for(n)
        xp, x = write_npy(n, "input.npy", make(rng, (7, 4)))
        yp, y = write_npy(n, "labels.npy", labels(rng, (7,), 4))
        x, y = T(x), L(y)
        lp = torch.log(x) if kind == "probs" else x
        onehot = F.one_hot(y, 4).to(torch.float64)
        add_check(n, ["check", xp, yp, "--input", kind],
                  {"cross-entropy": torch_ce_input(x, y, kind), "nll": F.nll_loss(lp, y),
                   "gather": gather_path(lp, y),
                   "cross-entropy-onehot": torch_ce_input(x, onehot, kind)},
                  f"check --input {kind}: cross-entropy = nll(log p) = gather (log_softmax of "
                  f"log p) = one-hot, all agree since the rows are normalised")
        assert CASES[-1]["expected"]["ok"]

    n = "probs_check_ce_probs_weight_ignore_sum"
    rng = rng_for(n)
    xp, x = write_npy(n, "probs.npy", probs(rng, (6, 3)))
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 3, n_ignore=1))
    x, y = T(x), L(y)
    w = T([1, 3, 0.5])
    add_check(n, ["check", xp, yp, "--input", "probs", "--weight", "1,3,0.5", "--reduction", "sum"],
              {"cross-entropy": torch_ce_input(x, y, "probs", weight=w, reduction="sum"),
               "nll": F.nll_loss(torch.log(x), y, weight=w, reduction="sum")},
              "check --input probs with weights and a -100 target: cross-entropy = nll(log p); "
              "gather (no weights) and one-hot (an ignored target) are skipped")

    n = "probs_check_ce_probs_unnormalised"
    rng = rng_for(n)
    xp, x = write_npy(n, "probs.npy", probs(rng, (6, 3)) * 0.9)
    yp, y = write_npy(n, "labels.npy", labels(rng, (6,), 3))
    x, y = T(x), L(y)
    onehot = F.one_hot(y, 3).to(torch.float64)
    add_check(n, ["check", xp, yp, "--input", "probs"],
              {"cross-entropy": torch_ce_input(x, y, "probs", normalized=False),
               "nll": F.nll_loss(torch.log(x), y), "gather": gather_path(torch.log(x), y),
               "cross-entropy-onehot": torch_ce_input(x, onehot, "probs", normalized=False)},
              "check --input probs on rows summing to 0.9: gather (log_softmax of log p) differs "
              "by log 0.9, so check fails: the probabilities are not normalised")
    assert not CASES[-1]["expected"]["ok"]


# ======================================================================== main


def main():
    for d in (LOSSES, EXAMPLE):
        if d.exists():
            shutil.rmtree(d)
    LOSSES.mkdir(parents=True)
    ce_index_cases()
    ce_prob_cases()
    nll_cases()
    bce_cases()
    gather_cases()
    check_cases()
    example_cases()
    top_cases()  # after the existing cases, so those keep their places in cases.json
    formats_cases()  # likewise appended
    corner_cases()  # likewise appended
    layout_cases()  # likewise appended
    probs_cases()  # likewise appended
    compare_cases()

    # every file an argv names exists (a `file:key` names the file); every case folder is used
    used = set()
    for c in CASES:
        argvs = [c["argv"]] + c.get("merge", []) + ([[c["stdin"]]] if "stdin" in c else [])
        for a in (a for argv in argvs for a in argv):
            if a.startswith("losses/") or a.startswith("example/"):
                path = a if (FIXTURES / a).is_file() else a.rsplit(":", 1)[0]
                assert (FIXTURES / path).is_file(), (c["name"], a)
                used.add(a.split("/")[1] if a.startswith("losses/") else None)
    assert {p.name for p in LOSSES.iterdir()} <= used
    text = json.dumps(CASES, indent=1, allow_nan=False)
    CASES_JSON.write_text(text + "\n")
    size = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    print(f"{len(CASES)} cases, {len(COMPARE_CASES)} compare cases, "
          f"fixtures/ {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
