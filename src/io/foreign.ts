/**
 * Binary formats losscalc recognises by their magic numbers but does not read, each named in
 * its error with what to do instead: so that such a file is never parsed as CSV text, nor
 * called "binary data of unknown format". gzip is here too, for bytes that reach a reader
 * still compressed (read.ts and stream.ts decompress gzip before anything else looks).
 */
import { InputError } from '../errors.js';
import { startsAsTorchLegacy } from './torch/legacy-format.js';

export interface ForeignFormat {
  /** What the bytes are, as a message names them: "a Python pickle". */
  name: string;
  /** What to do instead. */
  advice: string;
}

/** gzip: 1f 8b, then the compression method (8, deflate, is the only one defined). */
export function isGzip(buf: Uint8Array): boolean {
  return buf[0] === 0x1f && buf[1] === 0x8b;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // "\x89HDF\r\n\x1a\n"

function startsWith(buf: Uint8Array, bytes: readonly number[], at = 0): boolean {
  return buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
}

/**
 * The superblock of an HDF5 file is at byte 0, or after a user block of 512, 1024, 2048, ...
 * bytes; the first bytes looked at reach 2048.
 */
function isHdf5(buf: Uint8Array): boolean {
  for (let at = 0; at + HDF5_SIGNATURE.length <= buf.length; at = Math.max(512, at * 2)) {
    if (startsWith(buf, HDF5_SIGNATURE, at)) return true;
  }
  return false;
}

/** PROTO 2 to 5 (0x80 and the protocol): every pickle of Python 3's defaults, not torch's legacy format (a pickle too). */
function isPickle(buf: Uint8Array): boolean {
  return buf[0] === 0x80 && buf[1] >= 2 && buf[1] <= 5 && !startsAsTorchLegacy(buf);
}

/** A POSIX tar header has "ustar" at byte 257 (followed by NUL or a space); torch.save before 1.0 wrote one. */
export function isTar(buf: Uint8Array): boolean {
  return startsWith(buf, [0x75, 0x73, 0x74, 0x61, 0x72], 257);
}

const FOREIGN: readonly (ForeignFormat & { is(buf: Uint8Array): boolean })[] = [
  { is: isGzip, name: 'gzip-compressed data', advice: 'decompress it first (gunzip)' },
  {
    is: (b) => startsWith(b, [0x28, 0xb5, 0x2f, 0xfd]),
    name: 'zstd-compressed data',
    advice: 'losscalc does not read zstd; decompress it first (zstd -d), or compress with gzip, which losscalc reads',
  },
  {
    is: (b) => startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
    name: 'xz-compressed data',
    advice: 'losscalc does not read xz; decompress it first (xz -d), or compress with gzip, which losscalc reads',
  },
  {
    // "BZh", the block size '1'-'9', then a block's magic (pi) or the end of the stream (sqrt(pi))
    is: (b) => startsWith(b, [0x42, 0x5a, 0x68]) && b[3] >= 0x31 && b[3] <= 0x39 && (startsWith(b, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(b, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4)),
    name: 'bzip2-compressed data',
    advice: 'losscalc does not read bzip2; decompress it first (bunzip2), or compress with gzip, which losscalc reads',
  },
  {
    is: isHdf5,
    name: 'an HDF5 file',
    advice: 'losscalc does not read HDF5; save each array with np.save (np.save("logits.npy", f["logits"][()]) with h5py)',
  },
  {
    is: isPickle,
    name: 'a Python pickle',
    advice: 'losscalc does not run pickles; save the arrays with torch.save, np.save or safetensors',
  },
  { is: isTar, name: 'a tar archive', advice: 'extract it (tar -xf) and give the files inside' },
];

/** The format losscalc does not read that the first bytes `buf` are, or undefined. */
export function foreignFormat(buf: Uint8Array): ForeignFormat | undefined {
  const found = FOREIGN.find((f) => f.is(buf));
  return found && { name: found.name, advice: found.advice };
}

/** Throws when the first bytes `buf` are a format losscalc does not read; `source` names the input. */
export function refuseForeign(buf: Uint8Array, source: string): void {
  const found = foreignFormat(buf);
  if (found) throw new InputError(`${found.name}: ${found.advice}`, source);
}
