/**
 * The command line: the commander program, loading files, and exit codes. The only place
 * that decides an exit code; commands/ write the results.
 *   0 success, 1 a check / --expect / --reference / compare failed, 2 usage or input error
 *   (or output that could not be written), 3 internal error.
 */
import { Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import type { CommandIo, Io } from './commands/io.js';
import { loader } from './commands/loader.js';
import { runLoss } from './commands/loss.js';
import { InputError, oneLine, systemReason, UsageError, type Operand } from './errors.js';
import { FORMATS } from './io/format.js';
import { MODES, type Mode } from './modes.js';
import { endEarlyWorkers } from './early-workers.js';
import { FLAG_MODES, MODE_ALIASES, parseCompareOptions, parseMergeOptions, parseOptions, type RawOptions } from './options.js';
import { processOutput, streamOutput, type Output, type Sink } from './report/output.js';
import { paint, useColour } from './report/paint.js';
import { Stderr } from './report/stderr.js';
import { didYouMean } from './spelling.js';
import { DESCRIPTIONS, EXAMPLES, LOGITS_ARGUMENT } from './help.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { packageVersion } from './version.js';

export type { Io } from './commands/io.js';

const processIo = (): Io => ({
  stdout: processOutput(1, () => process.stdout),
  stderr: processOutput(2, () => process.stderr),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
});

const append = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

type Action = { command: Mode | 'compare' | 'merge' | 'completion'; positional: string[]; raw: RawOptions & { color?: boolean }; flags?: string[] };

/**
 * `--` ends the options: what follows is operands only, even `-x.npy`. Commander sees the
 * arguments before it; the rest are handed over as they are.
 */
function splitOperands(argv: string[]): { options: string[]; operands: string[] } {
  const end = argv.indexOf('--');
  return end < 1 ? { options: argv, operands: [] } : { options: argv.slice(0, end), operands: argv.slice(end + 1) };
}

/**
 * The program; `invoked` (the first argument) lets it build only that command when it names
 * one, which is most of start-up's work (a loss run starts in ~50 ms over bare Node). Help,
 * suggestions and errors for anything else see every command.
 */
function program(io: CommandIo, onAction: (a: Action) => void, invoked?: string): Command {
  const named = invoked === undefined ? undefined : (MODE_ALIASES[invoked] ?? invoked);
  const wanted = (name: string) => named === undefined || !COMMANDS.includes(named) || named === name;
  // the version (read from package.json) is for the program's own options, not a command's run
  const prog = new Command('losscalc')
    .description("PyTorch's losses from the command line, on torch.save, NPY, NPZ, safetensors, CSV and JSON files")
    .usage('<mode> [logits] [labels] [options]')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // one line: commander's "(Did you mean ...?)" hint joins the message
      outputError: (s) =>
        io.stderr.message(
          s
            .replace(/^error: /, '')
            .replace(/^unknown command/, 'unknown mode')
            .replace('(Did you mean', '(did you mean')
            .trim()
            .replace(/\s*\n\s*/g, ' '),
        ),
    })
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `\nModes: ${MODES.join(', ')}, compare, merge, completion (aliases: ${Object.keys(MODE_ALIASES).join(', ')}). 'losscalc <mode> --help' shows a mode's options.`,
    );
  const collect = (command: Action['command']) => (...args: unknown[]) => {
    const raw = args[args.length - 2] as Action['raw'];
    // every operand, also the ones past the declared arguments (parseOptions judges them)
    const cmd = args[args.length - 1] as Command;
    const flags = [...cmd.options.flatMap((o) => (o.long ? [o.long] : [])), '--help'];
    onAction({ command, positional: cmd.args, raw, flags });
  };
  const tolerances = (cmd: Command) =>
    cmd
      .option('--format <format>', `input format of stdin (-) and of files without a known extension: ${FORMATS.join(', ')}`)
      .option('--delimiter <char>', "CSV field separator (default ',', '\\t' for .tsv)")
      .option('--header', 'the first row of every CSV/TSV input is a header (default: guessed, see README)')
      .option('--no-header', 'the first row of every CSV/TSV input is data')
      .option('--rtol <x>', 'relative tolerance (default: 1e-5)')
      .option('--atol <x>', 'absolute tolerance (default: 1e-8)')
      .option('--json', 'one JSON object on stdout')
      .option('--no-color', 'no colour, even on a terminal');

  if (named === undefined || !COMMANDS.includes(named)) prog.version(packageVersion());
  for (const mode of MODES.filter(wanted)) {
    const cmd = prog
      .command(mode)
      .description(DESCRIPTIONS[mode])
      .argument('[logits]', LOGITS_ARGUMENT[mode] ?? 'logits file')
      .argument('[labels]', 'labels (targets) file; without it, found by name in the logits file')
      .option('-l, --logits <file>', 'predictions (for nll: log-probabilities); repeat for shards', append)
      .option('-y, --labels <file>', 'targets (alias --targets); repeat for shards', append)
      .addOption(new Option('--targets <file>').hideHelp().argParser(append))
      .option('--label-column <name|index>', 'labels from this column of the logits CSV (no labels file then)')
      .option('--drop-columns <a,b>', 'with --label-column: columns to leave out, such as ids')
      .option('--reduction <mean|sum|none>', 'reduction (default: mean)')
      .option('--weight <file|list>', 'class weights, size C (cross-entropy, nll); bce-logits, binary-cross-entropy: broadcast to the input')
      .option('--pos-weight <file|list>', 'bce-logits: weight of positives, broadcast along the last dim')
      .option('--ignore-index <int>', 'target value that is ignored (default: -100)')
      .option('--label-smoothing <x>', 'cross-entropy: 0 <= x <= 1 (default: 0)')
      .option('--log-softmax', 'nll: apply log_softmax first')
      .option('--shift', "a causal LM's loss: logits[..., :-1, :] against labels[..., 1:], as Hugging Face's outputs.loss (the vocabulary in the last dim)")
      .option('--class-dim <d>', 'the logits\' class dim (default: 1, as PyTorch; -1 for (B, T, V) logits with (B, T) labels)')
      .option('--input <logits|probs|log-probs>', 'cross-entropy, check: what the predictions hold (default: logits)')
      .option('--expect <x>', 'fail (exit 1) unless |loss - x| <= atol + rtol*|x|')
      .option('--reference <file>', 'fail (exit 1) unless the loss is allclose to this dump')
      .option('--per-sample', 'worst samples, per-class table and a histogram of the losses')
      .option('--top <k>', 'how many worst samples (default: 10); turns --per-sample on')
      .option('--save-per-sample <file>', 'write the unreduced losses to .npy (alone), .csv, .json or .npz (with label, predicted, p_label); repeatable, a file each', append)
      .option('--id-column <name|index>', 'sample ids from this column of the logits CSV (left out of the logits), written by --save-per-sample .csv/.json')
      .option('--classes <k>', 'rows of the per-class table: the k classes with the highest mean loss (default: 20)')
      .option('--class-names <file>', 'class names for the per-class table and --json perClass: one a line, or a JSON list')
      .option('-q, --quiet', 'print only the loss, a bare number')
      .option('-j, --threads <n>', 'threads for large NPY and CSV inputs, at most the number of cores (default: every core for inputs that keep one thread 150 ms or more)')
      .option('--metrics', 'accuracy, top-k accuracy, perplexity, ECE/MCE, Brier score and entropy beside the loss (not check)')
      .option('--topk <k>', 'top-k accuracy for this k; repeatable (default: 5 when there are more than 5 classes); turns --metrics on', append)
      .option('--bins <n>', 'calibration bins for ECE/MCE, 1 to 1000 (default: 15); turns --metrics on')
      .option('--markdown', 'a Markdown summary (loss, metrics, checks) on stdout, for $GITHUB_STEP_SUMMARY');
    cmd.option('--report <file.html>', 'write a self-contained HTML report: the loss, metrics and checks with a PASS/FAIL banner, the inputs\' digests, and plots of the breakdown');
    // a flag that does not apply to the mode is not in its --help nor its completions (it is still
    // parsed, so that using it says what it applies to)
    for (const o of cmd.options) if (o.long !== undefined && FLAG_MODES[o.long]?.includes(mode) === false) o.hideHelp();
    // `-:key` (an array of an archive on stdin) looks like an option to commander: unknown
    // options reach parseOptions as arguments, which names any that is not a stdin key
    tolerances(cmd).allowUnknownOption().allowExcessArguments().addHelpText('after', EXAMPLES[mode]).action(collect(mode));
    for (const [alias, target] of Object.entries(MODE_ALIASES)) if (target === mode) cmd.alias(alias);
  }
  if (wanted('compare')) {
    tolerances(
      prog
        .command('compare')
        .description('compare two arrays elementwise (torch.allclose); exit 1 if any element differs')
        .argument('[a]', 'array file')
        .argument('[b]', 'reference array file')
        .option('--equal-nan', 'NaN equals NaN'),
    )
      .addHelpText('after', EXAMPLES.compare)
      .action(collect('compare'));
  }
  if (wanted('merge')) {
    prog
      .command('merge')
      .description('combine --json results computed per shard into the loss of the union')
      .argument('[results...]', 'losscalc --json outputs, one per shard; - reads them as JSON lines from stdin')
      .option('--json', 'one JSON object on stdout')
      .option('-q, --quiet', 'print only the loss')
      .option('--markdown', 'a Markdown summary (loss, metrics) on stdout, for $GITHUB_STEP_SUMMARY')
      .option('--expect <x>', 'fail (exit 1) unless |merged loss - x| <= atol + rtol*|x|')
      .option('--rtol <x>', 'relative tolerance of --expect (default: 1e-5)')
      .option('--atol <x>', 'absolute tolerance of --expect (default: 1e-8)')
      .option('--no-color', 'no colour, even on a terminal')
      .addHelpText('after', EXAMPLES.merge)
      .action((files: string[], raw: Action['raw']) => onAction({ command: 'merge', positional: files, raw }));
  }
  if (wanted('completion')) {
    prog
      .command('completion')
      .description(`print a completion script for ${SHELLS.join(' or ')} (modes, options and their values)`)
      .argument('<shell>', SHELLS.join(' or '))
      .addHelpText('after', EXAMPLES.completion)
      .action((shell: string) => onAction({ command: 'completion', positional: [shell], raw: {} }));
  }
  return prog;
}

const COMMANDS: readonly string[] = [...MODES, 'compare', 'merge', 'completion'];
/** What the first argument may be: a command, an alias, or commander's `help`. */
const NAMES: readonly string[] = [...COMMANDS, ...Object.keys(MODE_ALIASES), 'help'];

/**
 * Runs one command line and returns the exit code, once everything printed has been written:
 * output that could not be written (a full disk, /dev/full) is exit 2 with one line, whatever
 * the command's own code was; a reader that went away (a closed pipe) is not an error.
 */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const stdout = asOutput(io.stdout);
  const stderr = new Stderr(asOutput(io.stderr), io.stderrIsTTY); // its errors are never looked at: nowhere to say them
  const code = await runCommand(argv, { ...io, stdout, stderr });
  // workers started with the process for a run that turned out not to use them (help, an error)
  endEarlyWorkers();
  stderr.clearStatus();
  const failed = await stdout.settled();
  if (failed === undefined || (failed as NodeJS.ErrnoException).code === 'EPIPE' || code >= 2) return code;
  stderr.message(`stdout: ${systemReason(failed)}`);
  return 2;
}

/** An Output as it is; a Node stream wrapped to follow its errors; anything else trusted. */
function asOutput(sink: Sink | Output): Output {
  if ('settled' in sink) return sink;
  if (sink instanceof Writable) return streamOutput(sink);
  return { write: (s) => sink.write(s), settled: async () => undefined };
}

async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  let action: Action | undefined;
  const { options, operands } = splitOperands(argv);
  try {
    const prog = program(io, (a) => (action = a), argv[0]);
    if (argv.length === 0) {
      io.stderr.write(prog.helpInformation());
      return 2;
    }
    const mode = options[0];
    if (!mode.startsWith('-') && !NAMES.includes(mode)) throw new UsageError(`unknown mode '${mode}'${didYouMean(mode, NAMES)}`);
    await prog.parseAsync(options, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const clean = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(e.code);
      return clean ? 0 : 2;
    }
    return fail(e, io, {});
  }
  if (!action) return 2;
  const sources: Partial<Record<Operand, string>> = {};
  try {
    const colours = await paint(useColour(action.raw.color !== false, io.env, io.isTTY));
    if (action.command === 'completion') return await completion(action.positional[0], io);
    // compare and merge are loaded when used, so that a loss run starts with less to compile
    if (action.command === 'merge') {
      const { runMerge } = await import('./commands/merge.js');
      return await runMerge(parseMergeOptions([...action.positional, ...operands], action.raw), io, colours);
    }
    if (action.command === 'compare') {
      const { runCompare } = await import('./commands/compare.js');
      const compare = parseCompareOptions([...action.positional, ...operands], action.raw);
      return await runCompare(compare, io, loader(sources, compare.input, io.stdin), colours);
    }
    const opts = parseOptions(action.command, action.positional, action.raw, operands, action.flags);
    return await runLoss(opts, io, loader(sources, opts.input, io.stdin), colours);
  } catch (e) {
    return fail(e, io, sources);
  }
}

/** `losscalc completion <shell>`: the script, made from the whole program. */
async function completion(shell: string, io: CommandIo): Promise<number> {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion: unknown shell '${shell}': ${SHELLS.join(' or ')}`);
  io.stdout.write(completionScript(shell as Shell, program(io, () => undefined)));
  return 0;
}

/** One line on stderr and the exit code; never a stack trace. */
function fail(e: unknown, io: CommandIo, sources: Partial<Record<Operand, string>>): number {
  if (e instanceof InputError) {
    const source = e.source ?? (e.operand ? sources[e.operand] : undefined);
    io.stderr.message(`${source ? `${source}: ` : ''}${e.message}`);
    return 2;
  }
  if (e instanceof UsageError) {
    io.stderr.message(oneLine(e.message));
    return 2;
  }
  const message = oneLine((e instanceof Error ? e.message : String(e)).split('\n')[0]);
  io.stderr.message(`internal error: ${message} (please report it with the command and its input files)`);
  return 3;
}
