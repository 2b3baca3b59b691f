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
    super(oneLine(message));
  }

  /** The same error, now naming its file. */
  withSource(source: string): InputError {
    return new InputError(this.message, source, this.operand);
  }
}

const MAX_MESSAGE = 400;

/**
 * A message fit for one terminal line, whatever a file put in it: control characters (a
 * newline, an escape sequence quoted from a header) are shown escaped, and a message longer
 * than 400 characters keeps its start and end.
 */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = message.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  if (clean.length <= MAX_MESSAGE) return clean;
  return `${clean.slice(0, MAX_MESSAGE - 100)} ... ${clean.slice(-90)}`;
}
