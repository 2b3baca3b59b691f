/**
 * `losscalc completion bash|zsh`: the bash script is sourced in a real bash, which is then
 * asked for completions as it would be at a prompt (COMP_WORDS, COMP_CWORD, the function the
 * script registered with `complete`); the zsh script is loaded by zsh when zsh is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'losscalc.cjs');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = (shell: string) => spawnSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8' });
const bashScript = join(dir, 'losscalc.bash');
writeFileSync(bashScript, script('bash').stdout);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** What bash completes the last of `words` to (the command line split as bash does), run in `cwd`. */
function complete(words: string[], cwd = ROOT): string[] {
  const line = words.map((w) => `'${w}'`).join(' ');
  const program = `source '${bashScript}'
COMP_WORDS=(${line}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
fn=$(complete -p losscalc | sed -E 's/.* -F ([^ ]+) .*/\\1/')
$fn
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** The long options `losscalc <mode> --help` lists. */
function helpOptions(mode: string): string[] {
  const help = spawnSync(process.execPath, [BIN, mode, '--help'], { encoding: 'utf8' }).stdout;
  return [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]))].sort();
}

describe('bash completion', () => {
  it('registers a function for losscalc', () => {
    const r = spawnSync('bash', ['--norc', '-c', `source '${bashScript}'; complete -p losscalc`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/-F _losscalc losscalc/);
  });

  it('modes, aliases and commands first', () => {
    expect(complete(['losscalc', 'c'])).toEqual(['ce', 'check', 'compare', 'completion', 'cross-entropy', 'cross_entropy']);
    expect(complete(['losscalc', 'C'])).toEqual(['CrossEntropyLoss']);
    expect(complete(['losscalc', 'bce'])).toEqual(['bce', 'bce-logits', 'bce-probs']);
  });

  it("every option of a mode's --help, for each mode and alias", () => {
    for (const mode of ['ce', 'cross-entropy', 'nll', 'bce-logits', 'binary-cross-entropy', 'gather', 'check', 'compare', 'merge']) {
      const offered = complete(['losscalc', mode, '--']);
      expect(offered.filter((o) => o.startsWith('--')), mode).toEqual(helpOptions(mode));
    }
    expect(complete(['losscalc', 'ce', '--red'])).toEqual(['--reduction']);
    // only the flags that apply to the mode
    expect(complete(['losscalc', 'gather', '--wei'])).toEqual([]);
    expect(complete(['losscalc', 'ce', '--wei'])).toEqual(['--weight']);
    expect(complete(['losscalc', 'check', '--met'])).toEqual([]);
  });

  it("an option's values: choices, formats, shells; nothing for a number", () => {
    expect(complete(['losscalc', 'ce', 'x.npy', '--reduction', ''])).toEqual(['mean', 'none', 'sum']);
    expect(complete(['losscalc', 'nll', '--reduction', 's'])).toEqual(['sum']);
    expect(complete(['losscalc', 'ce', '--input', 'l'])).toEqual(['log-probs', 'logits']);
    expect(complete(['losscalc', 'ce', '--format', 'j'])).toEqual(['json', 'jsonl']);
    expect(complete(['losscalc', 'compare', '--format', 'n'])).toEqual(['npy', 'npz']);
    expect(complete(['losscalc', 'completion', ''])).toEqual(['bash', 'zsh']);
    expect(complete(['losscalc', 'ce', '--top', ''])).toEqual([]);
    expect(complete(['losscalc', 'ce', '-j', ''])).toEqual([]);
  });

  it('file names for operands and file options', () => {
    const files = join(dir, 'files');
    spawnSync('mkdir', ['-p', join(files, 'shards')]);
    for (const f of ['logits.npy', 'labels.npy', 'weights.csv', 'my logits.npy']) writeFileSync(join(files, f), '');
    expect(complete(['losscalc', 'ce', 'l'], files)).toEqual(['labels.npy', 'logits.npy']);
    expect(complete(['losscalc', 'ce', 'logits.npy', '--weight', 'w'], files)).toEqual(['weights.csv']);
    expect(complete(['losscalc', 'merge', 'sh'], files)).toEqual(['shards']);
    expect(complete(['losscalc', 'ce', '--save-per-sample', 'lo'], files)).toEqual(['logits.npy']);
    // a name with a space is one completion; --report takes a file too
    expect(complete(['losscalc', 'ce', 'my'], files)).toEqual(['my logits.npy']);
    expect(complete(['losscalc', 'ce', '--report', 'my'], files)).toEqual(['my logits.npy']);
  });
});

describe('bash completion under set -u', () => {
  it('an empty or short command line is no error', () => {
    const r = spawnSync('bash', ['--norc', '-c', `set -u; source '${bashScript}'; COMP_WORDS=(); COMP_CWORD=0; _losscalc; COMP_WORDS=(losscalc); COMP_CWORD=1; _losscalc; echo ok`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok\n');
  });
});

describe('zsh completion', () => {
  it.skipIf(!has('zsh'))('loads in zsh and defines _losscalc for losscalc', () => {
    const zshScript = join(dir, '_losscalc');
    writeFileSync(zshScript, script('zsh').stdout);
    const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D && source '${zshScript}' && whence -w _losscalc && print -r -- $_comps[losscalc]`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('_losscalc: function\n_losscalc\n');
    expect(spawnSync('zsh', ['-n', zshScript]).status).toBe(0);
  });

  it.skipIf(!has('zsh'))('sourced before compinit, it says what to run instead of failing on compdef', () => {
    const zshScript = join(dir, '_losscalc_early');
    writeFileSync(zshScript, script('zsh').stdout);
    const r = spawnSync('zsh', ['-f', '-c', `source '${zshScript}'; print rc=$?`], { encoding: 'utf8' });
    expect(r.stdout).toBe('rc=0\n');
    expect(r.stderr).toBe('losscalc completion: run compinit first (autoload -U compinit && compinit), then source this again\n');
  });
});

describe('losscalc completion', () => {
  it('an unknown shell is exit 2 with one line', () => {
    const r = script('fish');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("losscalc: completion: unknown shell 'fish': bash or zsh\n");
  });
});
