/**
 * --save-per-sample onto one of the run's own inputs would overwrite what is being read: it is
 * refused before anything is read. A file is the same file when its device and inode are, so
 * another name for it (a link, `./x`, `dir/../x`) is caught too.
 */
import { statSync, type Stats } from 'node:fs';
import { UsageError } from '../errors.js';
import { locate } from '../io/read.js';
import type { Options } from '../options.js';

export async function refuseSavingOverInput(opts: Options): Promise<void> {
  if (opts.savePerSample === undefined) return;
  const target = stat(opts.savePerSample);
  // a new file, or a FIFO or device written directly (/dev/null, /dev/stdout): nothing is overwritten
  if (target === undefined || !target.isFile()) return;
  const inputs: [string, readonly string[]][] = [
    ['logits', opts.logits],
    ['labels', opts.labels],
    ['weight', opts.weight === undefined ? [] : [opts.weight]],
    ['pos-weight', opts.posWeight === undefined ? [] : [opts.posWeight]],
    ['reference', opts.reference === undefined ? [] : [opts.reference]],
  ];
  for (const [operand, specs] of inputs) {
    for (const spec of specs) {
      const at = await locate(spec);
      const input = at.stdin ? undefined : stat(at.path); // inline numbers name no file
      if (input && input.dev === target.dev && input.ino === target.ino) {
        throw new UsageError(`--save-per-sample ${opts.savePerSample} is an input of this run (${operand}): name another file`);
      }
    }
  }
}

/** The file's stat, or undefined when there is none to stat (reading reports any other failure). */
function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
