/**
 * The memory table (issue 11): losscalc's peak RSS (GNU time %M) on inputs chosen to break a
 * reader, a mode or an output that holds whole arrays. Each case's files and its expected
 * result are made by memory_inputs.py with numpy (in float64, in chunks), once, into the cache;
 * a run counts only if losscalc's number is that one (1e-9 relative). stdout always goes to a
 * file, so a 600 MB --json costs the bench nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { relDiff, REL_TOL } from './report.mjs';
import { nodeEnv } from './tools.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GNU_TIME = '/usr/bin/time';
/** Bumped when memory_inputs.py changes what it writes, so stale files are not reused. */
const INPUTS_VERSION = 'm1';

const shards = (dir, kind) =>
  Array.from({ length: 500 }, (_, i) => [kind === 'logits' ? '-l' : '-y', path.join(dir, 'shards-500', `${kind}-${String(i).padStart(3, '0')}.npy`)]).flat();

/**
 * Each case: the inputs it needs (a memory_inputs.py case), losscalc's arguments given the
 * folder and an output file, the limit, and how to check the result. `out` is where stdout goes.
 */
export const MEMORY_CASES = [
  { name: 'bce-logits 200,000 x 100 f32 NPY', inputs: 'bce-2e5', args: (d) => ['bce-logits', d('bce-2e5-logits.npy'), d('bce-2e5-targets.npy'), '--json'] },
  { name: 'bce-logits 1 GB f32 NPY (threads)', inputs: 'bce-1g', args: (d) => ['bce-logits', d('bce-1g-logits.npy'), d('bce-1g-targets.npy'), '--json'] },
  { name: 'bce-logits 1 GB f32 NPY -j 1', inputs: 'bce-1g', args: (d) => ['bce-logits', d('bce-1g-logits.npy'), d('bce-1g-targets.npy'), '--json', '-j', '1'] },
  { name: 'ce, 1 GB stored NPZ for both operands', inputs: 'npz-stored-1g', args: (d) => ['ce', `${d('npz-stored-1g.npz')}:logits`, `${d('npz-stored-1g.npz')}:labels`, '--json'] },
  { name: 'ce, compressed NPZ inflating to 2 GB', inputs: 'npz-deflated-2g', args: (d) => ['ce', `${d('npz-deflated-2g.npz')}:logits`, `${d('npz-deflated-2g.npz')}:labels`, '--json'] },
  { name: 'ce, 500 MB float16 NPY', inputs: 'f16-500m', args: (d) => ['ce', d('f16-500m-logits.npy'), d('f16-500m-labels.npy'), '--json'] },
  { name: 'ce, 300 MB CSV with a non-ASCII header', inputs: 'csv-nonascii-300m', args: (d) => ['ce', d('csv-nonascii-300m-logits.csv'), d('csv-nonascii-300m-labels.npy'), '--json'] },
  { name: 'ce, 100 MB single-row CSV', inputs: 'csv-one-row-100m', args: (d) => ['ce', d('csv-one-row-100m-logits.csv'), d('csv-one-row-100m-labels.npy'), '--json'] },
  { name: 'ce, 600 MB JSON logits', inputs: 'json-600m', limitMiB: 256, args: (d) => ['ce', d('json-600m-logits.json'), d('json-600m-labels.npy'), '--json'] },
  { name: 'ce, 60 MB JSON labels, -j 4', inputs: 'json-labels-60m', args: (d) => ['ce', d('json-labels-60m-logits.npy'), d('json-labels-60m-labels.json'), '--json', '-j', '4'] },
  { name: 'ce, 500 NPY shards (1 GB)', inputs: 'shards-500', args: (d, _out, dir) => ['ce', ...shards(dir, 'logits'), ...shards(dir, 'labels'), '--json'] },
  { name: 'compare, two 1 GB f32 NPY', inputs: 'compare-1g', check: 'compare', args: (d) => ['compare', d('compare-1g-a.npy'), d('compare-1g-b.npy'), '--json'] },
  { name: '--save-per-sample 30M losses .npy', inputs: 'bce-30m', saved: '.npy', args: (d, out) => ['bce-logits', d('bce-30m-logits.npy'), d('bce-30m-targets.npy'), '--json', '--save-per-sample', out] },
  { name: '--save-per-sample 30M losses .csv', inputs: 'bce-30m', saved: '.csv', args: (d, out) => ['bce-logits', d('bce-30m-logits.npy'), d('bce-30m-targets.npy'), '--json', '--save-per-sample', out] },
  { name: '--save-per-sample 30M losses .json', inputs: 'bce-30m', saved: '.json', args: (d, out) => ['bce-logits', d('bce-30m-logits.npy'), d('bce-30m-targets.npy'), '--json', '--save-per-sample', out] },
  { name: '--reduction none --json, 30M losses, to a file', inputs: 'bce-30m', check: 'none', args: (d) => ['bce-logits', d('bce-30m-logits.npy'), d('bce-30m-targets.npy'), '--json', '--reduction', 'none'] },
  { name: '--reduction none --reference, 30M losses', inputs: 'bce-30m-reference', check: 'reference', args: (d) => ['bce-logits', d('bce-30m-logits.npy'), d('bce-30m-targets.npy'), '--json', '--reduction', 'none', '--reference', d('bce-30m-reference.npy')] },
  { name: 'ce, 3 GB f32 NPY', inputs: 'npy-3g', args: (d) => ['ce', d('npy-3g-logits.npy'), d('npy-3g-labels.npy'), '--json'] },
];

const DEFAULT_LIMIT_MIB = 128;

/** The folder of the memory inputs in the bench cache. */
export function memoryDir(cache) {
  return path.join(cache, `memory-${INPUTS_VERSION}`);
}

/** Makes the inputs `cases` need that are missing, with `python` (numpy); returns an error text or undefined. */
export function ensureMemoryInputs(cases, cache, python, log) {
  const dir = memoryDir(cache);
  fs.mkdirSync(dir, { recursive: true });
  for (const inputs of new Set(cases.map((c) => c.inputs))) {
    if (fs.existsSync(path.join(dir, `${inputs}.expected.json`))) continue;
    log(`memory: generating ${inputs} (numpy)`);
    const t0 = Date.now();
    const r = spawnSync(python, [path.join(HERE, 'memory_inputs.py'), dir, inputs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) return `generating ${inputs} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
    log(`memory: ${inputs} generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return undefined;
}

/** Runs every case once under GNU time: [{ name, limitMiB, rssKiB, seconds, ok, result }]. */
export function runMemoryCases(cases, { repo, cache, log }) {
  const dir = memoryDir(cache);
  const rows = [];
  for (const c of cases) {
    const out = path.join(os.tmpdir(), `losscalc-bench-out-${process.pid}`);
    const saved = c.saved ? `${out}-saved${c.saved}` : undefined;
    const rssFile = `${out}.time`;
    const d = (name) => path.join(dir, name);
    const args = [path.join(repo, 'bin', 'losscalc.cjs'), ...c.args(d, saved, dir)];
    const fd = fs.openSync(out, 'w');
    const r = spawnSync(GNU_TIME, ['-f', '%M %e', '-o', rssFile, process.execPath, ...args], {
      env: nodeEnv(),
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    fs.closeSync(fd);
    const [rss, seconds] = lastLine(readOr(rssFile, '')).split(' ').map(Number);
    const expected = JSON.parse(fs.readFileSync(d(`${c.inputs}.expected.json`), 'utf8'));
    let result;
    try {
      result = judge(c, r, out, saved, expected);
    } catch (e) {
      result = { ok: false, text: `unreadable output: ${e.message}` };
    }
    for (const f of [out, rssFile, saved]) if (f) fs.rmSync(f, { force: true });
    const row = { name: c.name, limitMiB: c.limitMiB ?? DEFAULT_LIMIT_MIB, rssKiB: rss, seconds, ...result };
    log(`memory: ${c.name}: ${(rss / 1024).toFixed(1)} MiB, ${seconds} s, ${result.text}`);
    rows.push(row);
  }
  return rows;
}

/** Whether the run gave the expected result: { ok, text }. */
function judge(c, r, out, saved, expected) {
  // compare exits 1 when the arrays differ, which they do here by design
  const wantStatus = c.check === 'compare' ? 1 : 0;
  if (r.status !== wantStatus) return { ok: false, text: `exit ${r.status ?? r.signal}: ${lastLine(r.stderr)}` };
  if (c.check === 'compare') {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    const ok = j.mismatches === expected.mismatches && j.maxAbsDiff === expected.maxAbsDiff;
    return { ok, text: `${j.mismatches} mismatches, max |a - b| ${j.maxAbsDiff}${ok ? '' : ` (expected ${expected.mismatches}, ${expected.maxAbsDiff})`}` };
  }
  if (c.check === 'reference') {
    const verdict = /"checks":\[\{"name":"reference"[^}]*"ok":(true|false)/.exec(tailOf(out));
    return { ok: verdict?.[1] === 'true', text: verdict ? `reference check ${verdict[1] === 'true' ? 'passed' : 'FAILED'}` : 'no reference check in the output' };
  }
  if (c.check === 'none') {
    const sum = Number(numberAfter(out, '"sum":'));
    return closeTo(sum, expected.sum, `sum of ${expected.count} losses`);
  }
  const loss = lossOf(JSON.parse(fs.readFileSync(out, 'utf8')).loss);
  const checked = closeTo(loss, expected.loss, 'loss');
  if (!checked.ok || !saved) return checked;
  const { count, sum } = savedTotals(saved);
  if (count !== expected.count) return { ok: false, text: `${saved}: ${count} values saved, expected ${expected.count}` };
  const s = closeTo(sum, expected.sum, `${count} saved values`);
  return { ok: s.ok, text: `${checked.text}; ${s.text}` };
}

function closeTo(got, want, what) {
  const d = relDiff(got, want);
  return { ok: d <= REL_TOL, text: d <= REL_TOL ? `${what} ${got} as numpy` : `${what} ${got}, numpy ${want}: MISMATCH (${d.toExponential(1)})` };
}

function lossOf(v) {
  return typeof v === 'string' ? Number(v) : v;
}

/**
 * The count and sum of the losses in a saved .npy (float64), .csv (index,loss,... a row per
 * sample) or .json (a record per sample, a line each: {"index", "loss", ...}) file, read in chunks.
 */
function savedTotals(file) {
  let count = 0;
  const sum = neumaier();
  if (file.endsWith('.npy')) {
    const bytes = fs.readFileSync(file);
    const start = 10 + bytes.readUInt16LE(8);
    const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
    for (const v of values) sum.add(v);
    return { count: values.length, sum: sum.value() };
  }
  const csv = file.endsWith('.csv');
  eachToken(file, /\n/, (line, first) => {
    if (csv && first) return; // the header line
    // the loss: a CSV row's second cell; a JSON record's "loss" ("NaN" and the infinities are strings)
    const loss = csv ? line.split(',')[1] : /"loss":"?([^,"}]*)/.exec(line)?.[1];
    if (loss === undefined) return; // the JSON list's brackets
    count++;
    sum.add(csv && /^-?(nan|inf)$/i.test(loss) ? Number(loss.replace(/inf/i, 'Infinity')) : Number(loss));
  });
  return { count, sum: sum.value() };
}

/** A compensated sum, so 30M saved losses add up to numpy's fsum, not drift from it. */
function neumaier() {
  let s = 0;
  let c = 0;
  return {
    add(x) {
      const t = s + x;
      c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
      s = t;
    },
    value: () => s + c,
  };
}

/** Calls visit(token, isFirst) for every non-empty token of the file split at `sep`, reading 16 MiB at a time. */
function eachToken(file, sep, visit) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 24);
  let carry = '';
  let first = true;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      const text = carry + buf.toString('latin1', 0, n);
      const tokens = text.split(sep);
      carry = n === 0 ? '' : tokens.pop();
      for (const t of tokens) {
        if (t === '') continue;
        visit(t, first);
        first = false;
      }
      if (n === 0) break;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The text after the first `key` in a (possibly huge) file, up to the next ',' or '}'. */
function numberAfter(file, key) {
  let found;
  let tail = '';
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 24);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const text = tail + buf.toString('latin1', 0, n);
      const at = text.indexOf(key);
      if (at >= 0) {
        const rest = text.slice(at + key.length);
        const m = /^\s*("?[-+0-9.eEa-zA-Z]+"?)\s*[,}]/.exec(rest);
        if (m) {
          found = m[1].replaceAll('"', '');
          break;
        }
      }
      tail = text.slice(-64);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (found === undefined) throw new Error(`no ${key} in the output`);
  return found;
}

/** The last 64 KiB of a (possibly huge) file, where --json puts its checks. */
function tailOf(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 1 << 16));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function lastLine(text) {
  return (text ?? '').trim().split('\n').pop() ?? '';
}

/** The markdown table of the rows: the memory against its limit, and whether the number was right. */
export function memoryTable(rows) {
  const out = ['| run | peak RSS (MiB) | limit (MiB) | memory | wall (s) | result |', '|---|---:|---:|---|---:|---|'];
  for (const r of rows) {
    const measured = Number.isFinite(r.rssKiB);
    const mib = measured ? (r.rssKiB / 1024).toFixed(1) : 'n/a';
    const memory = !measured ? 'n/a' : r.rssKiB / 1024 <= r.limitMiB ? 'met' : 'NOT met';
    const seconds = Number.isFinite(r.seconds) ? r.seconds.toFixed(2) : 'n/a';
    out.push(`| ${r.name} | ${mib} | ${r.limitMiB} | ${memory} | ${seconds} | ${r.ok ? 'right' : 'WRONG'}: ${r.text.replaceAll('|', '\\|')} |`);
  }
  return out.join('\n');
}
