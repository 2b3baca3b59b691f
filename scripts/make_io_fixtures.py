"""Write the reader fixtures in fixtures/io/ with numpy's own writers, for test/io.

Run from the repository root with Debian's python (the one that has numpy, torch and pandas):

    /usr/bin/python3 scripts/make_io_fixtures.py

fixtures/io/ is generated: the script empties it and writes it again. It is seeded, so
every run writes the same bytes. Besides the .npy/.npz/.safetensors/.csv/.tsv/.json/.jsonl
files it writes fixtures/io/expected.json:

  files:       spec -> {shape, dtype, values}; a spec is a file name, or `file:key` for an
               array in a container; values are the flat C-order list, non-finite floats as
               "NaN"/"Infinity"/"-Infinity", 64-bit integers as decimal strings, bools as 0/1
  containers:  file -> {keys}; the arrays a .npz/.safetensors/.json object holds, in file order
  tables:      file -> {labelColumn, dropColumns, logits, labels}; one CSV with everything
  concat:      [{parts, shape, dtype, values}]; np.concatenate of the parts along dim 0
  cli:         [{argv, loss}]; PyTorch's loss for a losscalc command over these files
  errors:      file -> facts about a broken file (what is wrong and where) for the error tests
  unsupported: name -> {descr}; .npy files whose dtype the reader must refuse
  f32_to_f16:  {inputs, bits}; float32 values and numpy's float16 bit patterns for them
  large_npz:   the archive over 2 GiB that test/io/npz-large.test.ts writes (opt-in), and
               PyTorch's cross-entropy over it

There is no safetensors package here, so .safetensors files are written by following the
format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
the JSON header {"__metadata__": {...}, name: {dtype, shape, data_offsets}} padded with
spaces to a multiple of 8 bytes, then the raw little-endian data, tensors in the order the
reference writer uses (larger dtype alignment first, then by name). bfloat16 comes from torch.
"""
import bz2
import csv
import gzip
import io
import json
import lzma
import math
import pathlib
import pickle
import shutil
import struct
import subprocess
import tarfile
import zipfile
import zlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "io"
rng = np.random.default_rng(20240611)
files = {}
unsupported = {}
containers = {}
tables = {}
concat = []
cli = []
errors = {}


def json_value(v, wide_int):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    return str(v) if wide_int else v


def expected(arr, dtype=None):
    wide = arr.dtype.kind in "iu" and arr.dtype.itemsize == 8
    return {
        "shape": list(arr.shape),
        "dtype": dtype or arr.dtype.name,
        "values": [json_value(v, wide) for v in np.ravel(arr, order="C").tolist()],
    }


def record(name, arr, dtype=None):
    files[name] = expected(arr, dtype)


def save(name, arr, version=(1, 0)):
    with open(OUT / name, "wb") as f:
        np.lib.format.write_array(f, arr, version=version)
    record(name, arr)


def sample(code, n):
    """n values of dtype `code` with the edge cases first, then seeded random ones."""
    dt = np.dtype(code)
    if dt.kind == "f":
        info = np.finfo(dt)
        edges = [np.nan, np.inf, -np.inf, -0.0, info.max, -info.max, info.tiny, info.smallest_subnormal, 1 / 3]
        rand = rng.normal(0, 100, n)
    elif dt.kind == "b":
        return np.array([True, False, True, True, False, False, True, False] * n, dtype=dt)[:n]
    else:
        info = np.iinfo(dt)
        edges = [info.min, info.max, 0, 1, info.max - 1]
        if dt.kind == "i":
            edges.append(-1)
        rand = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    vals = np.concatenate([np.array(edges, dtype=dt), rand.astype(dt)])
    return vals[:n]


CODES = ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]


# ---- containers: npz, safetensors, JSON objects ----

# safetensors dtype -> (numpy little-endian code, losscalc dtype name)
ST_DTYPES = {
    "F64": ("<f8", "float64"),
    "F32": ("<f4", "float32"),
    "F16": ("<f2", "float16"),
    "I64": ("<i8", "int64"),
    "I32": ("<i4", "int32"),
    "I16": ("<i2", "int16"),
    "I8": ("|i1", "int8"),
    "U8": ("|u1", "uint8"),
    "BOOL": ("|b1", "bool"),
}
ST_SIZE = {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def safetensors_bytes(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw little-endian bytes). The reference writer's layout."""
    order = sorted(tensors, key=lambda n: (-ST_SIZE[tensors[n][0]], n))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name in order:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(tensors[n][2] for n in order), order


def write_safetensors(name, tensors, metadata=None):
    data, order = safetensors_bytes(tensors, metadata)
    (OUT / name).write_bytes(data)
    return order


def raw_safetensors(name, header, data, pad=True):
    """A file from a header dict (or raw header bytes) and data bytes, for the broken ones."""
    text = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    (OUT / name).write_bytes(struct.pack("<Q", len(text)) + text + data)
    return len(text)


def bfloat16(values):
    """torch's bfloat16 rounding of float64 values: (bits as uint16, the values as float32)."""
    t = torch.tensor(values, dtype=torch.float64).to(torch.bfloat16)
    return t.view(torch.int16).numpy().view(np.uint16), t.float().numpy()


def make_containers():
    # npz: np.savez (stored) and np.savez_compressed (deflated); numpy forces zip64 headers
    logits = rng.normal(size=(4, 3)).astype(np.float32)
    labels = np.array([2, 0, 1, 2], dtype=np.int64)
    np.savez(OUT / "dump.npz", logits=logits, labels=labels)
    containers["dump.npz"] = {"keys": ["logits", "labels"]}
    record("dump.npz:logits", logits)
    record("dump.npz:labels", labels)
    weight = np.array([0.5, 1.0, 2.0])
    halves = sample("f2", 6).astype(">f2").reshape(3, 2)
    np.savez_compressed(OUT / "dump_compressed.npz", logits=logits, labels=labels, weight=weight, halves=halves)
    containers["dump_compressed.npz"] = {"keys": ["logits", "labels", "weight", "halves"]}
    for key, arr in [("logits", logits), ("labels", labels), ("weight", weight), ("halves", halves)]:
        record(f"dump_compressed.npz:{key}", arr)
    single = np.asfortranarray(rng.normal(size=(2, 3)))
    np.savez_compressed(OUT / "single.npz", single)  # unnamed: key arr_0
    containers["single.npz"] = {"keys": ["arr_0"]}
    record("single.npz", single)
    record("single.npz:arr_0", single)
    empty = OUT / "empty.npz"
    np.savez(empty)
    containers["empty.npz"] = {"keys": []}
    whole = (OUT / "dump_compressed.npz").read_bytes()
    (OUT / "truncated.npz").write_bytes(whole[: len(whole) // 2])
    errors["truncated.npz"] = {"size": len(whole) // 2}

    # safetensors: every dtype, including bfloat16 (from torch) and 0-d / 0-size tensors
    tensors = {}
    shapes = {"F64": (2, 3), "F32": (3, 2), "F16": (2, 1, 3), "I64": (6,), "I32": (2, 3), "I16": (3, 2), "I8": (6,), "U8": (2, 3), "BOOL": (3, 2)}
    for st, (code, name) in ST_DTYPES.items():
        arr = sample(code.lstrip("<|"), 6).astype(code).reshape(shapes[st])
        tensors[st.lower()] = (st, arr.shape, arr.tobytes())
        record(f"all_dtypes.safetensors:{st.lower()}", arr, name)
    bits, values = bfloat16([1 / 3, np.nan, np.inf, -np.inf, -0.0, 3e38, 1e-40, -2.5, 65504.0, 1e-3])
    tensors["bf16"] = ("BF16", (2, 5), bits.astype("<u2").tobytes())
    record("all_dtypes.safetensors:bf16", values.reshape(2, 5), "bfloat16")
    scalar = np.array(1.25, dtype="<f4")
    tensors["scalar"] = ("F32", (), scalar.tobytes())
    record("all_dtypes.safetensors:scalar", scalar)
    tensors["nothing"] = ("F32", (0, 4), b"")
    record("all_dtypes.safetensors:nothing", np.zeros((0, 4), dtype=np.float32))
    order = write_safetensors("all_dtypes.safetensors", tensors, {"format": "pt", "source": "make_io_fixtures.py"})
    containers["all_dtypes.safetensors"] = {"keys": order}
    probs = rng.random(size=(3, 2)).astype(np.float16)
    order = write_safetensors("single.safetensors", {"probs": ("F16", probs.shape, probs.astype("<f2").tobytes())}, {"format": "np"})
    containers["single.safetensors"] = {"keys": order}
    record("single.safetensors", probs)
    record("single.safetensors:probs", probs)

    # broken safetensors files: each says what is wrong and where
    f32 = np.arange(4, dtype="<f4").tobytes()  # 16 bytes
    ok = {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}
    raw_safetensors("st_length_past_eof.safetensors", ok, f32)
    data = (OUT / "st_length_past_eof.safetensors").read_bytes()
    claimed = len(data)  # the header length now claims the whole file, which runs past its end
    (OUT / "st_length_past_eof.safetensors").write_bytes(struct.pack("<Q", claimed) + data[8:])
    errors["st_length_past_eof.safetensors"] = {"header_length": claimed, "file_size": len(data)}
    (OUT / "st_short.safetensors").write_bytes(b"\x10\x00\x00")
    errors["st_short.safetensors"] = {"file_size": 3}
    length = raw_safetensors("st_bad_json.safetensors", b'{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}', f32)
    errors["st_bad_json.safetensors"] = {"header_length": length}
    length = raw_safetensors("st_offsets_outside.safetensors", ok, f32[:8])
    errors["st_offsets_outside.safetensors"] = {"tensor": "a", "data_offsets": [0, 16], "data_size": 8, "data_start": 8 + length}
    overlap = {
        "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
    }
    raw_safetensors("st_overlap.safetensors", overlap, f32)
    errors["st_overlap.safetensors"] = {"tensor": "b", "other": "a", "data_offsets": [8, 16], "other_offsets": [0, 16]}
    wrong = {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}
    raw_safetensors("st_wrong_count.safetensors", wrong, f32)
    errors["st_wrong_count.safetensors"] = {"tensor": "a", "bytes": 16, "needed": 12}
    fp8 = {"a": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}
    raw_safetensors("st_bad_dtype.safetensors", fp8, f32[:4])
    errors["st_bad_dtype.safetensors"] = {"tensor": "a", "dtype": "F8_E4M3"}

    # a JSON object of arrays, as json.dump of a dict; nested objects are reached with dots
    outputs = rng.normal(size=(3, 4))
    outputs[1, 1] = np.nan
    targets = np.array([3.0, 0.0, 1.0])
    auc = np.array([0.5, 0.75])
    dump = {"outputs": outputs.tolist(), "labels": targets.tolist(), "name": "run 7",
            "meta": {"epoch": 3, "ok": True, "scores": {"auc": auc.tolist()}}}
    (OUT / "dump.json").write_text(json.dumps(dump, indent=1))
    containers["dump.json"] = {"keys": ["outputs", "labels", "meta.epoch", "meta.scores.auc"]}
    record("dump.json:outputs", outputs)
    record("dump.json:labels", targets)
    record("dump.json:meta.epoch", np.array(3.0))
    record("dump.json:meta.scores.auc", auc)
    only = rng.normal(size=(2, 2))
    (OUT / "single_key.json").write_text(json.dumps({"logits": only.tolist(), "note": "one array"}))
    containers["single_key.json"] = {"keys": ["logits"]}
    record("single_key.json", only)


# ---- text: TSV, JSON Lines, one CSV with everything ----

def make_text():
    # TSV by csv.writer: BOM, every field quoted, CRLF line ends, a header row
    table = rng.normal(size=(3, 2))
    table[0, 1] = np.inf
    with open(OUT / "quoted_bom.tsv", "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL)
        w.writerow(["x", "y"])
        w.writerows([[repr(float(v)) for v in row] for row in table])
    record("quoted_bom.tsv", table)
    # the same values separated by ';', for an explicit delimiter
    with open(OUT / "semicolon.txt", "w", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\n").writerows([[repr(float(v)) for v in row] for row in table])
    record("semicolon.txt", table)

    # JSON Lines: rows of a matrix (json.dumps: bare NaN), a blank line, CRLF; numbers per line
    rows = rng.normal(size=(4, 3))
    rows[2, 0] = np.nan
    lines = [json.dumps(r) for r in rows.tolist()]
    (OUT / "rows.jsonl").write_bytes(("\r\n".join(lines[:2] + [""] + lines[2:]) + "\r\n").encode())
    record("rows.jsonl", rows)
    numbers = np.array([2.0, 0.0, 1.0, 1e-300])
    (OUT / "numbers.jsonl").write_text("\n".join(json.dumps(v) for v in numbers.tolist()) + "\n")
    record("numbers.jsonl", numbers)
    cubes = rng.normal(size=(2, 2, 2))
    (OUT / "nested.jsonl").write_text("\n".join(json.dumps(c) for c in cubes.tolist()))
    record("nested.jsonl", cubes)
    (OUT / "ragged.jsonl").write_text("[1, 2, 3]\n[4, 5, 6]\n\n[7, 8]\n")
    errors["ragged.jsonl"] = {"line": 4, "shape": [2], "first_shape": [3]}
    (OUT / "bad_value.jsonl").write_text('[1, 2]\n[3, "x"]\n')
    errors["bad_value.jsonl"] = {"line": 2, "column": 5}

    # pandas' to_csv(index=True): an unnamed index column first, the label column last
    logits = rng.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    with open(OUT / "pandas_index.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["", "f0", "f1", "f2", "label"])
        for i in range(5):
            w.writerow([i] + [repr(float(v)) for v in logits[i]] + [int(labels[i])])
    tables["pandas_index.csv"] = {"labelColumn": "label", "dropColumns": [0],
                                  "logits": expected(logits), "labels": expected(labels.astype(np.float64))}
    # string ids, the label column in the middle, csv.writer's CRLF and quoting of numbers
    logits = rng.normal(size=(3, 2))
    targets = rng.random(size=3)
    with open(OUT / "ids_table.csv", "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["id", "a", "target", "b"])
        for i in range(3):
            w.writerow([f"sample-{i}", float(logits[i, 0]), float(targets[i]), float(logits[i, 1])])
    tables["ids_table.csv"] = {"labelColumn": "target", "dropColumns": ["id"],
                               "logits": expected(logits), "labels": expected(targets)}
    # no header: columns by index; the label is the last column
    logits = rng.normal(size=(4, 2))
    labels = np.array([1, 0, 1, 1])
    np.savetxt(OUT / "noheader_table.tsv", np.column_stack([logits, labels]), delimiter="\t")
    tables["noheader_table.tsv"] = {"labelColumn": 2, "dropColumns": [],
                                    "logits": expected(logits), "labels": expected(labels.astype(np.float64))}
    # a column that is not numeric and is not dropped
    with open(OUT / "bad_table.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["", "f0", "f1", "label"])
        w.writerows([[0, 0.5, 1.5, 1], [1, 0.25, -1.0, 0], [2, 0.75, "n/a", 1]])
    errors["bad_table.csv"] = {"line": 4, "column": 3, "name": "f1", "cell": "n/a"}


# ---- pandas' to_csv: its header of column numbers (needs python3-pandas) ----

def make_pandas():
    import pandas as pd

    prng = np.random.default_rng(20261130)  # its own stream: the other fixtures keep their bytes
    logits = prng.normal(size=(4, 3))
    logits[1, 2] = 1e-05
    labels = np.array([0, 2, 1, 1])
    frame = pd.DataFrame(logits)  # columns 0, 1, 2
    # index=False: the header "0,1,2" above the floats, which pandas writes as 0.5, 1.0, 1e-05, inf
    frame.to_csv(OUT / "pandas_columns.csv", index=False)
    record("pandas_columns.csv", logits)
    # the default index=True: ",0,1,2", the index's unnamed column first, then i,x0,x1,x2
    frame.to_csv(OUT / "pandas_columns_index.csv")
    errors["pandas_columns_index.csv"] = {"column": 1}
    # a labels Series, index=False: the header "0" above integers, which np.savetxt(fmt='%d')
    # of labels 0, ... also writes: read as data unless told it is a header
    pd.Series(labels).to_csv(OUT / "pandas_labels.csv", index=False)
    record("pandas_labels.csv", labels.astype(np.float64))
    # logits and labels in one frame: "0,1,2,label", with and without the index
    table = frame.copy()
    table["label"] = labels
    table.to_csv(OUT / "pandas_table.csv", index=False)
    tables["pandas_table.csv"] = {"labelColumn": "label", "dropColumns": [],
                                  "logits": expected(logits), "labels": expected(labels.astype(np.float64))}
    table.to_csv(OUT / "pandas_table_index.csv")
    tables["pandas_table_index.csv"] = {"labelColumn": -1, "dropColumns": [0],
                                        "logits": expected(logits), "labels": expected(labels.astype(np.float64))}
    # what a loss over them must be, once each header is known for one
    loss = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)).item()
    cli.append({"argv": ["ce", "pandas_columns.csv", "pandas_labels.csv", "--header"], "loss": loss})
    cli.append({"argv": ["ce", "pandas_table.csv", "--label-column", "label"], "loss": loss})


# ---- shards: files of one batch, concatenated along dim 0 ----

def make_shards():
    parts = {
        "shard_0.npy": rng.normal(size=(2, 3)).astype(np.float32),
        "shard_1.npy": rng.normal(size=(1, 3)).astype(np.float32),
        "shard_2.npy": rng.normal(size=(3, 3)),  # float64: a different dtype
        "shard_bad.npy": rng.normal(size=(2, 4)).astype(np.float32),
        "labels_0.npy": np.array([0, 2], dtype=np.int64),
        "labels_1.npy": np.array([1], dtype=np.int64),
    }
    for name, arr in parts.items():
        save(name, arr)
    for names in [["shard_0.npy", "shard_1.npy"], ["shard_0.npy", "shard_1.npy", "shard_2.npy"], ["labels_0.npy", "labels_1.npy"]]:
        concat.append({"parts": names, **expected(np.concatenate([parts[n] for n in names]))})
    errors["shard_bad.npy"] = {"shape": [2, 4], "first": "shard_0.npy", "first_shape": [2, 3]}
    scalar = np.array(1.5)
    save("shard_scalar.npy", scalar)


# ---- npz integrity: CRC-32 mismatches numpy refuses, zip64 headers numpy reads ----

def local_data_start(data, info):
    """Where an entry's data starts: after its local header (30 bytes, the name, the extra field)."""
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length


def central_header(data, at, name):
    """Where the central directory entry for `name` starts, walking the directory from `at`."""
    while data[at : at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == name.encode():
            return at
        at += 46 + name_length + extra_length + comment_length
    raise KeyError(name)


def refused_by_numpy(name, key):
    try:
        np.load(OUT / name)[key]
    except zipfile.BadZipFile as e:
        return str(e)
    raise AssertionError(f"numpy read {name}:{key}")


def make_npz_integrity():
    logits = np.arange(12, dtype=np.float64).reshape(4, 3) / 7 - 0.5
    labels = np.array([2, 0, 1, 1], dtype=np.int64)

    # np.savez (stored): one byte flipped inside the data of logits.npy, the CRC left as it was
    np.savez(OUT / "crc_stored.npz", logits=logits, labels=labels)
    data = bytearray((OUT / "crc_stored.npz").read_bytes())
    info = zipfile.ZipFile(OUT / "crc_stored.npz").getinfo("logits.npy")
    start = local_data_start(data, info)
    at = start + info.compress_size - 5
    data[at] ^= 0x10
    (OUT / "crc_stored.npz").write_bytes(bytes(data))
    computed = zlib.crc32(data[start : start + info.compress_size])
    errors["crc_stored.npz"] = {"entry": "logits.npy", "byte": at, "stored": info.CRC, "computed": computed, "numpy": refused_by_numpy("crc_stored.npz", "logits")}
    record("crc_stored.npz:labels", labels)  # the other entry is intact

    # np.savez_compressed (deflated): the CRC of labels.npy changed in both headers, so the
    # deflate data is fine and only the CRC can tell
    np.savez_compressed(OUT / "crc_deflated.npz", logits=logits, labels=labels)
    data = bytearray((OUT / "crc_deflated.npz").read_bytes())
    archive = zipfile.ZipFile(OUT / "crc_deflated.npz")
    info = archive.getinfo("labels.npy")
    wrong = info.CRC ^ 0x00010000
    struct.pack_into("<I", data, info.header_offset + 14, wrong)
    struct.pack_into("<I", data, central_header(data, archive.start_dir, "labels.npy") + 16, wrong)
    (OUT / "crc_deflated.npz").write_bytes(bytes(data))
    errors["crc_deflated.npz"] = {"entry": "labels.npy", "stored": wrong, "computed": info.CRC, "numpy": refused_by_numpy("crc_deflated.npz", "labels")}
    record("crc_deflated.npz:logits", logits)

    # zip64 as numpy writes it for large arrays: with zipfile's limit lowered, every size and
    # offset is 0xFFFFFFFF in the local and central headers, the real values in the zip64 extra
    # field, and the archive ends with a zip64 end record
    limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 0
    try:
        np.savez(OUT / "zip64.npz", logits=logits, labels=labels)
        np.savez_compressed(OUT / "zip64_compressed.npz", logits=logits, labels=labels)
    finally:
        zipfile.ZIP64_LIMIT = limit
    for name in ["zip64.npz", "zip64_compressed.npz"]:
        data = (OUT / name).read_bytes()
        assert struct.unpack_from("<II", data, 18) == (0xFFFFFFFF, 0xFFFFFFFF), name
        assert b"PK\x06\x06" in data, name
        containers[name] = {"keys": ["logits", "labels"]}
        record(f"{name}:logits", np.load(OUT / name)["logits"])
        record(f"{name}:labels", np.load(OUT / name)["labels"])


def large_npz():
    """The archive over 2 GiB of test/io/npz-large.test.ts: float32 logits x[i, j] =
    ((7i + 3j) mod 11 - 5) / 4 and int64 labels y[i] = i mod 100, 6,000,500 rows of 100 classes
    (2.4 GB), stored. Both repeat every 1100 rows, which divide the rows, so the mean loss over
    all of them is the mean over the first 1100: what PyTorch computes here."""
    rows, classes, period = 6_000_500, 100, 1100
    assert rows % period == 0
    i = torch.arange(period)[:, None]
    j = torch.arange(classes)[None, :]
    x = (((i * 7 + j * 3) % 11 - 5) / 4).to(torch.float32)
    y = torch.arange(period) % classes
    loss = torch.nn.functional.cross_entropy(x.double(), y).item()
    return {"rows": rows, "classes": classes, "period": period, "cross_entropy_mean": loss}


# ---- npz keys as numpy resolves them: the exact entry name first, then name + ".npy" ----

def make_npz_shadowed():
    # entries "logits" and "logits.npy" in one archive: np.load(f)["logits"] is the entry named
    # "logits" (NpzFile.__getitem__ tries the exact name before adding .npy), and
    # np.load(f)["logits.npy"] the other one; a key is listed by its full name when both exist
    r = np.random.default_rng(20261130)
    x = r.normal(size=(6, 4))
    y = r.integers(0, 4, size=6)

    def npy(a):
        f = io.BytesIO()
        np.save(f, a)
        return f.getvalue()

    with zipfile.ZipFile(OUT / "shadow.npz", "w") as z:
        for name, a in [("logits", 2 * x), ("logits.npy", x), ("labels.npy", y)]:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), npy(a))  # same bytes every run
    containers["shadow.npz"] = {"keys": ["logits", "logits.npy", "labels"]}
    archive = np.load(OUT / "shadow.npz")
    for key in ["logits", "logits.npy", "labels", "labels.npy"]:
        record(f"shadow.npz:{key}", archive[key])
    for key in ["logits", "logits.npy"]:
        loss = torch.nn.functional.cross_entropy(torch.from_numpy(archive[key]), torch.from_numpy(archive["labels"])).item()
        cli.append({"argv": ["ce", f"shadow.npz:{key}", "shadow.npz:labels"], "loss": loss})


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    # every dtype, native little-endian ('<', or '|' for one-byte types), C order
    for code in CODES:
        save(f"dtype_{code}.npy", sample(code, 12).reshape(3, 4))
    # big-endian
    for code in CODES:
        if np.dtype(code).itemsize > 1:
            save(f"be_{code}.npy", sample(code, 6).astype(">" + code).reshape(2, 3))
    # header versions 2.0 and 3.0 (4-byte header length; 3.0 has a UTF-8 header)
    for version in [(2, 0), (3, 0)]:
        save(f"v{version[0]}_f4.npy", sample("f4", 6).reshape(2, 3), version)
        save(f"v{version[0]}_be_i8.npy", sample("i8", 4).astype(">i8"), version)
    # Fortran order: numpy writes fortran_order True for F- but not C-contiguous arrays
    save("fortran_f8.npy", np.asfortranarray(rng.normal(size=(2, 3, 4))))
    save("fortran_be_i2.npy", np.asfortranarray(sample("i2", 6).astype(">i2").reshape(3, 2)))
    save("fortran_b1.npy", np.asfortranarray(sample("b1", 6).reshape(2, 3)))
    save("fortran_f2.npy", np.asfortranarray(sample("f2", 12).reshape(4, 3)))
    save("fortran_v2_u4.npy", np.asfortranarray(sample("u4", 6).reshape(2, 3)), (2, 0))
    # 0-d and 0-size
    save("scalar_f8.npy", np.array(-2.5))
    save("scalar_i8.npy", np.array(2**62 + 1, dtype=np.int64))
    save("scalar_be_f2.npy", np.array(0.1, dtype=">f2"))
    save("empty_f4.npy", np.zeros((0,), dtype=np.float32))
    save("empty_i8_2x0.npy", np.zeros((2, 0), dtype=np.int64))
    save("empty_fortran_f8.npy", np.asfortranarray(np.zeros((0, 3))))
    # float16: specials plus a stride through all bit patterns (every exponent)
    halves = np.concatenate([
        np.array([0, 0x8000, 1, 0x8001, 0x3FF, 0x400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0x3C00, 0x3555], dtype=np.uint16),
        np.arange(0, 65536, 1021, dtype=np.uint16),
    ]).view(np.float16)
    save("half_patterns.npy", halves)

    # dtypes the reader refuses
    for name, arr in {
        "complex_c16.npy": np.array([1 + 2j, 3 - 1j]),
        "unicode_U3.npy": np.array(["ab", "cde"]),
        "bytes_S2.npy": np.array([b"ab", b"c"]),
        "object_O.npy": np.array([1, "a", None], dtype=object),
        "structured.npy": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]),
        "datetime_M8.npy": np.array(["2024-01-01"], dtype="datetime64[D]"),
        "longdouble_f16.npy": np.zeros(2, dtype=np.longdouble),
    }.items():
        with open(OUT / name, "wb") as f:
            np.lib.format.write_array(f, arr, allow_pickle=True)
        unsupported[name] = {"descr": str(np.lib.format.dtype_to_descr(arr.dtype))}

    # text written by numpy and Python: savetxt with a '#' header, and json.dumps (bare NaN)
    table = rng.normal(size=(4, 3))
    table[1, 2] = np.nan
    table[2, 0] = np.inf
    table[3, 1] = -np.inf
    np.savetxt(OUT / "savetxt.csv", table, delimiter=",", header="a,b,c")
    record("savetxt.csv", table)
    np.savetxt(OUT / "savetxt.tsv", table, delimiter="\t")
    record("savetxt.tsv", table)
    column = rng.normal(size=5)
    np.savetxt(OUT / "savetxt_column.csv", column)
    record("savetxt_column.csv", column)
    nested = rng.normal(size=(2, 2, 3))
    nested[0, 1, 2] = np.nan
    nested[1, 0, 0] = -np.inf
    (OUT / "pydump.json").write_text(json.dumps(nested.tolist()))
    record("pydump.json", nested)

    # float32 -> float16 rounding (ties to even, overflow, subnormals), for the writer
    ties = np.array([1 + 2**-11, 1 + 3 * 2**-11, 2**-25, 3 * 2**-25, 65519, 65520, 65536, 2**-24 * 1.5, 2**-14 - 2**-25, 2047.5, 2049], dtype=np.float32)
    rand = (rng.normal(size=24) * 10.0 ** rng.integers(-9, 6, size=24)).astype(np.float32)
    inputs = np.concatenate([ties, -ties, rand])
    with np.errstate(over="ignore"):
        bits = inputs.astype(np.float16).view(np.uint16)
    f32_to_f16 = {"inputs": [float(v) for v in inputs], "bits": [int(b) for b in bits]}

    make_containers()
    make_text()
    make_shards()
    make_pandas()
    make_npz_integrity()
    make_npz_shadowed()
    make_inputs()

    lines = ['{', ' "files": {']
    lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in files.items()))
    for section, entries in [("containers", containers), ("tables", tables), ("errors", errors), ("unsupported", unsupported)]:
        lines += [' },', f' "{section}": {{']
        lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in entries.items()))
    for section, entries in [("concat", concat), ("cli", cli)]:
        lines += [' ],' if section == "cli" else ' },', f' "{section}": [']
        lines.append(",\n".join(f"  {json.dumps(v, allow_nan=False)}" for v in entries))
    lines += [' ],', f' "f32_to_f16": {json.dumps(f32_to_f16, allow_nan=False)},', f' "large_npz": {json.dumps(large_npz())}', '}']
    (OUT / "expected.json").write_text("\n".join(lines) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total} bytes, to {OUT}")


# ---- one file with everything; gzip; binary formats losscalc does not read ----

def gz(data):
    """gzip with no name and a zero time in its header, so that every run writes the same bytes."""
    return gzip.compress(data, mtime=0)


def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr)
    return buf.getvalue()


def savetxt_bytes(arr, **kw):
    buf = io.BytesIO()
    np.savetxt(buf, arr, **kw)
    return buf.getvalue()


def make_inputs():
    import h5py
    F = torch.nn.functional
    prng = np.random.default_rng(20261201)  # its own stream: the other fixtures keep their bytes
    x = prng.normal(size=(5, 4))
    y = np.array([3, 0, 1, 1, 2], dtype=np.int64)
    ce = lambda logits, labels: F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels)).item()

    # one file with everything: both arrays found by name, in each container format
    np.savez(OUT / "one_file.npz", logits=x, labels=y)
    cli.append({"argv": ["ce", "one_file.npz"], "loss": ce(x, y)})
    np.savez_compressed(OUT / "one_file_compressed.npz", preds=x.astype(np.float32), target=y)
    cli.append({"argv": ["nll", "one_file_compressed.npz", "--log-softmax"], "loss": ce(x.astype(np.float32).astype(np.float64), y)})
    write_safetensors("one_file.safetensors", {
        "model.scores": ("F64", x.shape, x.astype("<f8").tobytes()),
        "targets": ("I64", y.shape, y.astype("<i8").tobytes()),
    })
    cli.append({"argv": ["ce", "one_file.safetensors"], "loss": ce(x, y)})
    (OUT / "one_file.json").write_text(json.dumps({"epoch": 3, "model": {"y_pred": x.tolist()}, "y_true": y.tolist()}))
    cli.append({"argv": ["gather", "one_file.json"], "loss": ce(x, y)})
    # several arrays named as logits: the key given picks one, the labels are found beside it
    other = prng.normal(size=(5, 4))
    np.savez(OUT / "one_file_two.npz", logits=x, outputs=other, label=y)
    cli.append({"argv": ["ce", "one_file_two.npz:outputs"], "loss": ce(other, y)})
    # binary targets for bce-logits
    t = prng.random(size=(5, 4))
    np.savez(OUT / "one_file_bce.npz", output=x, target=t)
    bce = F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(t)).item()
    cli.append({"argv": ["bce", "one_file_bce.npz"], "loss": bce})
    # shards, each holding both
    np.savez(OUT / "one_file_0.npz", logits=x[:2], labels=y[:2])
    np.savez(OUT / "one_file_1.npz", logits=x[2:], labels=y[2:])
    cli.append({"argv": ["ce", "-l", "one_file_0.npz", "-l", "one_file_1.npz"], "loss": ce(x, y)})

    # gzip: decompressed, then read by the extension inside or by the bytes
    (OUT / "gz_logits.npy.gz").write_bytes(gz(npy_bytes(x.astype(np.float32))))
    (OUT / "gz_labels.npy.gz").write_bytes(gz(npy_bytes(y)))
    x32 = x.astype(np.float32).astype(np.float64)
    cli.append({"argv": ["ce", "gz_logits.npy.gz", "gz_labels.npy.gz"], "loss": ce(x32, y)})
    (OUT / "gz_preds.csv.gz").write_bytes(gz(savetxt_bytes(x, delimiter=",", fmt="%.17g")))
    (OUT / "gz_labels.csv.gz").write_bytes(gz(savetxt_bytes(y, fmt="%d")))
    cli.append({"argv": ["ce", "gz_preds.csv.gz", "gz_labels.csv.gz"], "loss": ce(x, y)})
    (OUT / "gz_preds.tsv.gz").write_bytes(gz(savetxt_bytes(x, delimiter="\t", fmt="%.17g")))
    w = np.array([0.5, 2.0, 1.0, 0.25])
    (OUT / "gz_weight.json.gz").write_bytes(gz(json.dumps(w.tolist()).encode()))
    loss = F.cross_entropy(torch.from_numpy(x), torch.from_numpy(y), weight=torch.from_numpy(w)).item()
    cli.append({"argv": ["ce", "gz_preds.tsv.gz", "gz_labels.npy.gz", "--weight", "gz_weight.json.gz"], "loss": loss})
    (OUT / "gz_logits").write_bytes(gz(npy_bytes(x)))  # no extension: the bytes inside decide
    cli.append({"argv": ["ce", "gz_logits", "gz_labels.csv.gz"], "loss": ce(x, y)})
    (OUT / "one_file.npz.gz").write_bytes(gz((OUT / "one_file.npz").read_bytes()))
    cli.append({"argv": ["ce", "one_file.npz.gz"], "loss": ce(x, y)})
    (OUT / "gz_twice.npy.gz.gz").write_bytes(gz((OUT / "gz_logits.npy.gz").read_bytes()))
    (OUT / "gz_truncated.npy.gz").write_bytes((OUT / "gz_logits.npy.gz").read_bytes()[:40])

    # formats losscalc refuses by name
    for protocol in [2, 4, 5]:
        (OUT / f"pickle_p{protocol}.pkl").write_bytes(pickle.dumps({"logits": x, "labels": y}, protocol=protocol))
    (OUT / "pickle_named.csv").write_bytes(pickle.dumps(x.tolist(), protocol=4))
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        data = npy_bytes(x)
        info = tarfile.TarInfo("logits.npy")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    (OUT / "arrays.tar").write_bytes(tar.getvalue())
    (OUT / "logits.npy.xz").write_bytes(lzma.compress(npy_bytes(x)))
    (OUT / "preds.csv.bz2").write_bytes(bz2.compress(savetxt_bytes(x, delimiter=",")))
    (OUT / "logits.npy.zst").write_bytes(subprocess.run(["zstd", "-q", "-c"], input=npy_bytes(x), capture_output=True, check=True).stdout)
    for name, userblock in [("arrays.h5", 0), ("userblock.h5", 1024)]:
        with h5py.File(OUT / name, "w", userblock_size=userblock, libver="earliest") as f:
            f.create_dataset("logits", data=x, track_times=False)
            f.create_dataset("labels", data=y, track_times=False)


if __name__ == "__main__":
    main()
