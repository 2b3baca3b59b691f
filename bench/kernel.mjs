#!/usr/bin/env node
/**
 * The kernel's own speed: ns per input value of each mode's hot loop, single-threaded, on
 * arrays in memory (no file read, no process start), through the scalar path and through the
 * WebAssembly SIMD kernel (src/kernel/). `node bench/kernel.mjs`, or `node bench/run.mjs
 * --tables kernel`, after `npm run build`. Times are the median of a few runs after a warm-up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from './lib/prng.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model?.trim() || 'unknown CPU';
}

/** The modes, each a loss over tensors in memory, about 4M values each. */
async function modes(lib) {
  const { crossEntropy, nllLoss, gatherLoss, bceWithLogits, binaryCrossEntropy } = lib;
  const rng = new Rng(12);
  const next = () => rng.uniform();
  const f32 = (n, f) => Float32Array.from({ length: n }, f);
  const t = (data, shape, dtype) => ({ data, shape, dtype });
  const [N, C] = [4000, 1000];
  const logits = t(f32(N * C, () => 10 * next() - 5), [N, C], 'float32');
  const labels = t(Float64Array.from({ length: N }, () => rng.int(C)), [N], 'float64');
  const logp = t(Float32Array.from(logits.data, (v, i) => v - 12 - (i % 7)), [N, C], 'float32');
  const probs = t(f32(N * C, () => next() / C), [N, C], 'float32');
  const [B, K, H, W] = [2, 21, 256, 192];
  const seg = t(f32(B * K * H * W, () => 10 * next() - 5), [B, K, H, W], 'float32');
  const segLabels = t(Uint8Array.from({ length: B * H * W }, () => (next() < 0.05 ? 255 : rng.int(K))), [B, H, W], 'uint8');
  const x = t(f32(40000 * 100, () => 10 * next() - 5), [40000, 100], 'float32');
  const y = t(f32(40000 * 100, () => (next() < 0.5 ? 0 : 1)), [40000, 100], 'float32');
  const p = t(f32(40000 * 100, () => next()), [40000, 100], 'float32');
  const drop = { perSample: 'drop' };
  return [
    ['ce, class indices (4000 x 1000)', N * C, () => crossEntropy(logits, labels, drop)],
    ['ce, probabilities (4000 x 1000)', N * C, () => crossEntropy(logits, probs, drop)],
    ['nll (4000 x 1000)', N * C, () => nllLoss(logp, labels, drop)],
    ['gather (4000 x 1000)', N * C, () => gatherLoss(logits, labels, drop)],
    ['ce, strided (2 x 21 x 256 x 192), ignore_index 255', seg.data.length, () => crossEntropy(seg, segLabels, { ...drop, ignoreIndex: 255 })],
    ['bce-logits (40000 x 100)', x.data.length, () => bceWithLogits(x, y, drop)],
    ['binary-cross-entropy (40000 x 100)', p.data.length, () => binaryCrossEntropy(p, y, drop)],
  ];
}

function nsPerValue(run, values, runs) {
  run();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t0));
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1] / values;
}

/** The table's markdown lines. */
export async function kernelTable({ repo = REPO, runs = 5, log = () => {} } = {}) {
  const lib = await import(pathToFileURL(path.join(repo, 'dist', 'index.js')).href);
  const { kernelMode, kernelOn } = await import(pathToFileURL(path.join(repo, 'dist', 'kernel', 'index.js')).href);
  const lines = [
    `Machine: ${cpuModel()}; Node ${process.version}; one thread; the kernel ${kernelOn() ? 'runs' : 'does NOT run (no SIMD, or LOSSCALC_KERNEL=scalar)'}.`,
    '',
    '| mode | scalar ns/value | kernel ns/value | scalar / kernel |',
    '|---|---:|---:|---:|',
  ];
  for (const [name, values, run] of await modes(lib)) {
    kernelMode.scalar = true;
    const scalar = nsPerValue(run, values, runs);
    kernelMode.scalar = false;
    const simd = nsPerValue(run, values, runs);
    log(`kernel: ${name}: scalar ${scalar.toFixed(2)} ns, kernel ${simd.toFixed(2)} ns`);
    lines.push(`| ${name} | ${scalar.toFixed(2)} | ${simd.toFixed(2)} | ${(scalar / simd).toFixed(1)}x |`);
  }
  lines.push('', `- Median of ${runs} runs after a warm-up, per input value, on arrays in memory (float32 logits; no file read, no process start); reduction mean, the unreduced losses dropped.`);
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.stdout.write((await kernelTable({ log: (m) => console.error(m) })).join('\n') + '\n');
}
