/** What the JSON reader's tests share: files in a temporary folder, and every JSON file read in blocks. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { jsonFiles } from '../../src/io/json-file.js';
import { streaming } from '../../src/io/npy-file.js';

/** A function writing each text to a new file of a temporary folder named after `name`, returning its path. */
export function tempFiles(name: string): (text: string | Uint8Array, ext?: string) => string {
  const dir = mkdtempSync(join(tmpdir(), `losscalc-${name}-`));
  let files = 0;
  return (text, ext = 'json') => {
    const path = join(dir, `f${files++}.${ext}`);
    writeFileSync(path, text);
    return path;
  };
}

/** For the tests of this file: every JSON file read in blocks however small, the block size as it was after. */
export function everyJsonFileInBlocks(): void {
  const saved = streaming.blockBytes;
  beforeAll(() => {
    jsonFiles.wholeBytes = 0;
  });
  afterAll(() => {
    streaming.blockBytes = saved;
    jsonFiles.wholeBytes = undefined;
  });
}
