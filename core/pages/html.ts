/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A fragment of already-safe HTML (built only by this module's tagged template). */
export interface SafeHtml {
  readonly html: string;
}

/**
 * Tagged template that escapes every interpolated value unless it is SafeHtml (or an array of it),
 * so page code cannot forget to escape a user-supplied value.
 *
 * @example
 *   html`<p>Signed in as ${upn}</p>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return { html: out };
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && 'html' in value) return (value as SafeHtml).html;
  return escapeHtml(String(value));
}

/** Marks trusted markup (e.g. an SVG produced by the QR library) as safe. */
export function trusted(markup: string): SafeHtml {
  return { html: markup };
}
