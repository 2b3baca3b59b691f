/**
 * --report or --save-per-sample onto one of the run's own inputs (logits, labels, weight,
 * pos-weight, reference, class-names) would overwrite what is being read, and two outputs onto
 * one file would leave only the last (or, into one pipe, send it twice): both are refused before
 * anything is read. A file is the same file when its device and inode are, so another name for
 * it (a symbolic or hard link, `./x`, `dir/../x`, `/dev/stdout` and `/dev/fd/1`) is caught too,
 * and an input read from standard input is the file or pipe that standard input is.
 */
import { fstatSync, statSync, type Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { locate } from '../io/read.js';
import type { Options } from '../options.js';

export async function refuseSavingOverInput(opts: Options): Promise<void> {
  const outputs = [...opts.savePerSample.map((path) => ['--save-per-sample', path]), ...(opts.report === undefined ? [] : [['--report', opts.report]])];
  // a new file names nothing yet; a FIFO or device (/dev/null, /dev/stdout) is written directly
  const targets = outputs.flatMap(([flag, path]) => {
    const target = stat(path);
    return target ? [{ flag, path, target }] : [];
  });
  if (targets.length === 0) return;
  const inputs: [string, readonly string[]][] = [
    ['logits', opts.logits],
    ['labels', opts.labels],
    ['weight', opts.weight === undefined ? [] : [opts.weight]],
    ['pos-weight', opts.posWeight === undefined ? [] : [opts.posWeight]],
    ['reference', opts.reference === undefined ? [] : [opts.reference]],
  ];
  const files: [string, Stats | undefined][] = [];
  for (const [operand, specs] of inputs) {
    for (const spec of specs) {
      const at = await locate(spec);
      // standard input is the file (or pipe) it was given; inline numbers name no file
      files.push([operand, at.stdin ? fstat(0) : stat(at.path)]);
    }
  }
  if (opts.classNames !== undefined) files.push(['class-names', stat(opts.classNames)]);
  // only a regular file is overwritten: a pipe read and another written are both stdin's and stdout's at most
  for (const { flag, path, target } of targets.filter((t) => t.target.isFile())) {
    for (const [operand, input] of files) {
      if (input && same(input, target)) throw new UsageError(`${flag} ${path} is an input of this run (${operand}): name another file`);
    }
  }
  targets.forEach((a, i) => {
    const b = targets.slice(0, i).find((b) => same(a.target, b.target));
    if (b) throw new UsageError(`${a.flag} ${a.path} is the file ${b.flag} ${b.path} writes: name another file`);
  });
}

const same = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/** The file's stat, or undefined when there is none to stat (reading reports any other failure). */
function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function fstat(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}
