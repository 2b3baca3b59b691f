"""Write the reader fixtures in fixtures/io/ with numpy's own writers, for test/io.

Run from the repository root with Debian's python (the one that has numpy):

    /usr/bin/python3 scripts/make_io_fixtures.py

fixtures/io/ is generated: the script empties it and writes it again. It is seeded, so
every run writes the same bytes. Besides the .npy/.csv/.tsv/.json files it writes
fixtures/io/expected.json:

  files:       name -> {shape, dtype, values}; values are the flat C-order list, non-finite
               floats as "NaN"/"Infinity"/"-Infinity", 64-bit integers as decimal strings,
               bools as 0/1
  unsupported: name -> {descr}; .npy files whose dtype the reader must refuse
  f32_to_f16:  {inputs, bits}; float32 values and numpy's float16 bit patterns for them
"""
import json
import math
import pathlib
import shutil

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "io"
rng = np.random.default_rng(20240611)
files = {}
unsupported = {}


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


def record(name, arr):
    wide = arr.dtype.kind in "iu" and arr.dtype.itemsize == 8
    files[name] = {
        "shape": list(arr.shape),
        "dtype": arr.dtype.name,
        "values": [json_value(v, wide) for v in np.ravel(arr, order="C").tolist()],
    }


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

    lines = ['{', ' "files": {']
    lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in files.items()))
    lines += [' },', ' "unsupported": {']
    lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in unsupported.items()))
    lines += [' },', f' "f32_to_f16": {json.dumps(f32_to_f16, allow_nan=False)}', '}']
    (OUT / "expected.json").write_text("\n".join(lines) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
