/**
 * What the per-sample outputs take beyond the losses: the class names of the per-class table
 * (--class-names, else the logits CSV's header) and the columns --save-per-sample writes
 * beside the loss (report/save-columns.ts).
 */
import type { Breakdown, PredictionKind } from '../breakdown.js';
import { namedClasses } from '../breakdown/per-class.js';
import { csvHeaderNames, readClassNames } from '../io/class-names.js';
import type { IdColumn } from '../io/id-column.js';
import type { Options } from '../options.js';
import type { SavedColumns } from '../report/save-columns.js';
import { classLayout } from '../tensor.js';
import type { Values } from '../values.js';

/** The classes a per-class row can be: the class dim's size, or for the binary losses the last dim's. */
function classCount(shape: readonly number[], binary: boolean, classDim: number | undefined): number {
  if (binary) return shape.length >= 2 ? shape[shape.length - 1] : 1;
  return classLayout([...shape], classDim).classes;
}

/**
 * The classes' names: --class-names (read and counted whenever it is given), else the header
 * of a logits CSV whose columns are the classes (`header`: the names a table reader found, or
 * undefined to look at the file's first row); undefined when none are known.
 */
export function classNames(opts: Options, shape: readonly number[], binary: boolean, header: string[] | undefined): string[] | undefined {
  const classes = classCount(shape, binary, opts.classDim);
  if (opts.classNames !== undefined) return readClassNames(opts.classNames, classes);
  // the CSV's columns are the class dim: dim 1 of 2-D logits (the last dim for bce-logits)
  const columns = shape.length === 2 && (binary || classLayout([...shape], opts.classDim).dim === 1);
  if (!columns || (opts.top === 0 && opts.report === undefined) || opts.logits.length !== 1) return undefined;
  const names = header ?? csvHeaderNames(opts.logits[0], opts.input);
  return names?.length === classes ? names : undefined;
}

/** The breakdown with its classes named. */
export function named(b: Breakdown, names: string[] | undefined): Breakdown {
  return { ...b, perClass: namedClasses(b.perClass, names) };
}

/** What --save-per-sample reads beside the losses. */
export function savedColumns(opts: Options, logits: Values, labels: Values, kind: PredictionKind, ids: IdColumn | undefined): SavedColumns {
  return { logits, labels, kind, classDim: opts.classDim, ignoreIndex: opts.ignoreIndex, ...(ids && { ids }) };
}
