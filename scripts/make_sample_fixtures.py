"""Write the per-sample fixtures in fixtures/samples/ with PyTorch, for test/save-columns.test.ts.

Run from the repository root with Debian's python (the one that has numpy and torch):

    /usr/bin/python3 scripts/make_sample_fixtures.py

fixtures/samples/ is generated: the script empties it and writes it again, seeded, so every
run writes the same bytes. Inputs are CSV (with a header of class names and an id column),
NPY and a names file; fixtures/samples/expected.json holds, per case:

  argv:      the losscalc arguments (file names relative to fixtures/samples/)
  loss, label, predicted, p_label: flat C-order lists over the samples (target positions, or
             elements for bce-logits), float64 from torch; predicted and p_label null for an
             ignored target
  ids:       the id of each sample, when the case has an id column
  perClass:  [{class, name, meanLoss}] in the order the per-class table shows them (highest
             mean loss first, ties by class), and `more`, the classes past --classes

The definitions (breakdown/samples.ts and report/sample-columns.ts follow them):
  predicted = torch.argmax(x, dim=class_dim) (first maximum); binary: sigmoid(x) > 0.5
  p_label   = softmax(x, class_dim)[label] in float64 (exp(x[label]) for log-probabilities);
              binary: t * sigmoid(x) + (1 - t) * (1 - sigmoid(x))
  label     = the target; for class probabilities their argmax

Besides, kdim_expected.npz is numpy.savez of the K-dim case's four arrays (NaN for the ignored
target), which losscalc's .npz must equal; and when the CLI is built (bin/losscalc.cjs), the
script checks that numpy.load reads a .npz that losscalc writes, with the same values.
"""
import json
import math
import pathlib
import shutil
import subprocess

import numpy as np
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "samples"
torch.manual_seed(13)
NAMES = ["cat", "dog", "bird", "fish", "frog", "newt"]


def floats(t):
    return [None if math.isnan(v) else float(v) for v in t.reshape(-1).tolist()]


def write_csv(path, header, rows):
    """rows of cells: strings as given (already quoted where needed), floats by repr."""
    with open(path, "w", newline="") as f:
        if header is not None:
            f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(c if isinstance(c, str) else repr(float(c)) for c in row) + "\n")


def class_columns(x, y, ignore_index=-100, class_dim=1):
    """label, predicted, p_label of class-index targets; predicted and p_label NaN when ignored."""
    p = F.softmax(x, dim=class_dim)
    predicted = torch.argmax(x, dim=class_dim).double()
    safe = y.clamp(min=0)
    p_label = torch.gather(p, class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    ignored = y == ignore_index
    predicted[ignored] = float("nan")
    p_label[ignored] = float("nan")
    return y.double(), predicted, p_label


def per_class(loss, label, k, names=None, ignore_index=-100):
    """The per-class table's order: highest mean loss first, ties by class; and how many are left out."""
    rows = []
    for c in sorted(set(int(v) for v in label.reshape(-1).tolist() if v != ignore_index)):
        mask = label.reshape(-1) == c
        row = {"class": c, "meanLoss": float(loss.reshape(-1)[mask].mean())}
        if names is not None:
            row["name"] = names[c]
        rows.append(row)
    rows.sort(key=lambda r: (-r["meanLoss"], r["class"]))
    return {"rows": rows[:k], "more": max(0, len(rows) - k)}


def case(argv, loss, label, predicted, p_label, **extra):
    return {"argv": argv, "loss": floats(loss), "label": floats(label), "predicted": floats(predicted), "p_label": floats(p_label), **extra}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    cases = {}

    # cross-entropy over a CSV with a header of class names and an id column first; one target
    # ignored; every class among the labels, so --classes 4 leaves 2 out
    x = torch.randn(9, 6, dtype=torch.float64) * 2
    y = torch.tensor([0, 1, 2, 3, 4, 5, 2, -100, 4])
    ids = ["img-0", "img-1", "img-2", '"img ""3"", b"', " img-4", "img-5", "img-6", "img-7", "img-8"]
    shown_ids = ["img-0", "img-1", "img-2", 'img "3", b', "img-4", "img-5", "img-6", "img-7", "img-8"]
    write_csv(OUT / "ce_logits.csv", ["image", *NAMES], [[i, *row] for i, row in zip(ids, x.tolist())])
    write_csv(OUT / "ce_labels.csv", None, [[str(v)] for v in y.tolist()])
    loss = F.cross_entropy(x, y, reduction="none")
    label, predicted, p_label = class_columns(x, y)
    cases["ce_ids"] = case(["ce", "ce_logits.csv", "ce_labels.csv", "--id-column", "image"], loss, label, predicted, p_label,
                           ids=shown_ids, perClass=per_class(loss, y, 4, NAMES))

    # the same as one --label-column table, the id column in the middle and named by index
    header = ["cat", "dog", "id", "bird", "fish", "frog", "newt", "label"]
    rows = [[*r[:2], i, *r[2:], str(t)] for i, r, t in zip(ids, x.tolist(), y.tolist())]
    write_csv(OUT / "ce_table.csv", header, rows)
    cases["table_ids"] = case(["ce", "ce_table.csv", "--label-column", "label", "--id-column", "2"], loss, label, predicted, p_label,
                              ids=shown_ids, perClass=per_class(loss, y, 20, NAMES))

    # names from a file: a plain NPY of the same logits, names one a line and as a JSON list
    np.save(OUT / "ce_logits.npy", x.numpy())
    np.save(OUT / "ce_labels.npy", y.numpy())
    other = ["airplane", "car", "ship", "truck", "horse", "deer"]
    (OUT / "names.txt").write_text("\n".join(other) + "\n")
    (OUT / "names.json").write_text(json.dumps(other))
    (OUT / "names_short.txt").write_text("\n".join(other[:5]) + "\n")
    cases["names_file"] = case(["ce", "ce_logits.npy", "ce_labels.npy", "--class-names", "names.txt"], loss, label, predicted, p_label,
                               perClass=per_class(loss, y, 3, other))

    # K-dim: (2, 3, 4) logits, (2, 4) targets, one ignored; also as numpy.savez for the .npz
    x = torch.randn(2, 3, 4, dtype=torch.float64)
    y = torch.tensor([[0, 2, 1, -100], [2, 2, 0, 1]])
    np.save(OUT / "kdim_logits.npy", x.numpy())
    np.save(OUT / "kdim_labels.npy", y.numpy())
    loss = F.cross_entropy(x, y, reduction="none")
    label, predicted, p_label = class_columns(x, y)
    np.savez(OUT / "kdim_expected.npz", loss=loss.numpy(), label=label.numpy(), predicted=predicted.numpy(), p_label=p_label.numpy())
    cases["kdim"] = case(["ce", "kdim_logits.npy", "kdim_labels.npy"], loss, label, predicted, p_label)

    # class probabilities as targets: the label is their argmax
    x = torch.randn(5, 4, dtype=torch.float64)
    t = F.softmax(torch.randn(5, 4, dtype=torch.float64) * 3, dim=1)
    np.save(OUT / "probs_logits.npy", x.numpy())
    np.save(OUT / "probs_targets.npy", t.numpy())
    loss = F.cross_entropy(x, t, reduction="none")
    y = torch.argmax(t, dim=1)
    label, predicted, p_label = class_columns(x, y)
    cases["probs"] = case(["ce", "probs_logits.npy", "probs_targets.npy"], loss, label, predicted, p_label)

    # nll over log-probabilities: p_label = exp(lp[label])
    lp = F.log_softmax(torch.randn(6, 3, dtype=torch.float64) * 2, dim=1)
    y = torch.tensor([0, 1, 2, 2, 1, 0])
    np.save(OUT / "nll_logprobs.npy", lp.numpy())
    np.save(OUT / "nll_labels.npy", y.numpy())
    loss = F.nll_loss(lp, y, reduction="none")
    p_label = torch.gather(lp, 1, y.unsqueeze(1)).squeeze(1).exp()
    cases["nll"] = case(["nll", "nll_logprobs.npy", "nll_labels.npy"], loss, y.double(), torch.argmax(lp, dim=1).double(), p_label)

    # bce-logits: an element each; ids from the CSV's id column, shared by a row's elements
    x = torch.randn(3, 4, dtype=torch.float64) * 2
    t = torch.tensor([[0.0, 1.0, 0.25, 1.0], [1.0, 0.0, 0.0, 0.75], [0.5, 1.0, 0.0, 1.0]], dtype=torch.float64)
    write_csv(OUT / "bce_logits.csv", ["id", "a", "b", "c", "d"], [[f"row-{i}", *r] for i, r in enumerate(x.tolist())])
    np.save(OUT / "bce_targets.npy", t.numpy())
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    s = torch.sigmoid(x)
    p_label = t * s + (1 - t) * (1 - s)
    predicted = (s > 0.5).double()
    cases["bce_ids"] = case(["bce-logits", "bce_logits.csv", "bce_targets.npy", "--id-column", "id"], loss, t, predicted, p_label,
                            ids=[f"row-{i}" for i in range(3) for _ in range(4)])

    (OUT / "expected.json").write_text(json.dumps(cases, indent=1) + "\n")
    check_numpy_reads_losscalc_npz(cases["kdim"])


def check_numpy_reads_losscalc_npz(kdim):
    """numpy.load of an .npz that losscalc writes: the same arrays as torch's (not committed)."""
    cli = ROOT / "bin" / "losscalc.cjs"
    if not cli.exists():
        print("bin/losscalc.cjs not built: numpy.load of losscalc's .npz not checked")
        return
    out = OUT / "from-losscalc.npz"
    subprocess.run(["node", str(cli), *kdim["argv"], "--save-per-sample", str(out), "-q"], cwd=OUT, check=True, stdout=subprocess.DEVNULL)
    got = np.load(out)
    want = np.load(OUT / "kdim_expected.npz")
    assert sorted(got.files) == sorted(want.files), got.files
    for k in want.files:
        assert got[k].dtype == np.float64 and got[k].shape == want[k].shape, (k, got[k].dtype, got[k].shape)
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=0, equal_nan=True)
    out.unlink()
    print("numpy.load reads losscalc's .npz: the same arrays as torch's")


if __name__ == "__main__":
    main()
