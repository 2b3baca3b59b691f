#!/usr/bin/env node
/**
 * Checks the benchmark's generators against the real thing: `node bench/selftest.mjs`.
 *  - the %.7g formatter against C printf's known outputs, and, with Python, against Python's
 *    `'%.7g' % x` (what np.savetxt runs) on random float32 and float64 values and exact ties;
 *  - NPY headers against np.save's bytes for small arrays of several shapes, and against
 *    numpy's header writer for the cached workload files that exist.
 * Exit 0 when all agree, 1 otherwise; a check that needs Python is skipped without it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkFormatG, formatG } from './lib/printf.mjs';
import { npyHeader } from './lib/npy.mjs';
import { Rng } from './lib/prng.mjs';
import { findPython, pythonEnv } from './lib/tools.mjs';
import { WORKLOADS, workloadFiles } from './lib/workloads.mjs';

let failures = 0;
const ok = (m) => console.log(`ok   ${m}`);
const bad = (m) => {
  failures++;
  console.log(`FAIL ${m}`);
};

checkFormatG();
ok('%.7g known values');

const found = findPython('numpy', [process.env.LOSSCALC_BENCH_PYTHON ?? '/usr/bin/python3', 'python3']);
const py = (script, input) =>
  spawnSync(found.python, ['-c', script], { input, env: pythonEnv(), encoding: 'utf8', maxBuffer: 1 << 28 });

if (!found.python) console.log(`skip Python cross-checks: ${found.reason}`);
else {
  // Values: float32 normals at several scales, wide-range doubles, exact ties and near-ties.
  const rng = new Rng(12345);
  const f32 = new Float32Array(1);
  const values = [];
  for (const scale of [1e-6, 1e-3, 0.1, 1, 3, 100, 1e5, 1e9]) {
    for (let i = 0; i < 20000; i++) values.push(((f32[0] = scale * rng.normal()), f32[0]));
  }
  for (let i = 0; i < 20000; i++) values.push((rng.uniform() - 0.5) * 10 ** (rng.int(600) - 300));
  for (let i = 0; i < 5000; i++) {
    const k = 1_000_000 + rng.int(9_000_000);
    for (const e of [-12, -7, -3, 0, 1, 3]) values.push(((k + 0.5) * 10 ** e), (k + 0.5) / 2 ** rng.int(8));
  }
  values.push(5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.5, 1.5, 2.5, 1234567.5, 1234568.5, 9999999.5);
  const r = py("import sys\nfor s in sys.stdin.read().split():\n    print('%.7g' % float(s))", values.map((v) => String(v)).join('\n'));
  const want = r.stdout.trim().split('\n');
  let mismatches = 0;
  values.forEach((v, i) => {
    if (formatG(v, 7) !== want[i] && mismatches++ < 10) bad(`%.7g of ${v}: '${formatG(v, 7)}', Python '${want[i]}'`);
  });
  if (r.status !== 0 || want.length !== values.length) bad(`Python formatting failed: ${r.stderr}`);
  else if (mismatches === 0) ok(`%.7g matches Python's on ${values.length} values`);
  else bad(`%.7g: ${mismatches} of ${values.length} values differ from Python's`);

  // np.save of small arrays vs our header + the same data.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losscalc-bench-selftest-'));
  const shapes = [[2, 3], [7], [5, 1000], [0], [1, 1], [123456, 0]];
  for (const [i, shape] of shapes.entries()) {
    for (const [descr, Arr] of [['<f4', Float32Array], ['<i8', BigInt64Array]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Arr(n).map((_, j) => (Arr === BigInt64Array ? BigInt(j) : j / 3));
      const file = path.join(dir, `a${i}${descr.slice(1)}.npy`);
      fs.writeFileSync(file, Buffer.concat([npyHeader(descr, shape), Buffer.from(data.buffer)]));
      const check = spawnSync(
        found.python,
        ['-c', 'import io, sys, numpy as np\nraw = open(sys.argv[1], "rb").read()\nb = io.BytesIO(); np.save(b, np.load(sys.argv[1]))\nprint("same" if b.getvalue() == raw else "differ")', file],
        { env: pythonEnv(), encoding: 'utf8' },
      );
      const what = `NPY ${descr} shape (${shape.join(', ')})`;
      if (check.stdout.trim() === 'same') ok(`${what} is byte-identical to np.save's`);
      else bad(`${what}: ${check.stdout.trim()} ${check.stderr.trim()}`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });

  // Headers of the cached workloads that exist, against numpy's writer for the same dict.
  const cache = process.env.LOSSCALC_BENCH_CACHE ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'losscalc-bench');
  for (const w of WORKLOADS.filter((w) => w.format === 'npy')) {
    for (const file of Object.values(workloadFiles(w, cache))) {
      if (!fs.existsSync(file)) continue;
      const check = spawnSync(
        found.python,
        [
          '-c',
          'import io, sys, numpy as np\nf = open(sys.argv[1], "rb")\nv = np.lib.format.read_magic(f)\nshape, fo, dt = np.lib.format.read_array_header_1_0(f)\nn = f.tell(); f.seek(0); raw = f.read(n)\nb = io.BytesIO(); np.lib.format.write_array_header_1_0(b, {"descr": np.lib.format.dtype_to_descr(dt), "fortran_order": fo, "shape": shape})\nimport os\nsize = os.path.getsize(sys.argv[1])\nok = b.getvalue() == raw and n % 64 == 0 and size == n + dt.itemsize * int(np.prod(shape))\nprint("same" if ok else "differ", shape, dt)',
          file,
        ],
        { env: pythonEnv(), encoding: 'utf8' },
      );
      if (check.stdout.startsWith('same')) ok(`${path.basename(file)}: header as numpy writes it, size right (${check.stdout.trim().slice(5)})`);
      else bad(`${path.basename(file)}: ${check.stdout.trim()} ${check.stderr.trim()}`);
    }
  }
}

process.exitCode = failures ? 1 : 0;
