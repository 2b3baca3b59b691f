/**
 * Bugs the fuzzer found (test/fuzz.test.ts), each with a minimal input in test/fuzz/repro/,
 * kept as regression tests: every input must end in an InputError whose message is one line
 * without control characters (or, for a hang, end at all). While a bug is open its test is
 * `it.fails` and test/fuzz/known.ts lists it, so that the fuzz run reports it without failing;
 * once it is fixed the `it.fails` test fails: make it a plain `it` and drop it from known.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { formatOfPath, parseInput } from '../../src/io/format.js';
import { openNpyFile } from '../../src/io/npy-file.js';
import { parseBounded } from './bounded.js';

const REPRO = fileURLToPath(new URL('./repro/', import.meta.url));

/** What `run` throws must be an InputError naming `source` with a clean one-line message. */
function expectCleanInputError(run: () => unknown, source: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof InputError)) {
    throw new Error(`expected an InputError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message.slice(0, 200)}` : String(thrown)}`);
  }
  expect(thrown.source).toBe(source);
  expect(thrown.message.trim()).not.toBe('');
  expect(thrown.message, 'one line, no control characters').not.toMatch(/[\x00-\x08\x0a-\x1f]/);
}

/** The repro file through parseInput (format by extension, as the CLI reads it) and, for NPY, the streaming reader. */
function expectRejected(name: string): void {
  const path = REPRO + name;
  expectCleanInputError(() => parseInput(readFileSync(path), name, { format: formatOfPath(name) }), name);
  if (name.endsWith('.npy')) expectCleanInputError(() => openNpyFile(path), path);
}

describe('fuzz findings (test/fuzz/repro)', () => {
  // Bug: py-literal.ts parses the NPY header dict recursively, so a header nested ~30000 deep
  // (here 30000 unclosed '[' in a 30 KB file) overflows the stack: RangeError "Maximum call
  // stack size exceeded" instead of an InputError (exit 3, not 2). Also through .npz entries
  // and the streaming reader. A depth limit (numpy headers nest 3 deep) or an iterative parser fixes it.
  it('npy-deep-nesting.npy: a deeply nested NPY header is an input error, not a stack overflow', () => {
    expectRejected('npy-deep-nesting.npy');
  });

  // Bug: npy.ts quotes header strings raw (pyRepr, the descr in 'unsupported dtype'), and
  // py-literal.ts turns a backslash-newline inside a string into a newline: the message spans
  // two lines ("unsupported dtype '<f8\nx' in header field 'descr' ...").
  it("npy-descr-newline.npy: an NPY header string with a newline gives a one-line message", () => {
    expectRejected('npy-descr-newline.npy');
  });

  // Bug: the same raw quoting lets ESC sequences from a header key through ("unexpected key
  // '\x1b[2J\x1b[31mred'" clears the terminal); a raw '\r' in a key ('shape\r') overwrites the line.
  it('npy-key-escape.npy: control characters in an NPY header key are escaped in the message', () => {
    expectRejected('npy-key-escape.npy');
  });

  // Bug: safetensors.ts passes V8's JSON.parse message through, and V8 quotes the header text
  // raw: `{"a":\n x}` gives "... Unexpected token 'x', "{"a":\n x}" is not valid JSON" on two lines.
  it('st-json-error-newline.safetensors: a malformed safetensors header gives a one-line message', () => {
    expectRejected('st-json-error-newline.safetensors');
  });

  // Bug: the same, with the header's control characters (here ESC[31m) copied into the message.
  it('st-json-error-escape.safetensors: control characters in a malformed safetensors header are not copied raw', () => {
    expectRejected('st-json-error-escape.safetensors');
  });

  // Bug: safetensors.ts quotes a bad field with JSON.stringify(value), which recurses: a shape
  // nested 50000 deep (valid JSON, parsed fine by JSON.parse) overflows the stack in the error
  // message itself (RangeError from `field`; likewise for '__metadata__' and a non-object entry).
  it('st-deep-shape.safetensors: a deeply nested safetensors field is an input error, not a stack overflow', () => {
    expectRejected('st-deep-shape.safetensors');
  });

  // Bug (minor): JSON nesting depth is unbounded. An object 100000 arrays deep in a 200 KB file
  // gives "[0][0]...[0]: an object is not a number", a 300 KB line (a million deep: 3 MB); and
  // reading arrays a million deep takes about 2 s for 2 MB, valid or not (about 2 us a level).
  // PyTorch tensors have at most 64 dims: refusing deeper nesting early fixes both. Other long
  // messages the fuzzer reports as notes: shapes of thousands of dims, nested NPY header values
  // (pyRepr), safetensors fields (JSON.stringify), npz entry names, long JSON keys in "the keys
  // are ...", table headers in "the columns are ...".
  it('json-deep-path.json: an error deep in a JSON array names its place in a readable line', () => {
    const name = 'json-deep-path.json';
    let thrown: unknown;
    try {
      parseInput(readFileSync(REPRO + name), name, { format: 'json' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InputError);
    const message = (thrown as InputError).message;
    expect(message.length, message.slice(0, 100)).toBeLessThanOrEqual(1000);
  });

  // Bug: npz.ts trusts fflate, and fflate's unzipSync takes the entry count of a zip64 end
  // record (up to 2**32 - 1) as is, reading entries past the end of the data as all zeros,
  // which pass checkEntry. This 332-byte archive claims 4294967295 entries (its one central
  // entry's comment runs past the end): about 0.37 us each, half an hour per unzip, twice.
  // Count the entries the central directory can hold (46 bytes each) before unzipping.
  it('zip64-entry-count.npz: an archive claiming more entries than it can hold is rejected at once', async () => {
    const r = await parseBounded(REPRO + 'zip64-entry-count.npz', { format: 'npz', key: 'arr_0' }, 3000);
    expect(['input-error', 'tensor'], `${r.kind}: ${'message' in r ? r.message : ''}`).toContain(r.kind);
  }, 30000);
});
