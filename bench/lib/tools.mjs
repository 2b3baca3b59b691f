/**
 * The tools being compared, each run as a whole process: losscalc (node bin/losscalc.cjs ce
 * <logits> <labels> --json) and two Python one-liners, numpy and PyTorch, each printing
 * repr(float(loss)). A process is timed from spawn to exit, and its peak RSS comes from GNU
 * time's %M when /usr/bin/time exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const GNU_TIME = '/usr/bin/time';
/** Set on some machines here; numpy's and torch's OpenBLAS run at normal speed without them. */
export const OPENBLAS_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;

// The Python peers load the files as numpy does for each format, widen to float64, and compute
// the mean cross-entropy: numpy spelled out (stable log-sum-exp), torch with F.cross_entropy.
const PY_LOAD = [
  'import sys, numpy as np',
  'a, b = sys.argv[1], sys.argv[2]',
  "x = (np.load(a) if a.endswith('.npy') else np.loadtxt(a, delimiter=',', ndmin=2)).astype(np.float64)",
  "y = (np.load(b) if b.endswith('.npy') else np.loadtxt(b, dtype=np.int64, ndmin=1)).astype(np.int64)",
];
export const NUMPY_SCRIPT = [
  ...PY_LOAD,
  'm = x.max(axis=1, keepdims=True)',
  'l = np.log(np.exp(x - m).sum(axis=1)) + m[:, 0] - x[np.arange(y.shape[0]), y]',
  'print(repr(float(l.mean())))',
].join('\n');
export const TORCH_SCRIPT = [
  ...PY_LOAD,
  'import torch, torch.nn.functional as F',
  'print(repr(float(F.cross_entropy(torch.from_numpy(x), torch.from_numpy(y)))))',
].join('\n');

/** The environment for a Python peer: ours without the OpenBLAS overrides. */
export function pythonEnv() {
  const env = { ...process.env };
  for (const v of OPENBLAS_VARS) delete env[v];
  return env;
}

/**
 * The first interpreter among `candidates` that imports `module`: { python, version } or
 * { reason } naming what was tried.
 */
export function findPython(module, candidates) {
  const tried = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${module}, sys; print(${module}.__version__); print(sys.version.split()[0])`], {
      env: pythonEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0) {
      const [version, pyVersion] = r.stdout.trim().split('\n');
      return { python, version, pyVersion };
    }
    tried.push(python);
  }
  return { reason: `${module} not importable by ${tried.join(' or ')}` };
}

export function hasGnuTime() {
  try {
    fs.accessSync(GNU_TIME, fs.constants.X_OK);
  } catch {
    return false;
  }
  return spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
}

/** The tools as { name, command, args(logits, labels), env, parse(stdout) -> loss }. */
export function makeTools({ repo, numpy, torch }) {
  const tools = [
    {
      name: 'losscalc',
      command: process.execPath,
      args: (logits, labels) => [path.join(repo, 'bin', 'losscalc.cjs'), 'ce', logits, labels, '--json'],
      env: process.env,
      parse: (stdout) => {
        const loss = JSON.parse(stdout).loss;
        return typeof loss === 'string' ? Number(loss) : loss; // "NaN", "Infinity" as strings
      },
    },
  ];
  const peer = (name, found, script) => ({
    name,
    skipped: found.python ? undefined : found.reason,
    command: found.python,
    args: (logits, labels) => ['-c', script, logits, labels],
    env: pythonEnv(),
    parse: (stdout) => parsePyFloat(stdout.trim().split('\n').pop()),
  });
  tools.push(peer('numpy', numpy, NUMPY_SCRIPT), peer('torch', torch, TORCH_SCRIPT));
  return tools;
}

/**
 * Runs one process to completion: { wallSeconds, rssKiB (or undefined), loss, error }.
 * Wall time covers spawn to exit; with GNU time the measured process is time's child, which
 * adds the same fork+exec (about a millisecond) to every tool.
 */
export function runOnce(tool, files, useTime) {
  const args = tool.args(files.logits, files.labels);
  let command = tool.command;
  let argv = args;
  let rssFile;
  if (useTime) {
    rssFile = path.join(os.tmpdir(), `losscalc-bench-rss-${process.pid}.txt`);
    command = GNU_TIME;
    argv = ['-f', '%M', '-o', rssFile, tool.command, ...args];
  }
  const start = process.hrtime.bigint();
  const r = spawnSync(command, argv, {
    env: tool.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
    timeout: CHILD_TIMEOUT_MS,
  });
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  let rssKiB;
  if (rssFile) {
    try {
      // GNU time writes "Command exited with non-zero status N" first when the child fails.
      const last = fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop();
      if (/^\d+$/.test(last)) rssKiB = Number(last);
    } catch {
      /* no file: reported as n/a */
    }
    fs.rmSync(rssFile, { force: true });
  }

  let error;
  let loss;
  if (r.error) error = r.error.code === 'ETIMEDOUT' ? `timed out after ${CHILD_TIMEOUT_MS / 1000} s` : r.error.message;
  else if (r.status !== 0) error = `exit ${r.status ?? r.signal}: ${lastLine(r.stderr)}`;
  else {
    try {
      loss = tool.parse(r.stdout);
      if (typeof loss !== 'number') throw new Error('no loss in the output');
    } catch (e) {
      error = `unreadable output (${e.message}): ${lastLine(r.stdout)}`;
    }
  }
  return { wallSeconds, rssKiB, loss, error };
}

/** repr(float): a decimal, or nan / inf / -inf. */
function parsePyFloat(text) {
  const special = { nan: NaN, inf: Infinity, '-inf': -Infinity };
  if (text in special) return special[text];
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new Error('not a float');
  return Number(text);
}

function lastLine(text) {
  const lines = (text ?? '').trim().split('\n');
  const line = lines[lines.length - 1] ?? '';
  return line.length > 300 ? line.slice(0, 300) + '...' : line;
}
