/**
 * What a reader of text in blocks (CSV and tables: csv-scan.ts; JSON: json-file.ts) makes of
 * a file's first bytes, by parseInput's own tests, so that it refuses what parseInput refuses
 * when it is called directly (threads, the library API), not only behind read.ts's checks.
 */
import { refuseForeign } from './foreign.js';
import { sniffFormat } from './format.js';

/**
 * Whether the first bytes `head` (SNIFF_BYTES of them) of a file of `size` bytes may be text to read
 * in blocks: false when they are another readable format's magic (NPY, zip, torch.save,
 * safetensors), which the whole-file reader names (a zip's kind needs its end). A format
 * losscalc does not read (foreign.ts: gzip, zstd, a pickle, ...) is refused by name, in
 * parseInput's words.
 */
export function textToRead(head: Uint8Array, size: number, source: string): boolean {
  const sniffed = sniffFormat(head, size);
  if (sniffed !== 'csv' && sniffed !== 'json') return false;
  refuseForeign(head, source);
  return true;
}
