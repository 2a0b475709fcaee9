import type { Context } from 'koa';

/** Federation tokens and Graph bodies are small; anything larger is refused before parsing. */
const maximumBodyBytes = 1024 * 1024;

export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

export async function readRawBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maximumBodyBytes) throw new BodyError('Request body too large.', 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `application/x-www-form-urlencoded` fields; a repeated field is refused, since it is ambiguous. */
export async function readFormBody(ctx: Context): Promise<Map<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new BodyError('Content-Type must be application/x-www-form-urlencoded.', 400);
  }
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(await readRawBody(ctx))) {
    if (fields.has(name)) throw new BodyError(`Duplicate parameter ${name}.`, 400);
    fields.set(name, value);
  }
  return fields;
}

/** JSON body, or `undefined` when the request has none. */
export async function readJsonBody(ctx: Context): Promise<unknown> {
  const raw = await readRawBody(ctx);
  if (raw.trim() === '') return undefined;
  if (!ctx.is('application/json')) throw new BodyError('Content-Type must be application/json.', 415);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BodyError('The request body is not valid JSON.', 400);
  }
}
