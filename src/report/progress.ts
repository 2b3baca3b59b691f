/**
 * A progress bar on stderr for work that takes more than about a second, only on a terminal.
 * It is fed by wrapping the logits' Values: each block read moves the bar, so kernels stay
 * unaware of it. Drawing is throttled; the bar is stderr's status line (stderr.ts), so any
 * message clears it first, and it is cleared when the work is done.
 */
import type { Values } from '../values.js';

/** Where the bar is drawn: a line that later output replaces (Stderr). */
export interface StatusLine {
  status(text: string): void;
  clearStatus(): void;
}

/** Milliseconds from a fixed point; process.hrtime, since `performance` loads perf_hooks on first use. */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const DELAY_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 30;

export class Progress {
  private readonly started: number;
  private lastDraw = 0;

  constructor(
    private readonly line: StatusLine,
    private readonly label: string,
    private readonly clock: () => number = monotonicMs,
  ) {
    this.started = clock();
  }

  update(fraction: number): void {
    const now = this.clock();
    if (now - this.started < DELAY_MS || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const filled = Math.round(Math.min(1, fraction) * WIDTH);
    this.line.status(`${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)} ${(100 * fraction).toFixed(0).padStart(3)}% ${this.label}`);
  }

  done(): void {
    this.line.clearStatus();
  }
}

/** The same values, moving `progress` as blocks are read (each full pass counts 0..1). */
export function withProgress(v: Values, progress: Progress): Values {
  return {
    shape: v.shape,
    dtype: v.dtype,
    read(unit, start, end, visit) {
      v.read(unit, start, end, (data, first, count) => {
        visit(data, first, count);
        progress.update((first + count - start) / Math.max(1, end - start));
      });
    },
  };
}
