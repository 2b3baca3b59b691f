/**
 * The formats, and the one an extension names: what a run can know of a file without reading
 * it (early-workers.ts asks before the readers are loaded), so this module imports no reader.
 */
import { extname } from 'node:path';

export type Format = 'npy' | 'npz' | 'safetensors' | 'pt' | 'csv' | 'tsv' | 'json' | 'jsonl';

export const FORMATS: readonly Format[] = ['npy', 'npz', 'safetensors', 'pt', 'csv', 'tsv', 'json', 'jsonl'];

/** Formats that are UTF-8 text. */
export const TEXT_FORMATS: readonly Format[] = ['csv', 'tsv', 'json', 'jsonl'];

export function binaryFormat(format: Format): boolean {
  return !TEXT_FORMATS.includes(format);
}

const BY_EXTENSION: Record<string, Format> = {
  '.npy': 'npy',
  '.npz': 'npz',
  '.safetensors': 'safetensors',
  '.pt': 'pt',
  '.pth': 'pt',
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/**
 * The format an extension names (case-insensitive), or undefined. A `.gz` after it names the
 * format of what gzip holds (`preds.csv.gz` is CSV); the bytes say that they are gzip.
 */
export function formatOfPath(path: string): Format | undefined {
  const ext = extname(path.replace(/\.gz$/i, '')).toLowerCase();
  return Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext] : undefined;
}
