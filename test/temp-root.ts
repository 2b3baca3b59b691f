/**
 * vitest's globalSetup: every temporary folder the tests make (mkdtemp under os.tmpdir()), and
 * every one losscalc makes in the processes they start, goes under one folder of this run,
 * removed when the run ends, so that no run leaves folders behind whatever a test forgot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'losscalc-tests-'));
  // os.tmpdir() reads TMPDIR; the test workers and the processes they spawn inherit it
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
