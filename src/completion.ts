/**
 * `losscalc completion bash|zsh`: a completion script for the shell, made from the commander
 * program itself, so that every mode, alias and option (and what an option takes) is offered
 * as the CLI defines it. An option's value is completed from its placeholder:
 *   <mean|sum|none>  the words themselves (a choice)
 *   <format>         the input formats
 *   <file>, <file|list>, <file.html>, and the operands: file names
 *   anything else (<k>, <x>, <name|index>): nothing, the user types it
 */
import type { Command, Option } from 'commander';
import { FORMATS } from './io/extensions.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** What an option's value completes to: file names, these words, or nothing. */
type Values = 'files' | readonly string[] | undefined;

interface OptionSpec {
  names: string[];
  description: string;
  values: Values | null; // null: the option takes no value
}

interface CommandSpec {
  names: string[]; // the name, then its aliases
  description: string;
  options: OptionSpec[];
  operands: Values;
}

/** Placeholders that name a kind of value rather than list the values. */
const NOUNS = new Set(['file', 'list', 'name', 'index', 'int', 'n', 'k', 'x', 'd', 'char', 'a,b']);

/** Placeholders whose values are known. */
const KNOWN: Record<string, readonly string[]> = { format: FORMATS, shell: SHELLS };

function valuesOf(option: Option): Values | null {
  const placeholder = /<([^>]*)>|\[([^\]]*)\]/.exec(option.flags);
  if (!placeholder) return null;
  const words = (placeholder[1] ?? placeholder[2]).split('|');
  // <file>, <file|list>, <file.html>
  if (words.some((w) => /^file\b/.test(w))) return 'files';
  if (words.length === 1 && Object.hasOwn(KNOWN, words[0])) return KNOWN[words[0]];
  return words.length > 1 && words.every((w) => !NOUNS.has(w)) ? words : undefined;
}

/** What a command's operands complete to: the values of a known placeholder (a shell), else file names. */
function operandsOf(cmd: Command): Values {
  const first = cmd.registeredArguments[0]?.name();
  return first !== undefined && Object.hasOwn(KNOWN, first) ? KNOWN[first] : 'files';
}

function commandSpecs(program: Command): CommandSpec[] {
  return program.commands.map((cmd) => ({
    names: [cmd.name(), ...cmd.aliases()],
    description: cmd.description(),
    options: [
      ...cmd.options
        .filter((o) => !o.hidden)
        .map((o) => ({ names: [o.long, o.short].filter((n): n is string => n !== undefined), description: o.description, values: valuesOf(o) })),
      { names: ['--help', '-h'], description: 'display help for command', values: null },
    ],
    operands: operandsOf(cmd),
  }));
}

export function completionScript(shell: Shell, program: Command): string {
  const commands = commandSpecs(program);
  return shell === 'bash' ? bashScript(commands) : zshScript(commands);
}

/** A word list for the shell, in single quotes (the words hold no quote). */
const words = (list: readonly string[]) => `'${list.join(' ')}'`;

function bashScript(commands: CommandSpec[]): string {
  const modeCases = commands
    .map((c) => {
      const takes = (pick: (v: Values | null) => boolean) => c.options.filter((o) => pick(o.values)).flatMap((o) => o.names);
      const choices = c.options
        .filter((o) => Array.isArray(o.values))
        .map((o) => `        ${o.names.join('|')}) COMPREPLY=($(compgen -W ${words(o.values as string[])} -- "$cur")); return ;;`);
      return [
        `    ${c.names.join('|')})`,
        `      opts=${words(c.options.flatMap((o) => o.names))}`,
        `      operands=${c.operands === 'files' ? "''" : words(c.operands ?? [])}`,
        `      files=${words(takes((v) => v === 'files'))}`,
        `      typed=${words(takes((v) => v === undefined))}`,
        `      case "$prev" in`,
        ...choices,
        `      esac`,
        `      ;;`,
      ].join('\n');
    })
    .join('\n');
  return `# losscalc completion for bash. Load it now:  source <(losscalc completion bash)
# or for every shell:  losscalc completion bash > ~/.local/share/bash-completion/completions/losscalc
_losscalc() {
  local cur="\${COMP_WORDS[COMP_CWORD]-}" prev=''
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]-}"
  local opts='' files='' typed='' operands=''
  COMPREPLY=()
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W ${words([...commands.flatMap((c) => c.names), '--help', '--version'])} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]-}" in
${modeCases}
    *) return ;;
  esac
  if [[ " $files " == *" $prev "* ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ " $typed " == *" $prev "* ]]; then
    COMPREPLY=()
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$operands" ]]; then
    COMPREPLY=($(compgen -W "$operands" -- "$cur"))
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -o bashdefault -F _losscalc losscalc
`;
}

/** A description inside zsh's _arguments spec and _describe list: brackets and colons escaped. */
const zshText = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/([[\]:])/g, '\\$1');

function zshScript(commands: CommandSpec[]): string {
  const describe = commands.flatMap((c) => c.names.map((n) => `    '${n}:${zshText(c.description)}'`)).join('\n');
  const modeCases = commands
    .map((c) => {
      const specs = c.options.map((o) => {
        const value = o.values === null ? '' : o.values === 'files' ? `:file:_files` : Array.isArray(o.values) ? `:value:(${o.values.join(' ')})` : ':value: ';
        const names = o.names.length > 1 ? `{${o.names.join(',')}}` : o.names[0];
        // an option given again (shards, --topk) is allowed: * in front
        return `      '*'${names}'[${zshText(o.description)}]${value}'`;
      });
      const operands = c.operands === 'files' ? `'*:file:_files'` : `'1:value:(${(c.operands ?? []).join(' ')})'`;
      return [`    ${c.names.join('|')})`, `      _arguments -s \\`, ...specs.map((s) => `${s} \\`), `      ${operands}`, `      ;;`].join('\n');
    })
    .join('\n');
  return `#compdef losscalc
# losscalc completion for zsh. Load it now (once compinit has run, as in most ~/.zshrc):
#   source <(losscalc completion zsh)
# or for every shell: save it as _losscalc in a folder of your $fpath, then run compinit.
_losscalc() {
  local -a modes
  modes=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'mode' modes
    return
  fi
  # the mode's options and operands, as if it were the command
  local mode=$words[2]
  shift words
  (( CURRENT-- ))
  case $mode in
${modeCases}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _losscalc "$@"
elif (( $+functions[compdef] )); then
  compdef _losscalc losscalc
else
  print -u2 'losscalc completion: run compinit first (autoload -U compinit && compinit), then source this again'
fi
`;
}
