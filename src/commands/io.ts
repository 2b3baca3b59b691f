/** What a command gets from the CLI: the terminal streams, and a loader that remembers sources. */
import type { Operand } from '../errors.js';
import type { Pair } from '../io/one-file.js';
import type { Output, Sink } from '../report/output.js';
import type { Stderr } from '../report/stderr.js';
import type { Tensor } from '../tensor.js';
import type { Values } from '../values.js';
import type { IdColumn } from '../io/id-column.js';

/** The process's streams and surroundings, as the CLI is run with them (tests pass their own). */
export interface Io {
  /** Results; an Output also tells whether everything written got out (else exit 2). */
  stdout: Sink | Output;
  stderr: Sink;
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal (colour is only for terminals). */
  isTTY: boolean;
  /** Whether stderr is a terminal (the progress bar is only drawn there). */
  stderrIsTTY?: boolean;
  /** What `-` reads; process.stdin when absent. */
  stdin?: Uint8Array;
  /** Milliseconds, for the progress bar's timing; a monotonic clock of the process when absent. */
  clock?: () => number;
}

/** The Io a command runs with: stderr speaks in one-line messages and has a status line. */
export type CommandIo = Omit<Io, 'stderr'> & { stderr: Stderr };

/**
 * Reads a file, shards of one (several specs, concatenated along the batch dim), or with
 * `list` inline numbers like `1,2,0.5`, as the given operand.
 */
export interface Loader {
  read(operand: Operand, spec: string | readonly string[] | undefined, opts?: { list?: boolean }): Promise<Tensor | undefined>;
  /** Like read, but a file that can be read in blocks comes back as Values, and shards are read one after another: for the large operands. */
  open(operand: Operand, spec: readonly string[]): Promise<Tensor | Values>;
  /**
   * Logits and labels from one CSV table: --label-column (and --drop-columns); one file read in
   * blocks, shards one after another. With --id-column and no --label-column: the logits alone.
   * The logits' column names when there is a header, and where --id-column's ids are.
   */
  table(spec: readonly string[]): Promise<{ logits: Tensor | Values; labels?: Tensor | Values; classes?: string[]; ids?: IdColumn }>;
  /** Logits and labels found by name in one container (shards: each file holds both), with the `file:key` each came from. */
  pair(spec: readonly string[]): Promise<Pair>;
  /** What the readers noticed that is no error, for the command to print as warnings. */
  readonly notes: string[];
}
