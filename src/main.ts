/**
 * A run of the command line as a process: the workers a large input will use start first
 * (early-workers.ts), then the CLI runs (loaded from its bundle and code cache by the bin, or
 * built in by the single executable) and its code becomes the process's exit code. run()
 * writes stdout and stderr itself, waits for them, and returns the code; a rejection is a bug
 * in losscalc, said on one line (exit 3).
 */
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './code-cache.js';
import { startEarlyWorkers } from './early-workers.js';

type Run = (argv: string[]) => Promise<number>;

/** The CLI's run from its bundle beside this one (dist/bundle/cli.cjs), with its code cache. */
const bundledRun = (): Run => (loadBundle(fileURLToPath(new URL('./cli.cjs', import.meta.url))).exports as { run: Run }).run;

export function main(argv: string[], runOf: () => Run = bundledRun): void {
  startEarlyWorkers(argv);
  runOf()(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const message = String(e instanceof Error ? e.message : e).split('\n')[0];
      try {
        writeSync(2, `losscalc: internal error: ${message} (please report it with the command and its input files)\n`);
      } catch {
        // stderr is gone too
      }
      process.exitCode = 3;
    },
  );
}
