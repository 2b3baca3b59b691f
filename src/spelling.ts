/**
 * "Did you mean ...?": the closest name to one that is not known, for modes and options.
 * Names are compared as PyTorch users type them: case aside, and `_` as `-`
 * (`--ignore_index` is `--ignore-index`, `cross_entropy` is `cross-entropy`).
 */

/** The same name whatever its case, underscores and leading dashes; `--a=1` is `a`. */
function normal(name: string): string {
  return name.replace(/^-+/, '').replace(/=.*$/s, '').toLowerCase().replace(/_/g, '-');
}

/**
 * The optimal string alignment distance (Levenshtein with transpositions of neighbours):
 * `--weights` is one edit from `--weight`, `--lable` one from `--label`.
 */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates closest to `name`, in their given order, or none when nothing is close:
 * at most 3 edits, and more than 40% of the longer name left unchanged (so `--foo` suggests
 * nothing rather than `--top`). Candidates that read the same once normalised count once.
 */
export function closest(name: string, candidates: readonly string[]): string[] {
  const word = normal(name);
  if (word.length < 2) return [];
  let best = 3;
  let found: string[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const other = normal(candidate);
    if (seen.has(other)) continue;
    seen.add(other);
    const d = distance(word, other);
    const length = Math.max(word.length, other.length);
    if ((length - d) / length <= 0.4 || d > best) continue;
    if (d < best) [best, found] = [d, []];
    found.push(candidate);
  }
  return found;
}

/** " (did you mean --weight?)", " (did you mean one of a, b?)", or "" when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const found = closest(name, candidates);
  if (found.length === 0) return '';
  return found.length === 1 ? ` (did you mean ${found[0]}?)` : ` (did you mean one of ${found.join(', ')}?)`;
}
