/**
 * Findings that are bugs already reported, each with its reproducing input under repro/ and an
 * `it.fails` test in repro.test.ts. The fuzz test reports them but does not fail on them; when
 * a fix lands, its repro test starts failing: turn it into a plain `it` and delete the entry here.
 */
import type { Distinct } from './driver.js';

export interface KnownBug {
  id: string;
  /** What goes wrong, in a line. */
  summary: string;
  /** Whether a finding is this bug. */
  matches(d: Distinct): boolean;
}

/**
 * None open. Fixed, with their repro tests in repro.test.ts: npy-deep-nesting (py-literal.ts
 * recursion), npy-raw-header-text and safetensors-json-message (raw newlines and control
 * characters in messages), safetensors-deep-field (JSON.stringify recursion in a message),
 * json-deep-nesting (unbounded depth: slow, megabyte messages), zip64-entry-count (fflate
 * looping over 2**32 - 1 claimed entries). A new one looks like:
 *
 *   { id: 'name (repro/file)', summary: '...', matches: (d) => d.finding.kind === 'exception' && (d.finding.stack ?? '').includes('src/io/x.ts') }
 */
export const KNOWN_BUGS: KnownBug[] = [];

export function knownBug(d: Distinct): string | undefined {
  return KNOWN_BUGS.find((b) => b.matches(d))?.id;
}
