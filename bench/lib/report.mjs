/**
 * The benchmark's markdown: the results table, the issue's targets with met / NOT met, and
 * the machine it ran on. Pure functions of the measurements; run.mjs prints and writes them.
 */
import fs from 'node:fs';
import os from 'node:os';

/** How close numpy's float64 expectations of the memory table must be to losscalc's. */
export const REL_TOL = 1e-9;
/** How close a speed peer's loss must be: numpy and PyTorch compute in the files' float32. */
export const PEER_TOL = 1e-6;
const MIB = 1024; // KiB per MiB
/**
 * The peers, each a column of ratios: numpy as users have it (the python3 first on PATH),
 * Debian's numpy (python3-numpy, the interpreter of Debian's python3-torch) when that is
 * another numpy, and PyTorch.
 */
export const PEERS = ['numpy', 'numpy-debian', 'torch'];

/**
 * Issue 12's targets: wall ratios of medians measured in the same run against each peer named,
 * and losscalc's peak RSS.
 */
export const TARGETS = {
  img: { walls: [{ vs: 'numpy', ratio: 0.5 }], rssMiB: 128 },
  lm: { walls: [{ vs: 'numpy', ratio: 0.4 }], rssMiB: 128 },
  csv: { walls: [{ vs: 'numpy', ratio: 0.35 }], rssMiB: 128 },
  small: { walls: [{ vs: 'torch', ratio: 0.1 }, { vs: 'numpy', ratio: 0.7 }], rssMiB: 128 },
  bce: { walls: [{ vs: 'numpy', ratio: 0.5 }], rssMiB: 128 },
  seg: { walls: [{ vs: 'numpy', ratio: 0.5 }], rssMiB: 128 },
};

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function relDiff(a, b) {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

const fmtSeconds = (s) => (s >= 100 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3));
const fmtRatio = (r) => (r >= 10 ? r.toFixed(1) : r.toFixed(2));
const fmtMiB = (kib) => (kib === undefined ? 'n/a' : (kib / MIB).toFixed(1));
const fmtDiff = (d) => d.toExponential(1);

/**
 * rows: [{ workload, tool, skipped?, error?, median?, rssKiB?, loss?, diff? }], one per tool
 * and workload, with `diff` the loss's relative difference from the reference (losscalc's).
 */
export function resultsTable(rows) {
  const byWorkload = new Map();
  for (const r of rows) byWorkload.set(r.workload, [...(byWorkload.get(r.workload) ?? []), r]);
  // a ratio column for each peer that ran
  const peers = PEERS.filter((p) => rows.some((r) => r.tool === p && r.median !== undefined));
  const out = [
    `| workload | tool | median wall (s) | ${peers.map((p) => `ratio vs ${p}`).join(' | ')} | peak RSS (MiB) | loss |`,
    `|---|---|---:|${peers.map(() => '---:|').join('')}---:|---|`,
  ];
  for (const [workload, group] of byWorkload) {
    const wall = (name) => group.find((r) => r.tool === name && r.median !== undefined)?.median;
    for (const r of group) {
      if (r.skipped) {
        out.push(`| ${workload} | ${r.tool} | skipped: ${r.skipped} |${peers.map(() => ' |').join('')} | |`);
        continue;
      }
      const ratio = (peer) => (r.median !== undefined && wall(peer) !== undefined ? fmtRatio(r.median / wall(peer)) : '–');
      let loss = r.error ? `FAILED: ${r.error.replaceAll('|', '\\|')}` : String(r.loss);
      if (!r.error && r.diff !== undefined && r.diff > PEER_TOL) loss += ` MISMATCH (rel diff ${fmtDiff(r.diff)})`;
      const med = r.median === undefined ? '–' : fmtSeconds(r.median);
      out.push(`| ${workload} | ${r.tool} | ${med} | ${peers.map(ratio).join(' | ')} | ${fmtMiB(r.rssKiB)} | ${loss} |`);
    }
  }
  return out.join('\n');
}

/** The targets of the workloads that ran, with what was measured and met / NOT met. */
export function targetsTable(rows) {
  const out = ['| workload | target | measured | result |', '|---|---|---:|---|'];
  const workloads = [...new Set(rows.map((r) => r.workload))];
  for (const w of workloads) {
    const t = TARGETS[w];
    if (!t) continue;
    const lc = rows.find((r) => r.workload === w && r.tool === 'losscalc');
    for (const { vs, ratio: most } of t.walls) {
      const peer = rows.find((r) => r.workload === w && r.tool === vs);
      let measured = 'n/a';
      let result;
      if (lc?.median === undefined) result = 'n/a (losscalc failed)';
      else if (peer?.median === undefined) result = `n/a (${vs} ${peer?.skipped ? 'skipped' : 'failed'})`;
      else {
        const ratio = lc.median / peer.median;
        measured = `${fmtRatio(ratio)} x`;
        result = ratio <= most ? 'met' : 'NOT met';
      }
      out.push(`| ${w} | wall <= ${most} x ${vs} | ${measured} | ${result} |`);
    }
    const kib = lc?.rssKiB;
    const res = kib === undefined ? 'n/a (no /usr/bin/time)' : kib / MIB <= t.rssMiB ? 'met' : 'NOT met';
    out.push(`| ${w} | losscalc peak RSS <= ${t.rssMiB} MiB | ${fmtMiB(kib)} MiB | ${res} |`);
  }
  return out.join('\n');
}

/** One line naming the machine and the software versions. */
export function machineLine({ numpy, numpyDebian, torch }) {
  let cpu = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux: os.cpus() it is */
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const mem = (os.totalmem() / 1024 ** 3).toFixed(1);
  const py = (found, name) =>
    found.python ? `${name} ${found.version} (Python ${found.pyVersion}, ${found.python})` : `${name} not run (${found.reason})`;
  return `Machine: ${cpu}, ${cores} cores, ${mem} GiB RAM, ${os.type()} ${os.release()}; Node ${process.version}; ${py(numpy, 'numpy')}; ${numpyDebian ? `${py(numpyDebian, 'numpy-debian')}; ` : ''}${py(torch, 'torch')}.`;
}
