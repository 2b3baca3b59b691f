/**
 * What --save-per-sample can be asked to write, decided from the name alone: the options
 * parser checks it, report/save.ts writes it. At the bottom of the layers, so that neither
 * imports the other.
 */
import { lstatSync } from 'node:fs';

export const SAVE_EXTENSIONS = ['.npy', '.csv', '.json', '.npz'] as const;

/** The format `path`'s name asks for, or undefined. */
export function saveExtension(path: string): (typeof SAVE_EXTENSIONS)[number] | undefined {
  return SAVE_EXTENSIONS.find((e) => path.toLowerCase().endsWith(e));
}

/** The names of this process's own stdout and stderr, which are written through them, never opened. */
export const STANDARD: Record<string, 'stdout' | 'stderr'> = {
  '/dev/stdout': 'stdout',
  '/dev/fd/1': 'stdout',
  '/proc/self/fd/1': 'stdout',
  '/dev/stderr': 'stderr',
  '/dev/fd/2': 'stderr',
  '/proc/self/fd/2': 'stderr',
};

/**
 * Whether `path` names something that exists and is not a regular file (a FIFO, a device, a
 * symbolic link such as /dev/stdout, whatever it points at): written directly, as write-file.ts
 * decides by the same lstat.
 */
export function isSpecialFile(path: string): boolean {
  if (Object.hasOwn(STANDARD, path)) return true;
  try {
    return !lstatSync(path).isFile();
  } catch {
    return false;
  }
}
