/**
 * JSON Lines: one row per line, each an array or a number, all of one shape; the rows stack
 * into a tensor of shape (lines, ...row shape). Blank lines are skipped; CRLF, a BOM and a
 * trailing newline are fine. Errors count lines in the whole file.
 */
import { InputError } from '../errors.js';
import { formatShape, sameShape, type Tensor } from '../tensor.js';
import { Float64Buffer } from './float64-buffer.js';
import { parseJsonValue } from './json.js';

export function parseJsonLines(text: string, source: string): Tensor {
  const values = new Float64Buffer();
  let rowShape: number[] | undefined;
  let firstLine = 0;
  let rows = 0;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let line = 1; start <= text.length; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (text.slice(start, end).trim() !== '') {
      const row = parseJsonValue(text, source, start, end, 'line');
      if (rowShape === undefined) {
        rowShape = row.shape;
        firstLine = line;
      } else if (!sameShape(row.shape, rowShape)) {
        throw new InputError(`line ${line}: a row of shape ${formatShape(row.shape)}, but line ${firstLine} has ${formatShape(rowShape)}`, source);
      }
      for (const v of row.data as Float64Array) values.push(v);
      rows++;
    }
    start = end + 1;
  }
  if (rowShape === undefined) throw new InputError('empty file', source);
  return { data: values.values(), shape: [rows, ...rowShape], dtype: 'float64' };
}
