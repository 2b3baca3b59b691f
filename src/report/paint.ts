/** Colour, decided once by the CLI: --no-color wins, then NO_COLOR, then FORCE_COLOR, else a TTY. */

export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function useColour(flag: boolean, env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}

const plain = (s: string): string => s;

/** No colour: for stderr's lines, whose control characters are escaped. */
export const PLAIN: Paint = { ok: plain, bad: plain, dim: plain, bold: plain };

/** chalk is loaded only when there is colour to paint: pipes and CI start without it. */
export async function paint(colour: boolean): Promise<Paint> {
  if (!colour) return PLAIN;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { ok: c.green, bad: c.red, dim: c.dim, bold: c.bold };
}
