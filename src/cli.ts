/**
 * The command line: commander program, loading, reports, exit codes. The only place that
 * writes to the terminal or decides an exit code:
 *   0 success, 1 a check / --expect / --reference failed, 2 usage or input error, 3 internal.
 */
import { createRequire } from 'node:module';
import { Chalk } from 'chalk';
import { Command, CommanderError, Option } from 'commander';
import { InputError, UsageError, type Operand } from './errors.js';
import { evaluate } from './evaluate.js';
import { parseList, readTensor } from './io/read.js';
import { MODE_ALIASES, MODES, parseOptions, type Mode, type Options, type RawOptions } from './options.js';
import { renderHuman, type Paint } from './report/human.js';
import { renderJson } from './report/json.js';
import type { Tensor } from './tensor.js';

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal (colour is only for terminals). */
  isTTY: boolean;
}

const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, isTTY: Boolean(process.stdout.isTTY) });

const EXAMPLES: Record<Mode, string> = {
  'cross-entropy': `
Examples:
  losscalc ce logits.npy labels.npy
  losscalc ce logits.csv labels.csv --weight 1,2,0.5 --label-smoothing 0.1
  losscalc ce logits.npy labels.npy --reduction none --json
  losscalc ce logits.npy labels.npy --expect 2.3026 --rtol 1e-6   # exit 1 if it differs`,
  nll: `
Examples:
  losscalc nll logprobs.npy labels.npy
  losscalc nll logits.npy labels.npy --log-softmax      # F.nll_loss(F.log_softmax(x, 1), y)`,
  'bce-logits': `
Examples:
  losscalc bce logits.npy targets.npy
  losscalc bce logits.csv targets.csv --pos-weight 3 --reduction sum`,
  gather: `
Examples:
  losscalc gather logits.npy labels.npy       # -mean(gather(log_softmax(x, 1), 1, y))`,
  check: `
Examples:
  losscalc check logits.npy labels.npy        # cross-entropy = nll(log_softmax) = gather = one-hot
  losscalc check logits.npy targets.npy       # labels of the logits' shape: bce-logits = 2-class CE`,
};

const DESCRIPTIONS: Record<Mode, string> = {
  'cross-entropy': 'F.cross_entropy: softmax + cross-entropy on raw logits, class indices or probabilities',
  nll: 'F.nll_loss on log-probabilities (or on logits with --log-softmax)',
  'bce-logits': 'F.binary_cross_entropy_with_logits: targets are probabilities in [0, 1]',
  gather: 'the manual path: -mean(log_softmax(x, 1).gather(1, y))',
  check: 'run every way that applies and prove that they agree (exit 1 if not)',
};

interface Parsed {
  mode: Mode;
  positional: string[];
  raw: RawOptions & { color?: boolean };
}

function program(io: Io, onParsed: (p: Parsed) => void): Command {
  const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  const prog = new Command('losscalc')
    .description("PyTorch's losses from the command line, on CSV, JSON and NPY files")
    .usage('<mode> [logits] [labels] [options]')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // one line: commander's "(Did you mean ...?)" hint joins the message
      outputError: (s, write) => write(`losscalc: ${s.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .showSuggestionAfterError()
    .addHelpText('after', `\nModes: ${MODES.join(', ')} (aliases: ce, bce). Run 'losscalc <mode> --help' for a mode's options.`);

  for (const mode of MODES) {
    const cmd = prog
      .command(mode)
      .description(DESCRIPTIONS[mode])
      .argument('[logits]', mode === 'nll' ? 'log-probabilities file (logits with --log-softmax)' : 'logits file')
      .argument('[labels]', 'labels (targets) file')
      .option('-l, --logits <file>', 'predictions (for nll: log-probabilities)')
      .option('-y, --labels <file>', 'targets (alias --targets)')
      .addOption(new Option('--targets <file>').hideHelp())
      .option('--reduction <mean|sum|none>', 'reduction (default: mean)')
      .option('--weight <file|list>', 'class weights, size C (cross-entropy, nll); bce-logits: broadcast to the logits')
      .option('--pos-weight <file|list>', 'bce-logits: weight of positives, broadcast along the last dim')
      .option('--ignore-index <int>', 'target value that is ignored (default: -100)')
      .option('--label-smoothing <x>', 'cross-entropy: 0 <= x <= 1 (default: 0)')
      .option('--log-softmax', 'nll: apply log_softmax first')
      .option('--expect <x>', 'fail (exit 1) unless |loss - x| <= atol + rtol*|x|')
      .option('--reference <file>', 'fail (exit 1) unless the loss is allclose to this dump')
      .option('--rtol <x>', 'relative tolerance (default: 1e-5)')
      .option('--atol <x>', 'absolute tolerance (default: 1e-8)')
      .option('--json', 'one JSON object on stdout')
      .option('--no-color', 'no colour, even on a terminal')
      .addHelpText('after', EXAMPLES[mode])
      .action((logits: string | undefined, labels: string | undefined, raw: Parsed['raw']) => {
        onParsed({ mode, positional: [logits, labels].filter((a): a is string => a !== undefined), raw });
      });
    for (const [alias, target] of Object.entries(MODE_ALIASES)) if (target === mode) cmd.alias(alias);
  }
  return prog;
}

export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  let parsed: Parsed | undefined;
  try {
    const prog = program(io, (p) => (parsed = p));
    if (argv.length === 0) {
      io.stderr.write(prog.helpInformation());
      return 2;
    }
    await prog.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const clean = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(e.code);
      return clean ? 0 : 2;
    }
    return fail(e, io, {});
  }
  if (!parsed) return 2;
  const sources: Partial<Record<Operand, string>> = {};
  try {
    const opts = parseOptions(parsed.mode, parsed.positional, parsed.raw);
    return await execute(opts, io, sources, colourLevel(parsed.raw.color !== false, io));
  } catch (e) {
    return fail(e, io, sources);
  }
}

async function execute(opts: Options, io: Io, sources: Partial<Record<Operand, string>>, colour: boolean): Promise<number> {
  const load = async (operand: Operand, spec: string | undefined, listOk: boolean): Promise<Tensor | undefined> => {
    if (spec === undefined) return undefined;
    const list = listOk ? parseList(spec) : undefined;
    sources[operand] = list ? `--${operand}` : spec;
    if (list) return { data: list, shape: [list.length], dtype: 'float64' };
    try {
      return await readTensor(spec);
    } catch (e) {
      throw e instanceof InputError && !e.source ? e.withSource(spec) : e;
    }
  };
  const logits = (await load('logits', opts.logits, false))!;
  const labels = (await load('labels', opts.labels, false))!;
  const inputs = {
    logits,
    labels,
    weight: await load('weight', opts.weight, true),
    posWeight: await load('pos-weight', opts.posWeight, true),
    reference: await load('reference', opts.reference, false),
  };
  const outcome = evaluate(inputs, opts);
  for (const w of outcome.warnings) io.stderr.write(`losscalc: warning: ${w}\n`);
  if (opts.json) {
    io.stdout.write(renderJson(outcome, { logits: logits.shape, labels: labels.shape }));
  } else {
    io.stdout.write(renderHuman(outcome, logits, labels, paint(colour)));
  }
  return outcome.ok ? 0 : 1;
}

/** One line on stderr and the exit code; never a stack trace. */
function fail(e: unknown, io: Io, sources: Partial<Record<Operand, string>>): number {
  if (e instanceof InputError) {
    const source = e.source ?? (e.operand ? sources[e.operand] : undefined);
    io.stderr.write(`losscalc: ${source ? `${source}: ` : ''}${e.message}\n`);
    return 2;
  }
  if (e instanceof UsageError) {
    io.stderr.write(`losscalc: ${e.message}\n`);
    return 2;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.stderr.write(`losscalc: internal error: ${message} (please report it with the command and its input files)\n`);
  return 3;
}

/** --no-color wins; then NO_COLOR, then FORCE_COLOR; else colour only on a terminal. */
function colourLevel(flag: boolean, io: Io): boolean {
  if (!flag) return false;
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR !== undefined) return io.env.FORCE_COLOR !== '0' && io.env.FORCE_COLOR !== 'false';
  return io.isTTY;
}

function paint(colour: boolean): Paint {
  const c = new Chalk({ level: colour ? 1 : 0 });
  return { ok: c.green, bad: c.red, dim: c.dim, bold: c.bold };
}
