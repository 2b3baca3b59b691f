#!/usr/bin/env node
/**
 * losscalc's benchmark: `npm run bench [-- options]`, i.e. `node bench/run.mjs`.
 *
 * Generates seeded workloads once into a cache folder outside the repo, then times
 * `node bin/losscalc.cjs <mode> <logits> <labels> -q` end to end as a whole process, side
 * by side with the same loss as Python one-liners as users write them (numpy spelled out from
 * the python3 first on PATH, PyTorch's F functions from Debian's python3-torch, both in the
 * files' float32) where they are installed. Prints a markdown table of median wall times,
 * ratios, peak RSS and losses, the issue's targets with met / NOT met, and the machine; then
 * the memory table (memory.mjs). Timings are reported, never asserted; the exit code is 1
 * only if a tool failed or a loss is not the expected one (peers: 1e-6 relative).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKLOADS, ensureWorkload, workloadFiles } from './lib/workloads.mjs';
import { NODE_VARS, OPENBLAS_VARS, findPython, hasGnuTime, makeTools, nodeEnv, runOnce } from './lib/tools.mjs';
import { PEER_TOL, machineLine, median, relDiff, resultsTable, targetsTable } from './lib/report.mjs';
import { MEMORY_CASES, ensureMemoryInputs, memoryTable, runMemoryCases } from './lib/memory.mjs';
import { kernelTable } from './kernel.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(REPO, 'bench', 'RESULTS.md');
const TOOL_NAMES = ['losscalc', 'numpy', 'numpy-debian', 'torch'];
const TABLES = ['speed', 'memory', 'kernel'];

const HELP = `usage: npm run bench -- [options]     (or: node bench/run.mjs [options])

Times losscalc against numpy and PyTorch one-liners on seeded workloads and prints a markdown
table (stdout; progress goes to stderr). Exit 1 if a tool fails or the losses disagree.

  --tables <list>    tables to make: speed (the timed workloads), memory (losscalc's peak RSS on
                     inputs made to need whole arrays, each checked against numpy's number),
                     kernel (each mode's ns per value on one thread, scalar path and SIMD kernel)
                     (default: speed,memory,kernel)
  --only <list>      speed workloads to run, comma-separated: ${WORKLOADS.map((w) => w.name).join(',')} (default: all)
  --tools <list>     tools to run: ${TOOL_NAMES.join(',')} (default: all; losscalc always runs)
  --runs <n>         timed runs per tool and workload, median reported (default 5; env LOSSCALC_BENCH_RUNS)
  --warmup <n>       untimed runs first, per tool and workload (default 1)
  --cache <dir>      workload cache (default \${XDG_CACHE_HOME:-~/.cache}/losscalc-bench; env LOSSCALC_BENCH_CACHE)
  --python <path>    the Python for the numpy peer and the memory table's inputs (default: the
                     python3 first on PATH, then /usr/bin/python3; env LOSSCALC_BENCH_PYTHON)
  --torch-python <p> the Python for the PyTorch peer (default: /usr/bin/python3, Debian's
                     python3-torch, then python3); its numpy is the numpy-debian peer, run
                     too when it is another numpy than --python's
  --write            also write the report to bench/RESULTS.md (env LOSSCALC_BENCH_WRITE=1)
  --export-json <f>  also write every measurement (each run's wall time, RSS, loss) as JSON to <f>
  --generate-only    generate the missing workloads and stop
  --build            run \`npm run build\` first (otherwise dist/ is used as it is)
  -h, --help         this text

Workloads:
${WORKLOADS.map((w) => `  ${w.name.padEnd(6)} ${w.about}`).join('\n')}

Memory table (about 10 GB of inputs, made once with numpy into the cache):
${MEMORY_CASES.map((c) => `  ${c.name}`).join('\n')}
`;

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        tables: { type: 'string' },
        tools: { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        cache: { type: 'string' },
        python: { type: 'string' },
        'torch-python': { type: 'string' },
        write: { type: 'boolean' },
        'export-json': { type: 'string' },
        'generate-only': { type: 'boolean' },
        build: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail(`${e.message}\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const env = process.env;
  const count = (text, name, min) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer >= ${min}, got '${text}'`);
    return n;
  };
  const list = (text, known, name) => {
    const items = text.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = items.filter((s) => !known.includes(s));
    if (unknown.length || !items.length) fail(`${name}: unknown '${unknown.join(',')}'; choose from ${known.join(',')}`);
    return known.filter((k) => items.includes(k)); // in the canonical order
  };
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const tools = values.tools ? list(values.tools, TOOL_NAMES, '--tools') : TOOL_NAMES;
  return {
    tables: values.tables ? list(values.tables, TABLES, '--tables') : TABLES,
    workloads: values.only ? list(values.only, WORKLOADS.map((w) => w.name), '--only') : WORKLOADS.map((w) => w.name),
    tools: tools.includes('losscalc') ? tools : ['losscalc', ...tools],
    runs: count(values.runs ?? env.LOSSCALC_BENCH_RUNS ?? '5', '--runs', 1),
    warmup: count(values.warmup ?? '1', '--warmup', 0),
    cache: path.resolve(values.cache ?? env.LOSSCALC_BENCH_CACHE ?? path.join(cacheHome, 'losscalc-bench')),
    pythons: values.python ?? env.LOSSCALC_BENCH_PYTHON ? [values.python ?? env.LOSSCALC_BENCH_PYTHON] : ['python3', '/usr/bin/python3'],
    torchPythons: values['torch-python'] ? [values['torch-python']] : ['/usr/bin/python3', 'python3'],
    write: Boolean(values.write) || ['1', 'true', 'yes'].includes((env.LOSSCALC_BENCH_WRITE ?? '').toLowerCase()),
    exportJson: values['export-json'],
    generateOnly: Boolean(values['generate-only']),
    build: Boolean(values.build),
  };
}

/** The numpy of PyTorch's Python (Debian's) as a second peer, when it is another numpy than the first's. */
function secondNumpy(numpy, pythons) {
  const found = findPython('numpy', pythons);
  if (!found.python) return found;
  if (numpy.python && found.version === numpy.version) return { reason: `the same numpy ${found.version} as the numpy peer` };
  return found;
}

/** Newest mtime under dir of files whose name matches re (0 if none). */
function newest(dir, re) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && re.test(e.name)) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return t;
}

function checkBuild(opts) {
  if (opts.build) {
    console.error('bench: npm run build');
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) fail('npm run build failed');
  }
  if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) fail('dist/cli.js is missing: run `npm run build` first (or pass --build)');
  if (newest(path.join(REPO, 'src'), /\.ts$/) > newest(path.join(REPO, 'dist'), /\.js$/)) {
    console.error('bench: warning: src/ has changed since the last build; measuring the old dist/ (pass --build to rebuild)');
  }
}

/** The memory table's inputs made (numpy writes them): { cases } or { skipped: reason }. */
function memoryInputs(opts, log) {
  const numpy = findPython('numpy', opts.pythons);
  if (!numpy.python) return { skipped: `no numpy to make its inputs (${numpy.reason})` };
  log(`memory inputs: numpy ${numpy.version} via ${numpy.python}, in ${opts.cache}`);
  const error = ensureMemoryInputs(MEMORY_CASES, opts.cache, numpy.python, log);
  return error ? { skipped: error } : { cases: MEMORY_CASES };
}

function memorySection(memory, rows, useTime) {
  if (memory.skipped) return [`Not run: ${memory.skipped}.`];
  if (!useTime) return ['Not run: GNU /usr/bin/time (Debian package `time`) is needed for peak RSS.'];
  return [
    memoryTable(rows),
    '',
    '- One run per case; peak RSS is GNU time\'s %M of the whole process (threads included), stdout to a file.',
    '- Each result is checked against numpy\'s, computed in float64 when the inputs were made (bench/lib/memory_inputs.py): every logit is k/64, exact in float16, float32 and six decimals, so every format holds the same numbers.',
  ];
}

/**
 * bench/RESULTS.md with the sections this run made replaced and the others kept: a run of one
 * table (--tables memory) leaves the other's latest results in place.
 */
function resultsFile(old, sections) {
  const kept = {};
  for (const m of old.matchAll(/^## (Speed|Memory|Kernel)\n\n([\s\S]*?)(?=^## |(?![\s\S]))/gm)) kept[m[1]] = m[2].trimEnd();
  const all = { ...kept, ...sections };
  const body = ['Speed', 'Memory', 'Kernel'].filter((t) => all[t]).map((t) => `## ${t}\n\n${all[t]}\n`);
  return `# Benchmark results\n\nThe latest \`npm run bench -- --write\` (bench/run.mjs), each table from its own run.\n\n${body.join('\n')}`;
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const log = (m) => console.error(`bench: ${m}`);
  const workloads = opts.tables.includes('speed') ? WORKLOADS.filter((w) => opts.workloads.includes(w.name)) : [];

  log(`workload cache: ${opts.cache}`);
  for (const w of workloads) {
    const t0 = Date.now();
    const wrote = ensureWorkload(w, opts.cache, log);
    if (wrote.length) log(`${w.name}: generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const memory = opts.tables.includes('memory') ? memoryInputs(opts, log) : undefined;
  if (opts.generateOnly) return 0;
  checkBuild(opts);

  const useTime = hasGnuTime();
  if (!useTime) log('warning: GNU /usr/bin/time not found (Debian package `time`): peak RSS is reported as n/a');
  const skippedByFlag = { reason: 'not selected (--tools)' };
  // numpy as users have it: the python3 first on PATH; PyTorch from Debian's python3-torch
  const numpy = opts.tools.includes('numpy') ? findPython('numpy', opts.pythons) : skippedByFlag;
  const torch = opts.tools.includes('torch') ? findPython('torch', opts.torchPythons) : skippedByFlag;
  if (numpy.python && numpy.python !== opts.pythons[0]) log(`numpy: ${opts.pythons[0]} has none; fell back to ${numpy.python}`);
  const numpyDebian = opts.tools.includes('numpy-debian') ? secondNumpy(numpy, opts.torchPythons) : skippedByFlag;
  for (const [name, found] of [['numpy', numpy], ['numpy-debian', numpyDebian], ['torch', torch]]) {
    log(found.python ? `${name} ${found.version} via ${found.python}` : `${name} skipped: ${found.reason}`);
  }
  const tools = makeTools({ repo: REPO, numpy, numpyDebian, torch });

  // The floor for any Node CLI here: an empty `node -e 0`, timed like the tools.
  // With NODE_VARS set here, also timed with them, to show what they cost every Node start.
  const bare = { name: 'node -e 0', command: process.execPath, args: () => ['-e', '0'], env: nodeEnv(), parse: () => 0 };
  const nodeVarsSet = NODE_VARS.filter((v) => process.env[v] !== undefined);
  const bareAsSet = { ...bare, env: process.env };
  const bareRuns = workloads.length ? Array.from({ length: Math.max(opts.runs, 3) }, () => [runOnce(bare, {}, useTime), nodeVarsSet.length ? runOnce(bareAsSet, {}, useTime) : undefined]) : [];
  const bareWall = bareRuns.length ? median(bareRuns.map(([r]) => r.wallSeconds)) : NaN;
  const bareWallAsSet = bareRuns.length && nodeVarsSet.length ? median(bareRuns.map(([, r]) => r.wallSeconds)) : NaN;
  if (bareRuns.length) log(`node -e 0: ${bareWall.toFixed(3)} s (median of ${bareRuns.length})`);

  const rows = [];
  const raw = [];
  for (const w of workloads) {
    const files = { ...workloadFiles(w, opts.cache), kind: w.kind };
    const state = tools.map((tool) => ({ tool, runs: [] }));
    const live = () => state.filter((s) => !s.tool.skipped && !s.error);
    const measure = (s, timed, label) => {
      const r = runOnce(s.tool, files, useTime);
      if (r.error) s.error = r.error;
      else if (timed) s.runs.push(r);
      else s.warmLoss = r.loss;
      log(`${w.name} ${s.tool.name} ${label}: ${r.error ? `FAILED (${r.error})` : `${r.wallSeconds.toFixed(3)} s, loss ${r.loss}`}`);
    };
    for (let i = 0; i < opts.warmup; i++) for (const s of live()) measure(s, false, `warm-up ${i + 1}/${opts.warmup}`);
    // Interleaved, so drift (thermal, page cache, neighbours) spreads over every tool alike.
    for (let i = 0; i < opts.runs; i++) for (const s of live()) measure(s, true, `run ${i + 1}/${opts.runs}`);

    const reference = state.find((s) => s.runs.length && !s.error)?.runs[0].loss;
    for (const s of state) {
      const row = { workload: w.name, tool: s.tool.name };
      if (s.tool.skipped) row.skipped = s.tool.skipped;
      else if (s.error) row.error = s.error;
      else {
        row.median = median(s.runs.map((r) => r.wallSeconds));
        const rss = s.runs.map((r) => r.rssKiB).filter((k) => k !== undefined);
        row.rssKiB = rss.length ? Math.max(...rss) : undefined;
        row.loss = s.runs[0].loss;
        const losses = [...s.runs.map((r) => r.loss), ...(s.warmLoss !== undefined ? [s.warmLoss] : [])];
        row.diff = Math.max(...losses.map((l) => relDiff(l, reference)));
      }
      rows.push(row);
      raw.push({ ...row, warmLoss: s.warmLoss, runs: s.runs });
    }
  }

  const set = OPENBLAS_VARS.filter((v) => process.env[v] !== undefined);
  const notes = [
    `${opts.runs} timed run${opts.runs > 1 ? 's' : ''} per tool after ${opts.warmup} warm-up${opts.warmup === 1 ? '' : 's'}, interleaved; wall time is the median, spawn to exit, of the whole process; peak RSS is the largest max-RSS over the timed runs (GNU time %M).`,
    'ratio = this row\'s median wall / the peer\'s median wall. numpy is the python3 first on PATH (the targets are against it); numpy-debian is Debian\'s python3-numpy, the numpy of Debian\'s python3-torch, when it is another version. The peers compute in the files\' float32, losscalc in float64: the losses must agree within 1e-6 relative (losscalc\'s is the reference).',
    set.length
      ? `${set.map((v) => `${v}=${process.env[v]}`).join(', ')} ${set.length > 1 ? 'are' : 'is'} set in this environment; ${set.length > 1 ? 'they were' : 'it was'} unset for the numpy and torch processes only (numpy then runs at its normal speed).`
      : 'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are not set.',
    nodeVarsSet.length
      ? `${nodeVarsSet.join(', ')} ${nodeVarsSet.length > 1 ? 'are' : 'is'} set in this environment; ${nodeVarsSet.length > 1 ? 'they were' : 'it was'} unset for the losscalc and \`node -e 0\` processes only, as a user's shell usually has it: Node reads and parses every certificate in that file at each start, for TLS that losscalc never uses. With it, \`node -e 0\` takes ${bareWallAsSet.toFixed(3)} s instead of ${bareWall.toFixed(3)} s, and every losscalc run as much longer.`
      : `${NODE_VARS.join(', ')} is not set.`,
    'losscalc runs with -q, which prints the loss alone as the peers do (--json also hashes every input byte for its digests).',
    `Start-up floor: an empty \`node -e 0\` takes ${bareWall.toFixed(3)} s here (median of ${bareRuns.length}).`,
    `Workloads: ${workloads.map((w) => `${w.name} = ${w.about}`).join('; ')}. Cache: ${opts.cache.replace(os.homedir(), '~')}.`,
  ];
  const partial = workloads.length < WORKLOADS.length || opts.tools.length < TOOL_NAMES.length;
  const speed = workloads.length ? [resultsTable(rows), '', 'Targets (issue 12):', '', targetsTable(rows), '', ...notes.map((n) => `- ${n}`)] : [];
  const memoryRows = memory?.cases && useTime ? runMemoryCases(memory.cases, { repo: REPO, cache: opts.cache, log }) : [];
  const header = (subset) => [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: \`${['node bench/run.mjs', ...process.argv.slice(2)].join(' ')}\`${subset ? ' (a subset of the workloads or tools)' : ''}`,
    '',
    machineLine({ numpy, numpyDebian, torch }),
    '',
  ];
  const sections = {
    ...(workloads.length && { Speed: [...header(partial), ...speed].join('\n') }),
    ...(memory && { Memory: [...header(false), ...memorySection(memory, memoryRows, useTime)].join('\n') }),
    ...(opts.tables.includes('kernel') && { Kernel: [...header(false).slice(0, 2), ...(await kernelTable({ repo: REPO, log }))].join('\n') }),
  };
  process.stdout.write(Object.entries(sections).map(([title, text]) => `## ${title}\n\n${text}\n`).join('\n'));
  if (opts.write) {
    fs.writeFileSync(RESULTS, resultsFile(fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '', sections));
    log(`wrote ${path.relative(process.cwd(), RESULTS)} (${Object.keys(sections).join(' and ')})`);
  }

  if (opts.exportJson) {
    const data = { date: new Date().toISOString(), argv: process.argv.slice(2), machine: machineLine({ numpy, numpyDebian, torch }), nodeBareSeconds: bareWall, results: raw };
    fs.writeFileSync(opts.exportJson, JSON.stringify(data, null, 1) + '\n');
    log(`wrote ${opts.exportJson}`);
  }

  const bad = rows.filter((r) => r.error || (r.diff !== undefined && r.diff > PEER_TOL));
  for (const r of bad) log(`${r.workload} ${r.tool}: ${r.error ? `failed: ${r.error}` : `loss differs from losscalc's by ${r.diff.toExponential(2)} relative`}`);
  const wrong = memoryRows.filter((r) => !r.ok);
  for (const r of wrong) log(`memory: ${r.name}: ${r.text}`);
  return bad.length || wrong.length ? 1 : 0;
}

process.exitCode = await main();
