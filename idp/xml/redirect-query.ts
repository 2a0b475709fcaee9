import { LanyardError } from '../../core/errors.ts';

/** One query parameter: the octets as received (what a query signature covers) and their decoded text. */
export interface QueryParameter {
  readonly raw: string;
  readonly value: string;
}

/**
 * Parses the raw query string of an HTTP-Redirect binding message, once, for everything the
 * endpoint reads from it. Names are percent-decoded before they are compared, so `Relay%53tate`
 * is RelayState and cannot slip past the signature as an "other" parameter; any name that appears
 * twice is refused (REQUEST_DUPLICATE_FIELD), so no reader can pick a different copy than the one
 * that was signed. Names stay case-sensitive, as SAML defines them.
 *
 * @example
 *   const query = parseRedirectQuery(ctx.querystring);
 *   const relayState = query.get('RelayState')?.value;
 */
export function parseRedirectQuery(rawQuery: string): ReadonlyMap<string, QueryParameter> {
  const parameters = new Map<string, QueryParameter>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const separator = part.indexOf('=');
    const name = formDecode(separator < 0 ? part : part.slice(0, separator));
    const raw = separator < 0 ? '' : part.slice(separator + 1);
    if (parameters.has(name)) throw new LanyardError('REQUEST_DUPLICATE_FIELD', `parameter "${name}" appears more than once`);
    parameters.set(name, { raw, value: formDecode(raw) });
  }
  return parameters;
}

/** application/x-www-form-urlencoded decoding (`+` is a space); malformed escapes are refused, not kept. */
function formDecode(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new LanyardError('SAML_REQUEST_MALFORMED', 'query parameter is not valid URL encoding');
  }
}
