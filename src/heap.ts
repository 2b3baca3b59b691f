/**
 * V8's young generation kept at its starting size. By default it grows to 16 MiB semi-spaces
 * (about 48 MiB with the space beside them) once a long run has allocated enough, although
 * what a block-by-block run allocates (a block's strings, small objects) dies young: that
 * growth alone was a third of the peak memory of writing 30M losses. Scavenges of a small
 * young generation cost little when almost nothing survives them. Starting a worker thread
 * sets V8's flags anew, so a run that used threads sets this again after them.
 */
import { setFlagsFromString } from 'node:v8';

const GROWTH = '--semi-space-growth-factor';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString(`${GROWTH}=1`);
}

/**
 * V8's default growth back (2, as `node --v8-options` says): a code cache carries the flags of
 * the process that made it, and V8 rejects it in a process whose flags differ, so the build's
 * cache, made after a run, must be made with a fresh process's flags.
 */
export function restoreYoungGenerationGrowth(): void {
  setFlagsFromString(`${GROWTH}=2`);
}
