/**
 * What losscalc says on stderr. A message is one line, `losscalc: <text>`, with control
 * characters escaped wherever they came from (a file name with a newline or an escape
 * sequence cannot break the line or move the cursor). On a terminal there may also be a
 * status line (the progress bar), drawn without a newline: anything else written clears it
 * first, so that a warning or an error never lands after half a bar.
 */
import { escapeControl } from '../errors.js';
import type { Sink } from './output.js';

export class Stderr implements Sink {
  private showing = false;

  constructor(
    private readonly sink: Sink,
    /** Only a terminal gets a status line. */
    readonly isTTY = false,
  ) {}

  /** One message line: `losscalc: <text>`. */
  message(text: string): void {
    this.write(`losscalc: ${escapeControl(text)}\n`);
  }

  /** Text as it is (help and usage, which span lines), or bytes (--save-per-sample /dev/stderr). */
  write(text: string | Uint8Array): void {
    this.clearStatus();
    this.sink.write(text);
  }

  /** Draws `text` over the current status line (on a terminal; elsewhere nothing). */
  status(text: string): void {
    if (!this.isTTY) return;
    this.sink.write(`\r${escapeControl(text)}\x1b[K`);
    this.showing = true;
  }

  clearStatus(): void {
    if (!this.showing) return;
    this.showing = false;
    this.sink.write('\r\x1b[K');
  }
}
