"""Generate the fixtures of the usual mistakes (and of PyTorch's names for the modes) from real PyTorch.

Writes (relative to the repository root):
  fixtures/mistakes/<case>/   the inputs (NPY, and a CSV written with few digits)
  fixtures/mistakes.json      {"cases": [...], "errors": [...]}
    cases:  {"name", "argv", "data", "loss", "note"} and optionally "evidence": argv runs
            losscalc (paths relative to fixtures/); "data" says what the predictions are
            ("softmax" output, "softmax-nll" (softmax output given to nll), "sigmoid" output, "log-probs", "logits", "not-log-probs",
            "uniform" values in [0, 1] whose rows do not sum to 1, "zeros", or "alias": argv
            runs one of PyTorch's names, and "mode" is the mode it stands for); "loss" is what
            PyTorch computes for that argv in float64 on the values as stored, through the
            module or function the mode (or alias) names; "evidence", for "not-log-probs", is
            the first value above 0 (beyond 1e-3) in row-major order, {"index": [n, c], "value"},
            or else the first row whose exp does not sum to 1, {"row", "sum"} (each case puts it
            in a row that losscalc samples: row 0, or row 2048 of 2100 rows of 40 classes).
    errors: {"name", "argv", "torch"}: labels PyTorch refuses, with PyTorch's own message.

    /usr/bin/python3 scripts/make_mistake_fixtures.py

Deterministic; wipes and rewrites fixtures/mistakes/. Needs torch and numpy (torch 1.13,
numpy 1.24 on Debian: `apt-get install python3-torch`).
"""

import json
import shutil
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = FIXTURES / "mistakes"
CASES = []
ERRORS = []


def gen(name):
    g = torch.Generator()
    g.manual_seed(zlib.crc32(name.encode()))
    return g


def save(name, fname, t):
    """np.save the tensor; returns (argv path, the values as stored, as a float64 tensor)."""
    d = OUT / name
    d.mkdir(parents=True, exist_ok=True)
    p = d / fname
    np.save(p, t.numpy())
    stored = np.load(p)
    return p.relative_to(FIXTURES).as_posix(), torch.from_numpy(stored.astype(np.float64) if stored.dtype.kind == "f" else stored)


def save_csv(name, fname, t, fmt):
    d = OUT / name
    d.mkdir(parents=True, exist_ok=True)
    p = d / fname
    np.savetxt(p, t.numpy(), fmt=fmt, delimiter=",")
    stored = np.loadtxt(p, delimiter=",", ndmin=2)
    return p.relative_to(FIXTURES).as_posix(), torch.from_numpy(stored)


def evidence(x):
    """Why x (2-D, as stored) cannot be log-probabilities: the first value above 0, else the first row whose exp does not sum to 1."""
    above = np.argwhere(x > 1e-3)
    if len(above):
        n, c = (int(i) for i in above[0])
        return {"index": [n, c], "value": float(x[n, c])}
    sums = np.exp(x).sum(1)
    row = int(np.argwhere(np.abs(sums - 1) > 1e-3)[0][0])
    return {"row": row, "sum": float(sums[row])}


def case(name, argv, data, loss, note, x=None):
    c = {"name": name, "argv": argv, "data": data, "loss": float(loss), "note": note}
    if data == "not-log-probs":
        c["evidence"] = evidence(x.numpy())
    CASES.append(c)


def class_case(name, mode, preds, data, note, labels=None, dtype=torch.float32, flags=(), loss_fn=None):
    g = gen(name)
    C = preds.shape[1] if preds.dim() > 1 else preds.shape[0]
    y = labels if labels is not None else torch.randint(0, C, preds.shape[:1] + preds.shape[2:], generator=g)
    xp, x = save(name, "logits.npy", preds.to(dtype))
    yp, yv = save(name, "labels.npy", y)
    fn = loss_fn or (F.cross_entropy if mode in ("ce", "cross-entropy") else F.nll_loss)
    case(name, [mode, xp, yp, *flags], data, fn(x, yv), note, x)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    torch.set_default_dtype(torch.float64)

    # --- cross-entropy on softmax output, and what must not look like it
    x = torch.randn(64, 10, generator=gen("ce_softmax"))
    class_case("ce_softmax", "ce", torch.softmax(x, 1), "softmax", "softmax output (float32) passed as logits")
    x = torch.randn(3, 5, 4, 2, generator=gen("ce_softmax_4d"))
    class_case("ce_softmax_4d", "ce", torch.softmax(x, 1), "softmax", "softmax over the class dim of (N, C, H, W), float64", dtype=torch.float64)
    x = torch.randn(32, 1000, generator=gen("ce_softmax_f16"))
    class_case("ce_softmax_f16", "ce", torch.softmax(x, 1).half().float(), "softmax", "softmax output rounded to float16, 1000 classes", dtype=torch.float16)
    x = torch.randn(64, 10, generator=gen("ce_logits"))
    class_case("ce_logits", "ce", x, "logits", "ordinary logits")
    class_case("ce_uniform", "ce", torch.rand(64, 10, generator=gen("ce_uniform")), "uniform", "logits in [0, 1] whose rows do not sum to 1")
    class_case("ce_zeros", "ce", torch.zeros(8, 4), "zeros", "zero logits: every row sums to 0")
    x = torch.randn(64, 10, generator=gen("ce_log_probs"))
    class_case("ce_log_probs", "ce", torch.log_softmax(x, 1), "log-probs", "log_softmax output: cross_entropy of it is the same loss")
    # one row of a softmax output that does not sum to 1 (in the second thread's half)
    p = torch.softmax(torch.randn(300, 10, generator=gen("ce_softmax_one_off")), 1)
    p[250] = torch.rand(10, generator=gen("ce_softmax_one_off row"))
    class_case("ce_softmax_one_off", "ce", p, "uniform", "softmax output but for row 250, whose values do not sum to 1")
    p = torch.softmax(torch.randn(300, 10, generator=gen("ce_softmax_large")), 1)
    class_case("ce_softmax_large", "ce", p, "softmax", "softmax output over 300 rows (threads split them)")
    # softmax output written to CSV with 6 digits, as np.savetxt(fmt='%.6f') writes it
    name = "ce_softmax_csv"
    p = torch.softmax(torch.randn(20, 6, generator=gen(name)), 1)
    y = torch.randint(0, 6, (20,), generator=gen(name + " labels"))
    xp, xv = save_csv(name, "probs.csv", p, "%.6f")
    yp, yv = save(name, "labels.npy", y)
    case(name, ["ce", xp, yp], "softmax", F.cross_entropy(xv, yv), "softmax output in a CSV written with %.6f")

    # --- nll on what are not log-probabilities
    x = torch.randn(64, 10, generator=gen("nll_logits"))
    class_case("nll_logits", "nll", x, "not-log-probs", "raw logits passed to nll")
    class_case("nll_probs", "nll", torch.softmax(torch.randn(64, 10, generator=gen("nll_probs")), 1), "softmax-nll", "softmax output passed to nll")
    x = torch.randn(64, 10, generator=gen("nll_shifted"))
    class_case("nll_shifted", "nll", x - x.max(1, keepdim=True).values, "not-log-probs", "x - max(x): every value <= 0 but rows whose exp sums above 1")
    class_case("nll_log_probs", "nll", torch.log_softmax(torch.randn(64, 10, generator=gen("nll_log_probs")), 1), "log-probs", "log_softmax output (float32)")
    x = torch.randn(2, 7, 5, 3, generator=gen("nll_log_probs_4d"))
    class_case("nll_log_probs_4d", "nll", torch.log_softmax(x, 1), "log-probs", "log_softmax over the class dim of (N, C, H, W)", dtype=torch.float64)
    x = torch.randn(16, 2000, generator=gen("nll_log_probs_f16"))
    class_case("nll_log_probs_f16", "nll", torch.log_softmax(x, 1).half().float(), "log-probs", "log_softmax rounded to float16, 2000 classes", dtype=torch.float16)
    x = torch.randn(64, 1000, generator=gen("nll_log_probs_bf16_as_f32")) * 3
    class_case("nll_log_probs_bf16_as_f32", "nll", torch.log_softmax(x, 1).bfloat16().float(), "log-probs",
               "log_softmax computed in bfloat16, saved as float32: rows sum their exp to 1 within ~1e-3, not 1e-7")
    x = torch.randn(64, 10, generator=gen("nll_log_softmax_flag"))
    class_case(
        "nll_log_softmax_flag", "nll", x, "logits", "raw logits with --log-softmax",
        flags=["--log-softmax"], loss_fn=lambda a, b: F.nll_loss(F.log_softmax(a, 1), b),
    )
    # log-probabilities but for one sampled row far in (row 2048 of 2100: the rows are 40 wide,
    # so only every 1024th row is looked at past the first 1639)
    lp = torch.log_softmax(torch.randn(2100, 40, generator=gen("nll_one_row")), 1)
    lp[2048] = lp[2048] - 1.0
    class_case("nll_one_row", "nll", lp, "not-log-probs", "log-probabilities but for row 2048, shifted by -1")
    lp = torch.log_softmax(torch.randn(2100, 40, generator=gen("nll_one_value")), 1)
    lp[2048, 7] = 2.5
    class_case("nll_one_value", "nll", lp, "not-log-probs", "log-probabilities but for one value 2.5 in row 2048")

    # --- bce-logits on sigmoid output
    for name, data, t_logits, note in [
        ("bce_sigmoid", "sigmoid", torch.sigmoid(torch.randn(64, 5, generator=gen("bce_sigmoid"))), "sigmoid output passed as logits"),
        ("bce_logits", "logits", torch.randn(64, 5, generator=gen("bce_logits")), "ordinary logits"),
        ("bce_zeros", "zeros", torch.zeros(16, 3), "zero logits (every value 0 is in [0, 1], none inside)"),
    ]:
        t = (torch.rand(t_logits.shape, generator=gen(name + " targets")) > 0.5).double()
        xp, xv = save(name, "logits.npy", t_logits.float())
        tp, tv = save(name, "targets.npy", t)
        case(name, ["bce", xp, tp], data, F.binary_cross_entropy_with_logits(xv, tv), note)

    # --- PyTorch's names run their modes, computed by the module or function of that name
    x = torch.randn(12, 4, generator=gen("aliases"))
    y = torch.randint(0, 4, (12,), generator=gen("aliases labels"))
    t = (torch.rand(12, 4, generator=gen("aliases targets")) > 0.5).double()
    xp, xv = save("aliases", "logits.npy", x)
    lpp, lpv = save("aliases", "log_probs.npy", torch.log_softmax(x, 1))
    pp, pv = save("aliases", "probs.npy", torch.sigmoid(x))
    yp, yv = save("aliases", "labels.npy", y)
    tp, tv = save("aliases", "targets.npy", t)
    for alias, mode, argv, loss in [
        ("cross_entropy", "cross-entropy", [xp, yp], F.cross_entropy(xv, yv)),
        ("CrossEntropyLoss", "cross-entropy", [xp, yp], nn.CrossEntropyLoss()(xv, yv)),
        ("nll_loss", "nll", [lpp, yp], F.nll_loss(lpv, yv)),
        ("NLLLoss", "nll", [lpp, yp], nn.NLLLoss()(lpv, yv)),
        ("binary_cross_entropy_with_logits", "bce-logits", [xp, tp], F.binary_cross_entropy_with_logits(xv, tv)),
        ("BCEWithLogitsLoss", "bce-logits", [xp, tp], nn.BCEWithLogitsLoss()(xv, tv)),
        ("binary_cross_entropy", "binary-cross-entropy", [pp, tp], F.binary_cross_entropy(pv, tv)),
        ("BCELoss", "binary-cross-entropy", [pp, tp], nn.BCELoss()(pv, tv)),
    ]:
        case(f"alias_{alias}", [alias, *argv], "alias", loss, f"{alias}: PyTorch's own name for {mode}")
        CASES[-1]["mode"] = mode

    # --- labels PyTorch refuses, and the same labels the way they were meant
    x = torch.randn(10, 4, generator=gen("labels"))
    xp, xv = save("labels", "logits.npy", x)
    one_based = torch.tensor([1, 2, 4, 3, 4, 1, 2, 3, 4, 1])
    void = torch.tensor([0, 1, 255, 3, 2, 255, 1, 0, 3, 2])
    not_one_based = torch.tensor([1, 0, 4, 3, 4, 1, 2, 3, 4, 1])
    ignored = torch.tensor([1, -100, 4, 3, 4, 1, -100, 3, 4, 1])
    for name, y in [("one_based", one_based), ("void", void), ("zero_and_c", not_one_based), ("one_based_ignored", ignored)]:
        yp, yv = save("labels", f"{name}.npy", y)
        try:
            F.cross_entropy(xv, yv)
            raise SystemExit(f"PyTorch accepted the labels of {name}")
        except (IndexError, RuntimeError) as e:
            ERRORS.append({"name": name, "argv": ["ce", xp, yp], "torch": str(e).splitlines()[0]})
    yp, yv = save("labels", "one_based_minus_one.npy", one_based - 1)
    case("labels_minus_one", ["ce", xp, yp], "logits", F.cross_entropy(xv, yv), "1-based labels, minus 1")
    yp, yv = save("labels", "void.npy", void)
    case("labels_void_ignored", ["ce", xp, yp, "--ignore-index", "255"], "logits", F.cross_entropy(xv, void, ignore_index=255), "255 as ignore_index")

    (FIXTURES / "mistakes.json").write_text(json.dumps({"cases": CASES, "errors": ERRORS}, indent=1) + "\n")
    print(f"{len(CASES)} cases, {len(ERRORS)} errors")


if __name__ == "__main__":
    main()
