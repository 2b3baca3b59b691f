/**
 * Class names come from the user's files (--class-names, a CSV header): the terminal's
 * per-class table shows their control characters as escapes, never sends them (an escape
 * sequence could clear the screen or recolour it; a line break would split the table).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'losscalc-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile class names in the terminal', () => {
  it('escape sequences, bells and line breaks are shown as escapes', async () => {
    const names = join(dir, 'names.json');
    // the example's labels are classes 1 to 4
    writeFileSync(names, JSON.stringify(['a', 'line\nbreak', 'c', 'd', '\u001b[2J\u001b[31mEVIL\u0007']));
    const example = join(FIXTURES, 'example');
    const r = await runCli(['ce', join(example, 'logits.csv'), join(example, 'labels.csv'), '--per-sample', '--class-names', names]);
    expect(r.code, r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout.match(/[\u0000-\u0009\u000b-\u001f\u007f]/g)).toBeNull();
    expect(r.stdout).toContain('\\x1b[2J\\x1b[31mEVIL\\x07');
    expect(r.stdout).toContain('line\\nbreak');
  });

  it('characters that reorder or break text (bidi controls, line separators) are shown as escapes', async () => {
    const names = join(dir, 'bidi.json');
    writeFileSync(names, JSON.stringify(['a', 'x\u202egnp.exe', 'nel\u2028ls', 'd', 'e']));
    const example = join(FIXTURES, 'example');
    const r = await runCli(['ce', join(example, 'logits.csv'), join(example, 'labels.csv'), '--per-sample', '--class-names', names]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[\u202e\u2028]/);
    expect(r.stdout).toContain('x\\u202egnp.exe');
    expect(r.stdout).toContain('nel\\u2028ls');
  });
});

describe('hostile names in --markdown', () => {
  it("a part's file name with <!-- or <x> is written as text, never as HTML that would hide the summary", async () => {
    const example = join(FIXTURES, 'example');
    const part = join(dir, 'a<!--<details>.json');
    const failed = await runCli(['ce', join(example, 'logits.csv'), join(example, 'labels.csv'), '--json', '--expect', '1']);
    writeFileSync(part, failed.stdout);
    const r = await runCli(['merge', part, '--markdown']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('<!--');
    expect(r.stdout).not.toContain('<details>');
    expect(r.stdout).toContain('a&lt;!--&lt;details&gt;.json');
  });
});

describe('--class-names, one a line', () => {
  const example = join(FIXTURES, 'example');
  const run = (text: string) => {
    const names = join(dir, `lines-${text.length}.txt`);
    writeFileSync(names, text);
    return runCli(['ce', join(example, 'logits.csv'), join(example, 'labels.csv'), '--per-sample', '--class-names', names]).then((r) => ({ ...r, names }));
  };
  it('empty lines at the end are an editor\'s newlines, not names', async () => {
    const r = await run('a\nb\nc\nd\ne\n\n\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\s+4\s+e\s+3\s/m);
  });
  it('an empty line before a name is refused, naming the line', async () => {
    const r = await run('a\n\nc\nd\ne\n');
    expect([r.code, r.stderr]).toEqual([2, `losscalc: ${r.names}: line 2 is empty: one class name a line (a JSON list can hold an empty name)\n`]);
  });
});
