import type { Context } from 'koa';
import { LanyardError } from '../errors.ts';
import { readLimitedBody } from '../request-body.ts';

export interface UploadedFile {
  /** The name the browser gave: shown at most, never trusted for the type. */
  readonly fileName: string;
  readonly bytes: Buffer;
}

/**
 * Reads a `multipart/form-data` body (an HTML form with a file) up to `maxBytes`, refused while
 * streaming past it (REQUEST_TOO_LARGE). Parsed by the platform's own multipart parser (undici's
 * `Response#formData`), not by hand. Repeated fields are refused (REQUEST_DUPLICATE_FIELD), as in
 * readFormBody; a field expected as text that comes as a file, or the reverse, is simply absent.
 *
 * @example
 *   const { fields, files } = await readMultipartBody(ctx, 128 * 1024);
 *   const logo = files.get('logo'); // → { fileName: 'logo.png', bytes: <Buffer 89 50 4e 47 …> }
 */
export async function readMultipartBody(ctx: Context, maxBytes: number): Promise<{ fields: Map<string, string>; files: Map<string, UploadedFile> }> {
  const body = await readLimitedBody(ctx, maxBytes, 'multipart/form-data', 'expected a form with a file (multipart/form-data)');
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': ctx.get('content-type') } }).formData();
  } catch {
    throw new LanyardError('API_REQUEST_INVALID', 'the form could not be read (malformed multipart/form-data)');
  }
  const fields = new Map<string, string>();
  const files = new Map<string, UploadedFile>();
  for (const [name, value] of form.entries()) {
    if (fields.has(name) || files.has(name)) throw new LanyardError('REQUEST_DUPLICATE_FIELD', `parameter "${name}" appears more than once`);
    if (typeof value === 'string') fields.set(name, value);
    else files.set(name, { fileName: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return { fields, files };
}
