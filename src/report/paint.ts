/** Colour, decided once by the CLI: --no-color wins, then NO_COLOR, then FORCE_COLOR, else a TTY. */
import { Chalk } from 'chalk';

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

export function paint(colour: boolean): Paint {
  const c = new Chalk({ level: colour ? 1 : 0 });
  return { ok: c.green, bad: c.red, dim: c.dim, bold: c.bold };
}
