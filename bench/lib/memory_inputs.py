"""The memory table's inputs (bench/lib/memory.mjs), written with numpy, and each one's
expected loss computed here in float64, so the bench can tell a right number from a wrong one.

    python3 memory_inputs.py <folder> <case>

writes the case's files into <folder> and <folder>/<case>.expected.json, then prints "ok".
Every logit is k/64 for an integer k in [-512, 512): exact in float16, float32 and in the
six decimals the text formats are written with, so every format holds the same numbers.
Arrays are generated and reduced in chunks of rows, so numpy's own memory stays small.
"""
import json
import math
import os
import sys
import zipfile
import zlib

import numpy as np

CHUNK = 1 << 20  # values per generated chunk


def rng_for(name):
    """A generator seeded from the case's name, so each file's bytes depend on nothing else."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def logits(rng, rows, cols, dtype=np.float32):
    return (rng.integers(-512, 512, size=(rows, cols), dtype=np.int16).astype(np.float64) / 64).astype(dtype)


class NpyWriter:
    """An .npy file written a chunk of rows at a time (np.lib.format's header)."""

    def __init__(self, path, shape, dtype):
        self.f = open(path, 'wb')
        np.lib.format.write_array_header_1_0(self.f, {'descr': np.lib.format.dtype_to_descr(np.dtype(dtype)), 'fortran_order': False, 'shape': tuple(shape)})

    def write(self, a):
        self.f.write(np.ascontiguousarray(a).tobytes())

    def close(self):
        self.f.close()


def save_labels(folder, name, rng, rows, cols):
    """`rows` int64 class indices below `cols`, saved as <name>-labels.npy."""
    labels = rng.integers(0, cols, size=rows, dtype=np.int64)
    np.save(os.path.join(folder, f'{name}-labels.npy'), labels)
    return labels


def ce_rows(x, y):
    """Per-row cross-entropy in float64: logsumexp(x) - x[y]."""
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=1)) + m[:, 0] - x[np.arange(len(y)), y]


def bce_elems(x, t):
    """BCEWithLogits per element in float64: max(x, 0) - x t + log1p(exp(-|x|))."""
    x = x.astype(np.float64)
    t = t.astype(np.float64)
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


class Total:
    """A sum of chunk sums (pairwise within a chunk, exact across them)."""

    def __init__(self):
        self.parts = []
        self.count = 0

    def add(self, v):
        self.parts.append(float(np.sum(v)))
        self.count += v.size

    @property
    def mean(self):
        return math.fsum(self.parts) / self.count

    @property
    def sum(self):
        return math.fsum(self.parts)


def rows_per_chunk(cols):
    return max(1, CHUNK // cols)


def ce_npy(folder, name, rows, cols, dtype=np.float32):
    """Logits (rows, cols) of `dtype` and int64 labels; returns the mean loss."""
    rng = rng_for(name)
    xw = NpyWriter(os.path.join(folder, f'{name}-logits.npy'), (rows, cols), dtype)
    labels = save_labels(folder, name, rng, rows, cols)
    total = Total()
    step = rows_per_chunk(cols)
    for r in range(0, rows, step):
        x = logits(rng, min(step, rows - r), cols, dtype)
        xw.write(x)
        total.add(ce_rows(x, labels[r:r + len(x)]))
    xw.close()
    return {'loss': total.mean}


def bce_npy(folder, name, rows, cols):
    rng = rng_for(name)
    xw = NpyWriter(os.path.join(folder, f'{name}-logits.npy'), (rows, cols), np.float32)
    tw = NpyWriter(os.path.join(folder, f'{name}-targets.npy'), (rows, cols), np.float32)
    total = Total()
    step = rows_per_chunk(cols)
    for r in range(0, rows, step):
        n = min(step, rows - r)
        x = logits(rng, n, cols)
        t = rng.integers(0, 2, size=(n, cols)).astype(np.float32)
        xw.write(x)
        tw.write(t)
        total.add(bce_elems(x, t))
    xw.close()
    tw.close()
    return {'loss': total.mean, 'sum': total.sum, 'count': total.count}


def npz(folder, name, rows, cols, compressed):
    """An archive with logits and labels; compressed: the logits repeat every 64 rows (inflating ~1000:1)."""
    rng = rng_for(name)
    labels = rng.integers(0, cols, size=rows, dtype=np.int64)
    path = os.path.join(folder, f'{name}.npz')
    total = Total()
    step = rows_per_chunk(cols) // 64 * 64 or 64
    tile = logits(rng, 64, cols)
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, 'w', compression=method, allowZip64=True) as z:
        with z.open('logits.npy', 'w', force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols)})
            for r in range(0, rows, step):
                n = min(step, rows - r)
                x = tile[np.arange(r, r + n) % 64] if compressed else logits(rng, n, cols)
                f.write(np.ascontiguousarray(x).tobytes())
                total.add(ce_rows(x, labels[r:r + n]))
        with z.open('labels.npy', 'w', force_zip64=True) as f:
            np.lib.format.write_array(f, labels)
    return {'loss': total.mean}


def text_rows(x):
    return '\n'.join(','.join('%.6f' % v for v in row) for row in x.astype(np.float64)) + '\n'


def csv_header(folder, name, rows, cols):
    """A CSV of logits under a header of non-ASCII names, and NPY labels."""
    rng = rng_for(name)
    labels = save_labels(folder, name, rng, rows, cols)
    total = Total()
    step = rows_per_chunk(cols)
    with open(os.path.join(folder, f'{name}-logits.csv'), 'w', encoding='utf-8') as f:
        f.write(','.join(f'logit_é{c}' for c in range(cols)) + '\n')
        for r in range(0, rows, step):
            x = logits(rng, min(step, rows - r), cols)
            np.savetxt(f, x, fmt='%.6f', delimiter=',')
            total.add(ce_rows(x, labels[r:r + len(x)]))
    return {'loss': total.mean}


def csv_one_row(folder, name, cols):
    rng = rng_for(name)
    label = int(rng.integers(0, cols))
    np.save(os.path.join(folder, f'{name}-labels.npy'), np.array([label], dtype=np.int64))
    with open(os.path.join(folder, f'{name}-logits.csv'), 'w') as f:
        xs = []
        for c in range(0, cols, CHUNK):
            x = logits(rng, 1, min(CHUNK, cols - c))[0]
            xs.append(x.astype(np.float64))
            f.write((',' if c else '') + ','.join('%.6f' % v for v in x))
        f.write('\n')
    x = np.concatenate(xs)
    m = x.max()
    return {'loss': float(np.log(np.exp(x - m).sum()) + m - x[label])}


def json_logits(folder, name, rows, cols):
    rng = rng_for(name)
    labels = save_labels(folder, name, rng, rows, cols)
    total = Total()
    step = rows_per_chunk(cols)
    with open(os.path.join(folder, f'{name}-logits.json'), 'w') as f:
        f.write('[')
        for r in range(0, rows, step):
            x = logits(rng, min(step, rows - r), cols)
            body = text_rows(x).rstrip('\n').replace('\n', '],\n[')
            f.write((',\n' if r else '') + '[' + body + ']')
            total.add(ce_rows(x, labels[r:r + len(x)]))
        f.write(']\n')
    return {'loss': total.mean}


def json_labels(folder, name, rows, cols):
    rng = rng_for(name)
    xw = NpyWriter(os.path.join(folder, f'{name}-logits.npy'), (rows, cols), np.float32)
    total = Total()
    step = rows_per_chunk(cols)
    with open(os.path.join(folder, f'{name}-labels.json'), 'w') as f:
        f.write('[')
        for r in range(0, rows, step):
            n = min(step, rows - r)
            x = logits(rng, n, cols)
            y = rng.integers(0, cols, size=n, dtype=np.int64)
            xw.write(x)
            f.write((', ' if r else '') + ', '.join(map(str, y.tolist())))
            total.add(ce_rows(x, y))
        f.write(']\n')
    xw.close()
    return {'loss': total.mean}


def shards(folder, name, count, rows, cols):
    rng = rng_for(name)
    sub = os.path.join(folder, name)
    os.makedirs(sub, exist_ok=True)
    total = Total()
    for i in range(count):
        x = logits(rng, rows, cols)
        y = rng.integers(0, cols, size=rows, dtype=np.int64)
        np.save(os.path.join(sub, f'logits-{i:03d}.npy'), x)
        np.save(os.path.join(sub, f'labels-{i:03d}.npy'), y)
        total.add(ce_rows(x, y))
    return {'loss': total.mean}


def bce_reference(folder, name, of):
    """numpy's unreduced bce-logits of case `of` (made first), as a float64 NPY for --reference."""
    x = np.load(os.path.join(folder, f'{of}-logits.npy'), mmap_mode='r')
    t = np.load(os.path.join(folder, f'{of}-targets.npy'), mmap_mode='r')
    w = NpyWriter(os.path.join(folder, f'{name}.npy'), x.shape, np.float64)
    step = rows_per_chunk(x.shape[1])
    for r in range(0, x.shape[0], step):
        w.write(bce_elems(x[r:r + step], t[r:r + step]))
    w.close()
    return {'ok': True}


def compare_pair(folder, name, n):
    """a and b = a with one element in 10,000 moved by 2^-6; the largest |a - b| is 1/64."""
    rng = rng_for(name)
    aw = NpyWriter(os.path.join(folder, f'{name}-a.npy'), (n,), np.float32)
    bw = NpyWriter(os.path.join(folder, f'{name}-b.npy'), (n,), np.float32)
    mismatches = 0
    for s in range(0, n, CHUNK):
        a = logits(rng, 1, min(CHUNK, n - s))[0]
        b = a.copy()
        moved = rng.random(len(a)) < 1e-4
        b[moved] += np.float32(1 / 64)
        mismatches += int(moved.sum())
        aw.write(a)
        bw.write(b)
    aw.close()
    bw.close()
    return {'mismatches': mismatches, 'maxAbsDiff': 1 / 64}


CASES = {
    'bce-2e5': lambda d: bce_npy(d, 'bce-2e5', 200_000, 100),
    'bce-1g': lambda d: bce_npy(d, 'bce-1g', 2_500_000, 100),
    'npz-stored-1g': lambda d: npz(d, 'npz-stored-1g', 2_500_000, 100, False),
    'npz-deflated-2g': lambda d: npz(d, 'npz-deflated-2g', 5_000_000, 100, True),
    'f16-500m': lambda d: ce_npy(d, 'f16-500m', 2_500_000, 100, np.float16),
    'csv-nonascii-300m': lambda d: csv_header(d, 'csv-nonascii-300m', 300_000, 100),
    'csv-one-row-100m': lambda d: csv_one_row(d, 'csv-one-row-100m', 10_000_000),
    'json-600m': lambda d: json_logits(d, 'json-600m', 5_500_000, 10),
    'json-labels-60m': lambda d: json_labels(d, 'json-labels-60m', 20_000_000, 4),
    'shards-500': lambda d: shards(d, 'shards-500', 500, 5_000, 100),
    'compare-1g': lambda d: compare_pair(d, 'compare-1g', 250_000_000),
    'bce-30m': lambda d: bce_npy(d, 'bce-30m', 300_000, 100),
    'npy-3g': lambda d: ce_npy(d, 'npy-3g', 750_000, 1_000),
    'bce-30m-reference': lambda d: bce_reference(d, 'bce-30m-reference', 'bce-30m'),
}

if __name__ == '__main__':
    folder, case = sys.argv[1], sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    expected = CASES[case](folder)
    with open(os.path.join(folder, f'{case}.expected.json'), 'w') as f:
        json.dump(expected, f)
    print('ok')
