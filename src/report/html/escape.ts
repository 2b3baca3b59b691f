import { escapeControl } from '../../errors.js';

/**
 * Text and attribute values for HTML and inline SVG: the five characters that could end or open
 * markup, and control characters (an escape sequence, a bell, a line break in a name) shown as
 * escapes, `\x1b`, `\n`, as losscalc's messages show them.
 */
export const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return escapeControl(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Names longer than this are cut, with an ellipsis, where a plot or table shows them. */
export const NAME_CHARS = 40;

/** A name as the page shows it: at most NAME_CHARS characters (code points), the rest an ellipsis. */
export function shortName(name: string): string {
  const chars = [...name];
  return chars.length <= NAME_CHARS ? name : `${chars.slice(0, NAME_CHARS - 1).join('')}\u2026`;
}

/** A tagged template whose interpolations are escaped, except those already made markup with `raw`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0];
  values.forEach((v, i) => (out += markupOf(v) + strings[i + 1]));
  return new Markup(out);
}

export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Markup made elsewhere (an element built by these helpers): put in as it is. */
export function raw(text: string): Markup {
  return new Markup(text);
}

function markupOf(v: unknown): string {
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map(markupOf).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(String(v));
}
