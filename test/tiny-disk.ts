/** A 64 KiB tmpfs for tests of a full disk: mounting needs root, so tests skip without it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A tmpfs of 64 KiB mounted for the test (root only), unmounted after. */
export function withTinyDisk(test: (mount: string) => void): void {
  const mount = mkdtempSync(join(tmpdir(), 'losscalc-tiny-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
  } catch {
    rmSync(mount, { recursive: true, force: true });
    throw new Error('cannot mount');
  }
  try {
    test(mount);
  } finally {
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
}

export const canMount = (() => {
  try {
    withTinyDisk(() => undefined);
    return true;
  } catch {
    return false;
  }
})();

