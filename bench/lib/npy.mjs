/**
 * NPY headers byte for byte as numpy's lib/format.py writes them (np.save, version 1.0):
 * magic "\x93NUMPY", version 1.0, a little-endian uint16 header length, then the dict
 * literal with sorted keys, numpy's growth padding (spaces so the first axis can grow to 21
 * digits in place), spaces up to a multiple of 64 and a final '\n', so the data starts at a
 * multiple of 64.
 */
const ARRAY_ALIGN = 64;
const MAGIC_LEN = 8; // "\x93NUMPY" + major + minor
const GROWTH_AXIS_MAX_DIGITS = 21;

/** descr: '<f4', '<i8', ...; shape: a C-order shape. */
export function npyHeader(descr, shape) {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const hlen = header.length + 1; // + '\n'
  const padlen = ARRAY_ALIGN - ((MAGIC_LEN + 2 + hlen) % ARRAY_ALIGN); // 64 when already aligned, as numpy does
  const total = hlen + padlen;
  if (total > 0xffff) throw new Error('NPY header too long for version 1.0');
  const out = Buffer.alloc(MAGIC_LEN + 2 + total);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(total, 8);
  out.write(header + ' '.repeat(padlen) + '\n', 10, 'latin1');
  return out;
}
