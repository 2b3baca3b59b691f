/**
 * JSON Lines: one row per line, each an array or a number, all of one shape; the rows stack
 * into a tensor of shape (lines, ...row shape). Blank lines are skipped; CRLF, a BOM and a
 * trailing newline are fine. Errors count lines in the whole file.
 */
import { InputError } from '../errors.js';
import { formatShape, sameShape, type Tensor } from '../tensor.js';
import { Float64Buffer } from './float64-buffer.js';
import { Cursor, END, NL, skipBom } from './json-cursor.js';
import type { JsonText } from './json.js';
import { Seen, scanTensor } from './json-tensor.js';
import { spaceLength } from './json-scan.js';

export function parseJsonLines(text: JsonText, source: string): Tensor {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const seen = new Seen(Infinity, new Float64Buffer());
  return seen.tensor(scanJsonLines(new Cursor(bytes, 0, bytes.length), source, seen));
}

/** Reads the rows at the cursor into `seen`; the shape of the tensor they stack into. */
export function scanJsonLines(c: Cursor, source: string, seen: Seen): number[] {
  let rowShape: number[] | undefined;
  let firstLine = 0;
  let rows = 0;
  skipBom(c);
  for (let line = 1; ; line++) {
    const start = c.offset;
    if (blank(c)) {
      if (c.peek() === END) break;
      c.pos++; // the newline
      continue;
    }
    c.seek(start);
    const shape = scanTensor(c, source, seen, { whole: true, line: true });
    if (rowShape === undefined) {
      rowShape = shape;
      firstLine = line;
    } else if (!sameShape(shape, rowShape)) {
      throw new InputError(`line ${line}: a row of shape ${formatShape(shape)}, but line ${firstLine} has ${formatShape(rowShape)}`, source);
    }
    rows++;
    if (c.peek() === END) break;
    c.pos++; // the newline
  }
  if (rowShape === undefined) throw new InputError('empty file', source);
  return [rows, ...rowShape];
}

/** Whether the rest of the line holds only spaces (as String.trim sees them); the cursor is then at its end. */
function blank(c: Cursor): boolean {
  for (;;) {
    const b = c.peek();
    if (b === END || b === NL) return true;
    const n = spaceLength(c);
    if (n === 0) return false;
    c.pos += n;
  }
}
