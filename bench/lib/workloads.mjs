/**
 * The benchmark's inputs, generated once into the cache folder and reused. Logits are
 * float32 draws of N(0, 3^2); labels are uniform class indices. Every file has its own seeded
 * stream (seeded from its name), so a file's bytes depend on nothing else. Files are written in
 * chunks to `<name>.tmp-<pid>` and renamed when complete, so a file that exists is whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Rng, seedFrom } from './prng.mjs';
import { npyHeader } from './npy.mjs';
import { formatG, checkFormatG } from './printf.mjs';

/** Bumped when the generator changes, so stale caches are not reused. */
export const GENERATOR_VERSION = 'v1';
const SCALE = 3; // logits ~ N(0, SCALE^2); %.7g of these makes the csv workload ~97 MB

/**
 * Each workload: its files, the loss (`kind`: ce, bce or seg, which decides losscalc's mode
 * and flags and the peers' scripts, tools.mjs) and what it stands for.
 */
export const WORKLOADS = [
  { name: 'img', kind: 'ce', format: 'npy', rows: 50_000, classes: 1_000, about: '50,000 x 1,000 float32 logits + int64 labels, NPY' },
  { name: 'lm', kind: 'ce', format: 'npy', rows: 4_096, classes: 32_000, about: '4,096 x 32,000 float32 logits + int64 labels, NPY' },
  { name: 'csv', kind: 'ce', format: 'csv', rows: 100_000, classes: 100, about: "100,000 x 100 logits, np.savetxt fmt='%.7g' delimiter=',' + labels CSV" },
  { name: 'small', kind: 'ce', format: 'csv', rows: 100, classes: 10, about: "100 x 10 logits, np.savetxt fmt='%.7g' delimiter=',' + labels CSV" },
  { name: 'bce', kind: 'bce', format: 'npy', rows: 200_000, classes: 100, about: '200,000 x 100 float32 logits + {0,1} float32 targets, NPY, bce-logits' },
  { name: 'seg', kind: 'seg', format: 'npy', rows: 8, classes: 21, height: 256, width: 256, about: '8 x 21 x 256 x 256 float32 logits + uint8 labels, 5% of them 255, NPY, ce --ignore-index 255' },
];

export function workloadFiles(w, cacheDir) {
  const dir = path.join(cacheDir, GENERATOR_VERSION);
  return {
    logits: path.join(dir, `${w.name}-logits.${w.format}`),
    labels: path.join(dir, `${w.name}-labels.${w.format}`),
  };
}

/** Writes the workload's files that do not exist yet; returns the paths it wrote. */
export function ensureWorkload(w, cacheDir, log = () => {}) {
  const files = workloadFiles(w, cacheDir);
  fs.mkdirSync(path.dirname(files.logits), { recursive: true });
  const written = [];
  const make = (file, write) => {
    if (fs.existsSync(file)) return;
    log(`generating ${file}`);
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    try {
      write(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    written.push(file);
  };
  const logitsRng = () => new Rng(seedFrom(`${GENERATOR_VERSION}/${w.name}/logits`));
  const labelsRng = () => new Rng(seedFrom(`${GENERATOR_VERSION}/${w.name}/labels`));
  if (w.kind === 'bce') {
    make(files.logits, (fd) => writeNpyLogits(fd, w.rows, w.classes, logitsRng()));
    make(files.labels, (fd) => writeNpyTargets(fd, w.rows, w.classes, labelsRng()));
  } else if (w.kind === 'seg') {
    make(files.logits, (fd) => writeNpyLogits(fd, w.rows, w.classes, logitsRng(), [w.height, w.width]));
    make(files.labels, (fd) => writeNpySegLabels(fd, [w.rows, w.height, w.width], w.classes, labelsRng()));
  } else if (w.format === 'npy') {
    make(files.logits, (fd) => writeNpyLogits(fd, w.rows, w.classes, logitsRng()));
    make(files.labels, (fd) => writeNpyLabels(fd, w.rows, w.classes, labelsRng()));
  } else {
    checkFormatG();
    make(files.logits, (fd) => writeCsvLogits(fd, w.rows, w.classes, logitsRng()));
    make(files.labels, (fd) => writeCsvLabels(fd, w.rows, w.classes, labelsRng()));
  }
  return written;
}

const CHUNK_VALUES = 1 << 20; // 4 MiB of float32 per write

/** (rows, classes, ...spatial) float32 logits. */
function writeNpyLogits(fd, rows, classes, rng, spatial = []) {
  fs.writeSync(fd, npyHeader('<f4', [rows, classes, ...spatial]));
  const buf = new Float32Array(CHUNK_VALUES);
  const bytes = new Uint8Array(buf.buffer);
  let left = rows * classes * spatial.reduce((a, b) => a * b, 1);
  while (left > 0) {
    const n = Math.min(left, CHUNK_VALUES);
    for (let i = 0; i < n; i++) buf[i] = SCALE * rng.normal();
    writeAll(fd, bytes, n * 4);
    left -= n;
  }
}

function writeNpyLabels(fd, rows, classes, rng) {
  fs.writeSync(fd, npyHeader('<i8', [rows]));
  const buf = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) buf[i] = BigInt(rng.int(classes));
  writeAll(fd, new Uint8Array(buf.buffer), rows * 8);
}

/** (rows, classes) float32 targets, each 0 or 1. */
function writeNpyTargets(fd, rows, classes, rng) {
  fs.writeSync(fd, npyHeader('<f4', [rows, classes]));
  const buf = new Float32Array(CHUNK_VALUES);
  let left = rows * classes;
  while (left > 0) {
    const n = Math.min(left, CHUNK_VALUES);
    for (let i = 0; i < n; i++) buf[i] = rng.int(2);
    writeAll(fd, new Uint8Array(buf.buffer), n * 4);
    left -= n;
  }
}

/** uint8 class labels of `shape`, one in twenty of them 255 (the ignored index). */
function writeNpySegLabels(fd, shape, classes, rng) {
  fs.writeSync(fd, npyHeader('|u1', shape));
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = new Uint8Array(n);
  for (let i = 0; i < n; i++) buf[i] = rng.int(20) === 0 ? 255 : rng.int(classes);
  writeAll(fd, buf, n);
}

/** As np.savetxt(f, x.astype(np.float32), fmt='%.7g', delimiter=','): float32 values widened to double. */
function writeCsvLogits(fd, rows, classes, rng) {
  const f32 = new Float32Array(classes);
  const cells = new Array(classes);
  let chunk = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < classes; c++) f32[c] = SCALE * rng.normal();
    for (let c = 0; c < classes; c++) cells[c] = formatG(f32[c], 7);
    chunk += cells.join(',') + '\n';
    if (chunk.length >= 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  if (chunk) fs.writeSync(fd, chunk);
}

/** As np.savetxt(f, y, fmt='%d'): one label per line. */
function writeCsvLabels(fd, rows, classes, rng) {
  let text = '';
  for (let r = 0; r < rows; r++) text += `${rng.int(classes)}\n`;
  fs.writeSync(fd, text);
}

function writeAll(fd, bytes, length) {
  let off = 0;
  while (off < length) off += fs.writeSync(fd, bytes, off, length - off);
}
