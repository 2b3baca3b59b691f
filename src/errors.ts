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
  readonly source?: string;
  constructor(
    message: string,
    source?: string,
    readonly operand?: Operand,
  ) {
    const file = source === undefined ? undefined : standingIn(source);
    super(oneLine(file === undefined ? message : message.split(file.path).join(file.name)));
    this.source = file === undefined ? source : file.name + source!.slice(file.path.length);
  }

  /** The same error, now naming its file. */
  withSource(source: string): InputError {
    return new InputError(this.message, source, this.operand);
  }
}

/**
 * Files that hold another input's bytes (standard input or a FIFO copied to a temporary file,
 * io/spool.ts): an error about one names the input, in its source and its message, as if the
 * readers had read the input itself.
 */
const standIns = new Map<string, string>();

export function nameFileAs(path: string, name: string): void {
  standIns.set(path, name);
}

/** The stand-in file `source` is (or a `file:key` of), and the input it stands for. */
function standingIn(source: string): { path: string; name: string } | undefined {
  for (const [path, name] of standIns) {
    if (source === path || source.startsWith(`${path}:`)) return { path, name };
  }
  return undefined;
}

const MAX_MESSAGE = 400;

/**
 * A message fit for one terminal line, whatever a file put in it: control characters (a
 * newline, an escape sequence quoted from a header) are shown escaped, and a message longer
 * than 400 characters keeps its start and end.
 */
export function oneLine(message: string): string {
  const clean = escapeControl(message);
  if (clean.length <= MAX_MESSAGE) return clean;
  return `${clean.slice(0, MAX_MESSAGE - 100)} ... ${clean.slice(-90)}`;
}

/**
 * Text with every control character shown escaped (C0, DEL and C1, which terminals also obey),
 * and the characters that reorder or break text (the bidi controls, as in `x\u202egnp.exe` shown
 * as `xexe.png`; the line and paragraph separators), so that a file name or a quoted header
 * cannot break a line, move the cursor or pass for another name. Escaping twice changes nothing.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n' || c === '\r' || c === '\t') return c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** What the system's error codes mean, in the words of strerror (lower case). */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EPIPE: 'broken pipe',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ETXTBSY: 'text file busy',
  ENXIO: 'no such device or address',
  EAGAIN: 'resource temporarily unavailable',
};

/**
 * Why a read or write failed, in a few words and without the path: `no space left on device`.
 * A code the table does not know keeps the system's own words from Node's message.
 */
export function systemReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && SYSTEM_ERRORS[code] !== undefined) return SYSTEM_ERRORS[code];
  const message = e instanceof Error ? e.message : String(e);
  // "EXDEV: cross-device link not permitted, rename 'a' -> 'b'": the words after the code
  return /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

/**
 * A failed read of `source` as the one-line error it ends in: a missing file and a directory
 * say so; anything else is `cannot read:` and the system's reason (never Node's message, which
 * repeats the path).
 */
export function readError(e: unknown, source: string): InputError {
  if (e instanceof InputError) return e.source ? e : e.withSource(source);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputError('no such file', source);
  if (code === 'EISDIR') return new InputError('is a directory', source);
  return new InputError(`cannot read: ${systemReason(e)}`, source);
}
