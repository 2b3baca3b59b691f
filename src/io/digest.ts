/**
 * SHA-256 of each input's bytes, recorded in --json output so that `merge` can tell a shard
 * given twice. A regular file is hashed in one more pass through a reused 1 MiB buffer (never
 * loaded whole); standard input, a FIFO, a device or a process substitution (`<(...)`) cannot
 * be read again, and is hashed as its bytes passed when it was read (stream.ts; decompressed,
 * when gzip). A `file:key` spec is the whole file's digest followed by `:key`, since two keys
 * of one archive are two different inputs (two shards saved in one .npz).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { readError } from '../errors.js';
import type { InputDigests } from '../settings.js';
import { locate, streamDigest } from './read.js';

const BLOCK = 1 << 20;

export async function inputDigests(
  specs: { logits: readonly string[]; labels: readonly string[] },
  stdin?: Uint8Array,
): Promise<InputDigests> {
  const digests = async (list: readonly string[]) => {
    const out: string[] = [];
    for (const spec of list) out.push(await specDigest(spec, stdin));
    return out;
  };
  return { logits: await digests(specs.logits), labels: await digests(specs.labels) };
}

async function specDigest(spec: string, stdin: Uint8Array | undefined): Promise<string> {
  const at = await locate(spec);
  const digest = (await streamDigest(spec, { stdin })) ?? fileDigest(at.path);
  return at.key === undefined ? digest : `${digest}:${at.key}`;
}

export function fileDigest(path: string): string {
  const hash = createHash('sha256');
  const buffer = new Uint8Array(BLOCK);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (let n; (n = readSync(fd, buffer, 0, BLOCK, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } catch (e) {
    throw readError(e, path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return hash.digest('hex');
}
