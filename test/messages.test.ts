/**
 * What reaches stderr stays readable: every message is one line whatever the file names hold
 * (newlines and escape sequences are shown escaped), and on a terminal the progress bar is
 * cleared before a warning or an error is printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { streaming } from '../src/io/npy-file.js';
import { encodeNpy } from '../src/io/npy.js';
import { Stderr } from '../src/report/stderr.js';
import { FIXTURES } from './helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'losscalc.cjs');
const LABELS = join(FIXTURES, 'example', 'labels.csv');
const dir = mkdtempSync(join(tmpdir(), 'losscalc-messages-'));

function losscalc(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('control characters in file names are escaped, so a message stays one line', () => {
  // a newline, and ESC [31m (red on a terminal)
  const name = 'bad\nname\x1b[31m.csv';
  const shown = 'bad\\nname\\x1b[31m.csv';
  writeFileSync(join(dir, name), '1,2,3\n4,abc,6\n');
  const cases: [string, string[], string][] = [
    ['an error in the file', ['ce', name, LABELS], `losscalc: ${shown}: line 2, column 2: "abc" is not a number\n`],
    ['a missing file', ['ce', `no${name}`, LABELS], `losscalc: no${shown}: no such file\n`],
    ['a file that cannot be written', ['ce', join(FIXTURES, 'example', 'logits.csv'), LABELS, '--save-per-sample', `no-dir\x1b]0;title\x07/${name}`], `losscalc: no-dir\\x1b]0;title\\x07/${shown}: cannot write: no such directory\n`],
    ['an unknown option', ['ce', name, LABELS, '--\x1b[2Jx'], "losscalc: unknown option '--\\x1b[2Jx' (see losscalc cross-entropy --help)\n"],
  ];
  for (const [what, args, line] of cases) {
    it(what, () => {
      const r = losscalc(args);
      expect(r.stderr).toBe(line);
      expect(r.code).toBe(2);
    });
  }
  it('C1 control characters too (U+009B is a CSI on some terminals)', () => {
    const r = losscalc(['ce', 'x\u009b2J.csv', LABELS]);
    expect(r.stderr).toBe('losscalc: x\\x9b2J.csv: no such file\n');
  });
});

/** The lines a terminal shows for `raw`: \r returns to the line's start, ESC[K erases to its end. */
function screen(raw: string): string[] {
  const lines: string[] = [];
  let line = '';
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw.startsWith('\x1b[K', i)) {
      line = line.slice(0, col);
      i += 2;
    } else if (raw[i] === '\r') {
      col = 0;
    } else if (raw[i] === '\n') {
      lines.push(line);
      [line, col] = ['', 0];
    } else {
      line = line.slice(0, col) + raw[i] + line.slice(col + 1);
      col++;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

describe('on a terminal the progress bar is cleared before a warning or an error', () => {
  const saved = streaming.blockBytes;
  afterEach(() => {
    streaming.blockBytes = saved;
  });
  const rows = 1000;
  const logits = (name: string, values: (i: number) => number) => {
    const path = join(dir, name);
    writeFileSync(path, encodeNpy({ data: Float64Array.from({ length: rows * 4 }, (_, i) => values(i)), shape: [rows, 4], dtype: 'float64' }));
    return path;
  };
  const labels = join(dir, 'labels.npy');
  writeFileSync(labels, encodeNpy({ data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i % 4)), shape: [rows], dtype: 'int64' }));

  /** A run on a fake terminal whose clock moves a second at each look, so that the bar is drawn at once. */
  async function onTerminal(argv: string[], tick: (t: number) => void = () => undefined) {
    streaming.blockBytes = 256; // many blocks: the bar moves while the logits are read
    let stderr = '';
    let t = 0;
    const code = await run(argv, {
      stdout: { write: () => undefined },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      isTTY: false,
      stderrIsTTY: true,
      clock: () => {
        t += 1000;
        tick(t);
        return t;
      },
    });
    return { code, stderr };
  }

  it('a warning starts its own line, and no bar is left on the screen', async () => {
    const x = logits('nan-logits.npy', (i) => (i === 4 * 700 ? NaN : Math.sin(i)));
    const r = await onTerminal(['ce', x, labels]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('% cross-entropy'); // the bar was drawn
    expect(screen(r.stderr)).toEqual([
      'losscalc: warning: 1 non-finite logits, first NaN at index (700, 0)',
      'losscalc: warning: 1 non-finite loss value(s), first NaN at index 700',
    ]);
  });
  it('an error while the bar is showing (the file shrank under the reader) starts its own line', async () => {
    const x = logits('shrinking.npy', Math.sin);
    const r = await onTerminal(['ce', x, labels], (t) => t === 4000 && truncateSync(x, 1000));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('% cross-entropy');
    const lines = screen(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^losscalc: ${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
  it('the bar shows a file name with control characters escaped', async () => {
    const x = logits('bar\nname.npy', Math.sin);
    const r = await onTerminal(['ce', x, labels]);
    expect(r.stderr).toContain('% cross-entropy ');
    expect(r.stderr).toContain('bar\\nname.npy');
    expect(r.stderr).not.toContain('\n');
  });
  it('Stderr: a message after a status line clears it; without a terminal there is no status line', () => {
    let tty = '';
    const s = new Stderr({ write: (x: string) => (tty += x) }, true);
    s.status('50%');
    s.message('warning: w');
    s.message('second');
    expect(tty).toBe('\r50%\x1b[K\r\x1b[Klosscalc: warning: w\nlosscalc: second\n');
    let pipe = '';
    const p = new Stderr({ write: (x: string) => (pipe += x) }, false);
    p.status('50%');
    p.message('warning: w');
    expect(pipe).toBe('losscalc: warning: w\n');
  });
});
