/**
 * Integers that float64 cannot hold, kept as written: a text file's label 9007199254740993
 * reads as the float64 9007199254740992, and a message about it must show the former. The
 * text readers (CSV, JSON) note such cells, and `Tensor.written` looks them up by flat index.
 */

/** Beyond 2^53 in magnitude: past there float64 holds only some integers. A cheap first test. */
export function beyond2p53(value: number): boolean {
  return value > Number.MAX_SAFE_INTEGER || value < -Number.MAX_SAFE_INTEGER;
}

/** Collects the cells `beyondFloat64` picks, by flat index. */
export class Written {
  private map: Map<number, string> | undefined;

  /** The cell at `index` read as `value` (beyond 2^53) from `text`: kept if the text is an integer. */
  note(index: number, text: string): void {
    const t = text.trim();
    if (/^[+-]?\d+$/.test(t)) (this.map ??= new Map()).set(index, t.replace(/^\+/, ''));
  }

  /** The cells noted, by flat index. */
  entries(): [number, string][] {
    return this.map ? [...this.map] : [];
  }

  /** Tensor.written for the cells noted, or undefined when there are none. */
  result(): ((index: number) => string | undefined) | undefined {
    const { map } = this;
    return map && ((index) => map.get(index));
  }
}
