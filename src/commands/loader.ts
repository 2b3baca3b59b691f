/**
 * The Loader a command reads its operands with (commands/io.ts): it remembers which operand
 * each file was read as, so that an error can name it (cli.ts says it), and gathers the notes
 * the readers make along the way.
 */
import { InputError, type Operand } from '../errors.js';
import { formatFor } from '../io/format.js';
import { readPair } from '../io/one-file.js';
import { openInput, openTable, parseList, readInput } from '../io/read.js';
import type { InputOptions } from '../options.js';
import type { Loader } from './io.js';

/**
 * Reads operands, remembering where each came from so that errors can name it. --format
 * applies to standard input and to files whose extension names no format.
 */
export function loader(sources: Partial<Record<Operand, string>>, input: InputOptions = {}, stdin?: Uint8Array): Loader {
  const notes: string[] = [];
  const named = async <T>(operand: Operand, specs: readonly string[], read: () => Promise<T>): Promise<T> => {
    sources[operand] = specs.join(' + ');
    try {
      return await read();
    } catch (e) {
      throw e instanceof InputError && !e.source ? e.withSource(sources[operand]!) : e;
    }
  };
  const options = (specs: readonly string[]) => ({
    format: specs.every((s) => formatFor(s, input.format)) ? input.format : undefined,
    delimiter: input.delimiter,
    header: input.header,
    stdin,
    note: (message: string) => void (notes.includes(message) || notes.push(message)),
  });
  const one = (specs: readonly string[]) => (specs.length === 1 ? specs[0] : specs);
  return {
    notes,
    async read(operand, spec, opts = {}) {
      if (spec === undefined) return undefined;
      const specs = typeof spec === 'string' ? [spec] : spec;
      const list = opts.list && specs.length === 1 ? parseList(specs[0]) : undefined;
      if (list) {
        sources[operand] = `--${operand}`;
        return { data: list, shape: [list.length], dtype: 'float64' };
      }
      return named(operand, specs, () => readInput(one(specs), options(specs)));
    },
    async open(operand, specs) {
      return named(operand, specs, () => openInput(one(specs), options(specs)));
    },
    async pair(specs) {
      const pair = await named('logits', specs, () => readPair(one(specs), options(specs)));
      sources.logits = pair.specs.logits.join(' + ');
      sources.labels = pair.specs.labels.join(' + ');
      return pair;
    },
    async table(specs) {
      if (input.labelColumn !== undefined) sources.labels = `${specs.join(' + ')} (column ${input.labelColumn})`;
      return named('logits', specs, () =>
        openTable(one(specs), { ...options(specs), labelColumn: input.labelColumn, dropColumns: input.dropColumns, idColumn: input.idColumn }),
      );
    },
  };
}
