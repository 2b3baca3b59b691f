/**
 * Errors that end a run. cli.ts is the only place that turns them into exit codes:
 * UsageError and InputError exit 2, anything else is an internal error (exit 3).
 */

/** A flag or a combination of flags that cannot work. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What a loss was handed: the operand lets the CLI name the file it came from. */
export type Operand = 'logits' | 'labels' | 'weight' | 'pos-weight' | 'reference' | 'a' | 'b';

/**
 * Bad data. `source` is the file (or `-`) when known; `operand` says which input the
 * data was, so that an error raised in a pure kernel can be traced back to its file.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly source?: string,
    readonly operand?: Operand,
  ) {
    super(message);
  }

  /** The same error, now naming its file. */
  withSource(source: string): InputError {
    return new InputError(this.message, source, this.operand);
  }
}
