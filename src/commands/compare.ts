/** `losscalc compare <a> <b>`: exit 0 when every element is close, 1 otherwise. */
import { compareArrays } from '../compare.js';
import { streaming } from '../io/npy-file.js';
import type { CompareOptions } from '../options.js';
import { renderCompare, renderCompareJson } from '../report/compare.js';
import type { Paint } from '../report/paint.js';
import type { CommandIo, Loader } from './io.js';

export async function runCompare(opts: CompareOptions, io: CommandIo, load: Loader, paint: Paint): Promise<number> {
  // both read in blocks where their format allows, so that any size fits in memory
  const a = await load.open('a', [opts.a]);
  const b = await load.open('b', [opts.b]);
  for (const note of load.notes) io.stderr.message(`warning: ${note}`);
  // the median keeps at most four blocks' worth of float64 differences before it reads again
  const result = compareArrays(a, b, opts.tolerance, { medianValues: streaming.blockBytes / 2 });
  io.stdout.write(opts.json ? renderCompareJson(result) : renderCompare(result, opts, paint));
  return result.ok ? 0 : 1;
}
