import type { Context } from 'koa';
import { LanyardError } from '../errors.ts';
import { readLimitedBody } from '../request-body.ts';

/**
 * Reads an `application/x-www-form-urlencoded` body up to `maxBytes`; larger bodies are refused
 * while streaming (REQUEST_TOO_LARGE, 413), so a huge POST never sits in memory. Repeated fields
 * are refused (REQUEST_DUPLICATE_FIELD): parameter pollution must not pick a value silently.
 */
export async function readFormBody(ctx: Context, maxBytes: number): Promise<Map<string, string>> {
  const body = await readLimitedBody(ctx, maxBytes, 'application/x-www-form-urlencoded', 'expected an HTML form post (application/x-www-form-urlencoded)');
  return toUniqueMap(new URLSearchParams(body.toString('utf8')));
}

/** The query string as a map, refusing repeated parameters. */
export function readQuery(ctx: Context): Map<string, string> {
  return toUniqueMap(new URLSearchParams(ctx.querystring));
}

function toUniqueMap(params: URLSearchParams): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of params) {
    if (map.has(name)) throw new LanyardError('REQUEST_DUPLICATE_FIELD', `parameter "${name}" appears more than once`);
    map.set(name, value);
  }
  return map;
}
