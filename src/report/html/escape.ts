/** Text and attribute values for HTML and inline SVG: the five characters that could end or open markup. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
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
