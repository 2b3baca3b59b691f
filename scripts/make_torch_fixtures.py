"""Write the torch.save fixtures in fixtures/torch/ with PyTorch's own torch.save, for test/io/torch.test.ts.

Run from the repository root with Debian's python (PyTorch 1.13):

    /usr/bin/python3 scripts/make_torch_fixtures.py

fixtures/torch/ is generated: the script empties it and writes it again. It is seeded, so the
tensors are the same on every run. Besides the .pt files it writes fixtures/torch/expected.json:

  tensors:  `file:key` (or a file name for a file of one tensor) -> {shape, dtype, values};
            values are torch's, flat in C order, as Python numbers (bool as 0/1)
  keys:     file -> the keys that hold tensors or numbers, in the order the object holds them
  cli:      [{argv, loss}]: PyTorch's loss for a losscalc command over these files
  hostile:  file -> {creates?}: files that must be refused; a pickle that would run code
            names the file it creates under pickle.loads (checked here)

Files that PyTorch 1.13 cannot write are made from its output by hand, as documented at each:
the big-endian `byteorder` (storages byte-swapped), the records PyTorch 2.x adds with storages
aligned at 64 bytes, and the hostile pickles (each checked here to do harm under pickle.loads).
"""
import collections
import io
import json
import os
import pathlib
import pickle
import shutil
import struct
import subprocess
import tempfile
import zipfile

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "torch"
torch.manual_seed(20261130)
tensors = {}
keys = {}
cli = []
hostile = {}

N, C = 6, 5
logits = torch.randn(N, C, dtype=torch.float64) * 3
labels = torch.tensor([0, 3, 4, 1, 2, 4])
targets = torch.rand(N, C, dtype=torch.float64)


def flat(t):
    t = t.detach()
    if t.dtype == torch.bool:
        return [int(v) for v in t.reshape(-1).tolist()]
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.to(torch.float64).reshape(-1).tolist()
    return t.reshape(-1).tolist()


DTYPE_NAMES = {
    torch.float64: "float64", torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8",
    torch.uint8: "uint8", torch.bool: "bool",
}


def leaves(obj, path=""):
    """The tensors and numbers of a saved object by key path, as losscalc names them."""
    if isinstance(obj, torch.Tensor) or (isinstance(obj, (int, float, bool))):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from leaves(v, f"{path}.{i}" if path else str(i))


def record(name, obj, load=True):
    """Expected contents of a file holding `obj`, as torch.load reads it back (or `obj` itself,
    for a file PyTorch 1.13 cannot read: it ignores the byteorder record)."""
    loaded = torch.load(OUT / name) if load else obj
    if isinstance(loaded, torch.Tensor):
        tensors[name] = {"shape": list(loaded.shape), "dtype": DTYPE_NAMES[loaded.dtype], "values": flat(loaded)}
        return
    found = list(leaves(loaded))
    keys[name] = [k for k, _ in found]
    for k, v in found:
        if isinstance(v, torch.Tensor):
            tensors[f"{name}:{k}"] = {"shape": list(v.shape), "dtype": DTYPE_NAMES[v.dtype], "values": flat(v)}
        else:
            dtype = "bool" if isinstance(v, bool) else "int64" if isinstance(v, int) else "float64"
            tensors[f"{name}:{k}"] = {"shape": [], "dtype": dtype, "values": [int(v) if isinstance(v, bool) else v]}


def save(name, obj, **kw):
    torch.save(obj, OUT / name, **kw)
    record(name, obj)


def losses(spec_x, spec_y, spec_t, x, y, t):
    """Every mode over one (logits, labels, targets) triple, PyTorch's float64 values."""
    x, t = x.detach().to(torch.float64), t.detach().to(torch.float64)
    ce = F.cross_entropy(x, y).item()
    cli.append({"argv": ["ce", spec_x, spec_y], "loss": ce})
    cli.append({"argv": ["nll", spec_x, spec_y, "--log-softmax"], "loss": F.nll_loss(F.log_softmax(x, 1), y).item()})
    cli.append({"argv": ["gather", spec_x, spec_y], "loss": -F.log_softmax(x, 1).gather(1, y.unsqueeze(1)).mean().item()})
    cli.append({"argv": ["check", spec_x, spec_y], "loss": ce})
    cli.append({"argv": ["bce-logits", spec_x, spec_t], "loss": F.binary_cross_entropy_with_logits(x, t).item()})


def make_plain():
    save("dump.pt", {"logits": logits, "labels": labels, "targets": targets,
                     "loss": F.cross_entropy(logits, labels).item(), "count": N, "ok": True})
    losses("dump.pt:logits", "dump.pt:labels", "dump.pt:targets", logits, labels, targets)
    # --reference and --expect-style use of a Python number saved beside the tensors
    cli.append({"argv": ["ce", "dump.pt:logits", "dump.pt:labels", "--reference", "dump.pt:loss"],
                "loss": F.cross_entropy(logits, labels).item()})
    nested = collections.OrderedDict(
        outputs={"logits": logits, "aux": [logits.float(), (labels, targets)]}, labels=labels)
    save("nested.pt", nested)
    losses("nested.pt:outputs.logits", "nested.pt:labels", "nested.pt:outputs.aux.1.1", logits, labels, targets)
    # one file with everything: `losscalc ce nested.pt` finds outputs.logits and labels by name
    cli.append({"argv": ["ce", "nested.pt"], "loss": F.cross_entropy(logits, labels).item()})
    save("one_file.pt", {"outputs": logits.float(), "target": labels, "ids": torch.arange(N)})
    cli.append({"argv": ["ce", "one_file.pt"], "loss": F.cross_entropy(logits.float().double(), labels).item()})
    save("list.pt", [logits, labels, targets])
    losses("list.pt:0", "list.pt:1", "list.pt:2", logits, labels, targets)
    # a list of per-batch dicts: batches.pt:1.logits finds its labels beside it (1.labels); -l per batch
    batches = [{"logits": logits[i::3].clone(), "labels": labels[i::3].clone()} for i in range(3)]
    save("batches.pt", batches)
    cli.append({"argv": ["ce", "batches.pt:1.logits"], "loss": F.cross_entropy(batches[1]["logits"], batches[1]["labels"]).item()})
    cli.append({"argv": ["ce", "-l", "batches.pt:0.logits", "-l", "batches.pt:1.logits", "-l", "batches.pt:2.logits"],
                "loss": F.cross_entropy(torch.cat([b["logits"] for b in batches]), torch.cat([b["labels"] for b in batches])).item()})
    save("tuple.pt", (logits, labels))
    cli.append({"argv": ["ce", "tuple.pt:0", "tuple.pt:1"], "loss": F.cross_entropy(logits, labels).item()})
    param = torch.nn.Parameter(logits.clone())
    save("parameter.pt", {"logits": param, "labels": labels})
    losses("parameter.pt:logits", "parameter.pt:labels", "dump.pt:targets", param, labels, targets)
    layer = torch.nn.Linear(C, C).double()
    save("state_dict.pt", layer.state_dict())  # an OrderedDict with _metadata, set by BUILD
    save("single.pt", logits)
    shutil.copy(OUT / "single.pt", OUT / "pytorch_model.bin")
    record("pytorch_model.bin", logits)
    cli.append({"argv": ["ce", "pytorch_model.bin", "dump.pt:labels"], "loss": F.cross_entropy(logits, labels).item()})
    save("scalars.pt", {"zero_d": torch.tensor(1.5, dtype=torch.float64), "zero_d_int": torch.tensor(3),
                        "py_float": 0.25, "py_int": 7, "py_bool": True, "skipped": "text", "none": None})
    # a 0-d (unbatched) input: logits of shape (C,) with a 0-d label
    save("unbatched.pt", {"logits": logits[1].clone(), "label": torch.tensor(3)})
    cli.append({"argv": ["ce", "unbatched.pt:logits", "unbatched.pt:label"],
                "loss": F.cross_entropy(logits[1], torch.tensor(3)).item()})


def make_views():
    base = torch.randn(12, 10, dtype=torch.float64) * 2
    shared = torch.randn(2 * N, C, dtype=torch.float64)
    big_labels = torch.tensor([0, 9, 3, 9, 4, 9, 1, 9, 2, 9, 4, 9])
    views = {
        "transposed": base[:C, :N].t(),
        "strided": base[:N, ::2],
        "slice": base[3:3 + N, 2:2 + C],
        "shared_a": shared[:N],
        "shared_b": shared[N:],
        "expanded": base[0, :C].expand(N, C),
        "labels": big_labels[::2],
    }
    assert not views["transposed"].is_contiguous() and not views["strided"].is_contiguous()
    assert views["shared_a"].storage().data_ptr() == views["shared_b"].storage().data_ptr()
    save("views.pt", views)
    for name in ("transposed", "strided", "slice", "shared_a", "shared_b", "expanded"):
        losses(f"views.pt:{name}", "views.pt:labels", "dump.pt:targets", views[name], big_labels[::2], targets)
    save("legacy_views.pt", views, _use_new_zipfile_serialization=False)
    losses("legacy_views.pt:transposed", "legacy_views.pt:labels", "dump.pt:targets", views["transposed"], big_labels[::2], targets)
    losses("legacy_views.pt:shared_b", "legacy_views.pt:labels", "dump.pt:targets", views["shared_b"], big_labels[::2], targets)


DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32,
          torch.int16, torch.int8, torch.uint8, torch.bool]


def make_dtypes():
    values = {DTYPE_NAMES[d]: (logits if d.is_floating_point else (logits * 10).round()).to(d) for d in DTYPES}
    values["labels_int32"] = labels.to(torch.int32)
    values["labels_uint8"] = labels.to(torch.uint8)
    values["labels_int16"] = labels.to(torch.int16)
    for fmt, new in (("dtypes.pt", True), ("legacy_dtypes.pt", False)):
        save(fmt, values, _use_new_zipfile_serialization=new)
        for d in ("float64", "float32", "float16", "bfloat16", "int8", "int32"):
            cli.append({"argv": ["ce", f"{fmt}:{d}", f"{fmt}:labels_int32"],
                        "loss": F.cross_entropy(values[d].to(torch.float64), labels).item()})
        cli.append({"argv": ["ce", f"{fmt}:float32", f"{fmt}:labels_uint8"],
                    "loss": F.cross_entropy(values["float32"].to(torch.float64), labels).item()})
        cli.append({"argv": ["bce-logits", f"{fmt}:float16", f"{fmt}:bool"],
                    "loss": F.binary_cross_entropy_with_logits(values["float16"].to(torch.float64), values["bool"].to(torch.float64)).item()})
    save("legacy.pt", {"logits": logits, "labels": labels, "targets": targets}, _use_new_zipfile_serialization=False)
    losses("legacy.pt:logits", "legacy.pt:labels", "legacy.pt:targets", logits, labels, targets)


class StorageKinds(pickle.Unpickler):
    """Reads data.pkl only to learn each storage key's element type."""

    def __init__(self, data):
        super().__init__(io.BytesIO(data))
        self.kinds = {}

    def find_class(self, module, name):
        if module == "torch" and name.endswith("Storage"):
            return name
        return lambda *a, **k: None

    def persistent_load(self, pid):
        self.kinds[pid[2]] = pid[1]


STORAGE_SIZES = {"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8,
                 "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1}


def rewrite(source, target, folder, edit):
    """A copy of a torch zip with its records renamed into `folder` and passed through
    edit(name, bytes, kinds) -> [(name, bytes)]; each record's data aligned at 64 bytes,
    as PyTorch's writer aligns it (padding in the local header's extra field)."""
    with zipfile.ZipFile(source) as z:
        old = z.namelist()[0].split("/")[0]
        pkl = z.read(f"{old}/data.pkl")
        kinds = StorageKinds(pkl)
        kinds.load()
        records = []
        for info in z.infolist():
            records += edit(info.filename.split("/", 1)[1], z.read(info), kinds.kinds)
    with open(target, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as out:
        for name, data in records:
            full = f"{folder}/{name}"
            info = zipfile.ZipInfo(full, date_time=(1980, 1, 1, 0, 0, 0))
            start = f.tell() + 30 + len(full.encode()) + 4
            pad = (-start) % 64
            info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # "FB", as PyTorch's padding record
            out.writestr(info, data)


def make_by_hand():
    obj = {"logits": logits, "labels": labels, "half": logits.half(), "targets": targets}
    torch.save(obj, OUT / "little.tmp")

    def big(name, data, kinds):
        if name.startswith("data/"):
            size = STORAGE_SIZES[kinds[name[5:]]]
            data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
        if name == "version":
            return [(name, data), ("byteorder", b"big")]
        return [(name, data)]

    rewrite(OUT / "little.tmp", OUT / "big_endian.pt", "big_endian", big)
    record("big_endian.pt", obj, load=False)
    losses("big_endian.pt:logits", "big_endian.pt:labels", "big_endian.pt:targets", logits, labels, targets)
    cli.append({"argv": ["ce", "big_endian.pt:half", "big_endian.pt:labels"],
                "loss": F.cross_entropy(logits.half().double(), labels).item()})

    def newer(name, data, kinds):
        if name == "data.pkl":
            return [(name, data), (".format_version", b"1"), (".storage_alignment", b"64"), ("byteorder", b"little")]
        if name == "version":
            return [(name, b"3\n"), (".data/serialization_id", b"0123456789012345678901234567890123456789")]
        return [(name, data)]

    rewrite(OUT / "little.tmp", OUT / "torch2_records.pt", "archive", newer)
    record("torch2_records.pt", obj, load=False)
    with zipfile.ZipFile(OUT / "torch2_records.pt") as z:
        for info in z.infolist():
            if "/data/" in info.filename:
                assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0
    losses("torch2_records.pt:logits", "torch2_records.pt:labels", "torch2_records.pt:targets", logits, labels, targets)
    os.remove(OUT / "little.tmp")
    # a torch.save file given the extension of another format
    shutil.copy(OUT / "dump.pt", OUT / "torch_zip.npz")


def torch_zip(name, pkl, storages=None, method=zipfile.ZIP_STORED):
    """A zip laid out as torch.save writes one, holding the pickle `pkl` and raw storages."""
    with zipfile.ZipFile(OUT / name, "w", method) as z:
        record = lambda path, data: z.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), data, method)
        record("hostile/data.pkl", pkl)
        for key, data in (storages or {}).items():
            record(f"hostile/data/{key}", data)
        record("hostile/version", "3\n")
    hostile.setdefault(name, {})


def live(pkl, made):
    """Proves that the pickle does harm when Python unpickles it: it creates `made`."""
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            try:
                pickle.loads(pkl)
            except Exception:
                pass
            assert os.path.exists(made), f"the hostile pickle did not create {made}"
        finally:
            os.chdir(cwd)


def uni(text):
    """BINUNICODE: a 4-byte length, then UTF-8."""
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def make_hostile():
    os.makedirs(OUT / "hostile")
    # GLOBAL module\nname\n, arguments, REDUCE: what a malicious checkpoint does
    system = b"\x80\x02cposix\nsystem\n" + uni("echo pwned > pwned.txt") + b"\x85R."
    live(system, "pwned.txt")
    torch_zip("hostile/system.pt", system)
    hostile["hostile/system.pt"] = {"creates": "pwned.txt"}
    opened = b"\x80\x02c__builtin__\nopen\n" + uni("opened.txt") + uni("w") + b"\x86R."
    live(opened, "opened.txt")
    torch_zip("hostile/open.pt", opened)
    hostile["hostile/open.pt"] = {"creates": "opened.txt"}
    evaluated = b"\x80\x02cbuiltins\neval\n" + uni("__import__('os').system('touch evaluated.txt')") + b"\x85R."
    live(evaluated, "evaluated.txt")
    torch_zip("hostile/eval.pt", evaluated)
    hostile["hostile/eval.pt"] = {"creates": "evaluated.txt"}
    # the same, in the legacy format: magic, protocol, sys_info, then the harmful object
    head = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + pickle.dumps(1001, protocol=2) + pickle.dumps(
        {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    with open(OUT / "hostile/legacy_system.pt", "wb") as f:
        f.write(head + system)
    hostile["hostile/legacy_system.pt"] = {"creates": "pwned.txt"}
    # STACK_GLOBAL (protocol 4) spells the global with strings on the stack
    stacked = b"\x80\x04\x8c\x02os\x8c\x06system\x93" + uni("touch stack.txt") + b"\x85R."
    live(stacked, "stack.txt")
    torch_zip("hostile/stack_global.pt", stacked)
    hostile["hostile/stack_global.pt"] = {"creates": "stack.txt"}
    # INST calls a class by name without GLOBAL
    inst = b"(S'touch inst.txt'\nios\nsystem\n."
    live(inst, "inst.txt")
    torch_zip("hostile/inst.pt", inst)
    hostile["hostile/inst.pt"] = {"creates": "inst.txt"}
    # a tensor claiming 2^60 elements of a 4-element storage
    huge = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
            b"\x8a\x06\x00\x00\x00\x00\x00\x01tQK\x00\x8a\x06\x00\x00\x00\x00\x00\x01\x85K\x01\x85\x89NtR.")
    torch_zip("hostile/huge_storage.pt", huge, {"0": struct.pack("<4f", 1, 2, 3, 4)})
    view = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00"
            b"J\x00\x00\x00\x40J\x00\x00\x00\x40\x86K\x01K\x01\x86\x89NtR.")
    torch_zip("hostile/huge_view.pt", view, {"0": struct.pack("<4f", 1, 2, 3, 4)})
    # stride 0 repeats one row of a 2-element storage 2^22 times: 64 MiB from a file of 300 bytes
    repeated = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nDoubleStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00"
                b"J\x00\x00\x40\x00K\x02\x86K\x00K\x01\x86\x89NtR.")
    torch_zip("hostile/repeated.pt", repeated, {"0": struct.pack("<2d", 1, 2)})
    # the same in float16: 16 MiB in the file's dtype, 32 MiB once widened to float32
    torch_zip("hostile/repeated_half.pt", repeated.replace(b"DoubleStorage", b"HalfStorage"), {"0": struct.pack("<2e", 1, 2)})
    torch_zip("hostile/unknown_opcode.pt", b"\x80\x02]\xff.")
    torch_zip("hostile/memo.pt", b"\x80\x02]q\x00h\x07a.")
    torch_zip("hostile/self.pt", b"\x80\x02]q\x00h\x00a.")
    torch_zip("hostile/long.pt", b"\x80\x02L" + b"9" * 1_000_000 + b"L\n.", method=zipfile.ZIP_DEFLATED)
    torch_zip("hostile/long4.pt", b"\x80\x02\x8b" + struct.pack("<I", 1_000_000) + b"\x01" * 1_000_000 + b".", method=zipfile.ZIP_DEFLATED)
    depth = 100_000
    torch_zip("hostile/deep.pt", b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b".")
    torch_zip("hostile/bytes8.pt", b"\x80\x04\x8e" + struct.pack("<Q", 1 << 60) + b".")
    with open(OUT / "hostile/tar.pt", "wb") as f:
        f.write(tar_bytes())
    hostile["hostile/tar.pt"] = {}
    # what torch.save writes for a sparse tensor, and for a NumPy array beside tensors: refused, with what to save instead
    torch.save({"logits": logits.to_sparse(), "labels": labels}, OUT / "hostile/sparse.pt")
    hostile["hostile/sparse.pt"] = {}
    torch.save({"logits": logits.numpy(), "labels": labels}, OUT / "hostile/numpy_array.pt")
    hostile["hostile/numpy_array.pt"] = {}


def make_protocols():
    """Every pickle protocol torch.save takes (it refuses 0), in both formats: the legacy
    format's magic number is a text LONG in protocol 1 and follows a FRAME in 4 and 5."""
    obj = {"logits": logits, "labels": labels, "flag": True}
    for p in (1, 2, 4, 5):
        for name, new in ((f"protocol{p}.pt", True), (f"legacy_protocol{p}.pt", False)):
            save(name, obj, pickle_protocol=p, _use_new_zipfile_serialization=new)
            cli.append({"argv": ["ce", name], "loss": F.cross_entropy(logits, labels).item()})
    starts = {1: b"L", 2: b"\x80\x02\x8a", 4: b"\x80\x04\x95", 5: b"\x80\x05\x95"}
    for p, head in starts.items():
        with open(OUT / f"legacy_protocol{p}.pt", "rb") as f:
            assert f.read(len(head)) == head


def make_reordered():
    """torch.load finds data.pkl anywhere in the archive: here it is the last record, after
    8 KiB of storages, so the first 4 KiB reach neither it nor the central directory."""
    obj = {"logits": logits, "labels": labels, "ids": torch.arange(1024)}
    torch.save(obj, OUT / "reordered.tmp")
    with zipfile.ZipFile(OUT / "reordered.tmp") as z:
        records = [(info.filename, z.read(info)) for info in z.infolist()]
    os.remove(OUT / "reordered.tmp")
    records.sort(key=lambda r: r[0].endswith("/data.pkl"))
    for name in ("reordered.pt", "reordered.bin"):
        with zipfile.ZipFile(OUT / name, "w") as out:
            for path, data in records:
                out.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), data)
        record(name, obj)
        cli.append({"argv": ["ce", name], "loss": F.cross_entropy(logits, labels).item()})
    with zipfile.ZipFile(OUT / "reordered.pt") as z:
        assert not z.namelist()[0].endswith("/data.pkl") and z.infolist()[-1].header_offset > 8192


def make_key_kinds():
    """Dict keys that are not str, spelled as Python's str() spells them; and a dict of nothing."""
    save("key_kinds.pt", {(0, 1): logits, "labels": labels, None: targets, 1.0: labels.float(),
                          2.5: targets[0], ("a", 3): labels})
    assert keys["key_kinds.pt"] == ["(0, 1)", "labels", "None", "1.0", "2.5", "('a', 3)"]
    cli.append({"argv": ["ce", "key_kinds.pt:(0, 1)", "key_kinds.pt:labels"], "loss": F.cross_entropy(logits, labels).item()})
    cli.append({"argv": ["bce-logits", "key_kinds.pt:(0, 1)", "key_kinds.pt:None"],
                "loss": F.binary_cross_entropy_with_logits(logits, targets).item()})
    save("empty.pt", {})


def make_ambiguous():
    """Files torch.load reads one way and a reader of names could read another: refused."""
    # a record twice: torch.load reads the first data/0, Python's zipfile the last
    torch.save({"logits": logits, "labels": labels}, OUT / "hostile/duplicate_record.tmp")
    with zipfile.ZipFile(OUT / "hostile/duplicate_record.tmp") as z:
        records = [(info.filename, z.read(info)) for info in z.infolist()]
    os.remove(OUT / "hostile/duplicate_record.tmp")
    with zipfile.ZipFile(OUT / "hostile/duplicate_record.pt", "w") as out:
        for path, data in records:
            out.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), data)
        out.writestr(zipfile.ZipInfo("duplicate_record/data/0", date_time=(1980, 1, 1, 0, 0, 0)), (logits * 3).numpy().tobytes())
    assert torch.equal(torch.load(OUT / "hostile/duplicate_record.pt")["logits"], logits)
    hostile["hostile/duplicate_record.pt"] = {}
    # keys that flatten to one name: an int and a str, a dotted str and a nested dict
    for name, obj in (("hostile/same_key_int.pt", {0: logits, "0": logits * 2, "labels": labels}),
                      ("hostile/same_key_dotted.pt", {"a.b": logits, "a": {"b": logits * 2}, "labels": labels})):
        torch.save(obj, OUT / name)
        hostile[name] = {}


def tar_bytes():
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in ("sys_info", "pickle", "storages", "tensors"):
            info = tarfile.TarInfo(name)
            info.size = 1
            info.mtime = 0
            tar.addfile(info, io.BytesIO(b"\x00"))
    return buf.getvalue()


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    make_plain()
    make_views()
    make_dtypes()
    make_by_hand()
    make_hostile()
    make_protocols()
    make_reordered()
    make_key_kinds()
    make_ambiguous()
    with open(OUT / "expected.json", "w") as f:
        json.dump({"tensors": tensors, "keys": keys, "cli": cli, "hostile": hostile}, f, indent=1)
        f.write("\n")
    # the quick start's example, run word for word in the README
    example = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "example"
    torch.save({"logits": logits, "labels": labels}, example / "dump.pt")


if __name__ == "__main__":
    main()
