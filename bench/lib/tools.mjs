/**
 * The tools being compared, each run as a whole process: losscalc (node bin/losscalc.cjs ce
 * <logits> <labels> -q, which prints the loss alone) and Python one-liners, numpy and PyTorch, each printing
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
/**
 * Set on some machines (extra TLS certificates): Node then reads and parses every
 * certificate in the file at each start, before any script runs (about 30 ms here), for TLS
 * that losscalc never uses. Node starts as it does on a user's machine without it.
 */
export const NODE_VARS = ['NODE_EXTRA_CA_CERTS'];
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;

// The Python peers compute each workload's loss the way a user would, in the files' float32:
// numpy spelled out (a stable log-sum-exp; for bce max(x, 0) - x t + log1p(exp(-|x|))), and
// PyTorch's F.cross_entropy / F.binary_cross_entropy_with_logits. Their losses are float32's,
// so they agree with losscalc's float64 to about 1e-7 (PEER_TOL in report.mjs).
const PY_LOAD = [
  'import sys, numpy as np',
  'a, b = sys.argv[1], sys.argv[2]',
  "x = np.load(a) if a.endswith('.npy') else np.loadtxt(a, delimiter=',', ndmin=2, dtype=np.float32)",
  "y = np.load(b) if b.endswith('.npy') else np.loadtxt(b, dtype=np.int64, ndmin=1)",
];
const NUMPY = {
  ce: [
    'y = y.astype(np.int64)',
    'm = x.max(axis=1, keepdims=True)',
    'l = np.log(np.exp(x - m).sum(axis=1)) + m[:, 0] - x[np.arange(y.shape[0]), y]',
    'print(repr(float(l.mean())))',
  ],
  bce: ['l = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))', 'print(repr(float(l.mean())))'],
  seg: [
    'm = x.max(axis=1, keepdims=True)',
    'lse = np.log(np.exp(x - m).sum(axis=1)) + m[:, 0]',
    'valid = y != 255',
    'xy = np.take_along_axis(x, np.where(valid, y, 0).astype(np.int64)[:, None], axis=1)[:, 0]',
    'print(repr(float((lse - xy)[valid].mean())))',
  ],
};
const TORCH = {
  ce: ['print(repr(float(F.cross_entropy(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))))))'],
  bce: ['print(repr(float(F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y)))))'],
  seg: ['print(repr(float(F.cross_entropy(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)), ignore_index=255))))'],
};
export const numpyScript = (kind) => [...PY_LOAD, ...NUMPY[kind]].join('\n');
export const torchScript = (kind) => [...PY_LOAD, 'import torch, torch.nn.functional as F', ...TORCH[kind]].join('\n');

/** losscalc's arguments for a workload's kind. */
const LOSSCALC = {
  ce: (f) => ['ce', f.logits, f.labels],
  bce: (f) => ['bce-logits', f.logits, f.labels],
  seg: (f) => ['ce', f.logits, f.labels, '--ignore-index', '255'],
};

/** The environment for a Python peer: ours without the OpenBLAS overrides. */
export const pythonEnv = () => without(OPENBLAS_VARS);

/** The environment for a Node process (losscalc, `node -e 0`): ours without NODE_VARS. */
export const nodeEnv = () => without(NODE_VARS);

function without(vars) {
  const env = { ...process.env };
  for (const v of vars) delete env[v];
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

/** The tools as { name, command, args(files: { logits, labels, kind }), env, parse(stdout) -> loss }. */
export function makeTools({ repo, numpy, numpyDebian, torch }) {
  const tools = [
    {
      name: 'losscalc',
      command: process.execPath,
      // -q prints the loss alone, as the peers do: --json would add the inputs' SHA-256 digests,
      // a pass over every input byte (about 0.1 s on bce's 160 MB) that no peer makes
      args: (files) => [path.join(repo, 'bin', 'losscalc.cjs'), ...LOSSCALC[files.kind](files), '-q'],
      env: nodeEnv(),
      parse: (stdout) => parseLoss(stdout.trim()),
    },
  ];
  const peer = (name, found, script) => ({
    name,
    skipped: found.python ? undefined : found.reason,
    command: found.python,
    args: (files) => ['-c', script(files.kind), files.logits, files.labels],
    env: pythonEnv(),
    parse: (stdout) => parsePyFloat(stdout.trim().split('\n').pop()),
  });
  tools.push(peer('numpy', numpy, numpyScript), peer('numpy-debian', numpyDebian, numpyScript), peer('torch', torch, torchScript));
  return tools;
}

/**
 * Runs one process to completion: { wallSeconds, rssKiB (or undefined), loss, error }.
 * Wall time covers spawn to exit; with GNU time the measured process is time's child, which
 * adds the same fork+exec (about a millisecond) to every tool.
 */
export function runOnce(tool, files, useTime) {
  const args = tool.args(files);
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

/** losscalc's -q: a JavaScript number's text (NaN, Infinity, -Infinity included). */
function parseLoss(text) {
  const n = Number(text);
  if (text === '' || (Number.isNaN(n) && text !== 'NaN')) throw new Error('not a number');
  return n;
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
