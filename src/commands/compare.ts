/** `losscalc compare <a> <b>`: exit 0 when every element is close, 1 otherwise. */
import { compareArrays } from '../compare.js';
import type { CompareOptions } from '../options.js';
import { renderCompare, renderCompareJson } from '../report/compare.js';
import type { Paint } from '../report/paint.js';
import type { CommandIo, Loader } from './io.js';

export async function runCompare(opts: CompareOptions, io: CommandIo, load: Loader, paint: Paint): Promise<number> {
  const a = (await load.read('a', opts.a))!;
  const b = (await load.read('b', opts.b))!;
  for (const note of load.notes) io.stderr.message(`warning: ${note}`);
  const result = compareArrays(a, b, opts.tolerance);
  io.stdout.write(opts.json ? renderCompareJson(result) : renderCompare(result, opts, paint));
  return result.ok ? 0 : 1;
}
