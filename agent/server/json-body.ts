import type { Context } from 'koa';
import type { z } from 'zod';
import { LanyardError } from '../../common/errors.ts';

/**
 * Reads a JSON request body up to `maxBytes` (refused while streaming with 413, so a huge push
 * never sits in memory) and validates it with a strict schema. Anything malformed is
 * AGENT_PUSH_INVALID (400) naming the first bad field, and nothing of it is applied.
 *
 * @example
 *   const batch = await readJsonBody(ctx, 8 << 20, batchRequestSchema);
 */
export async function readJsonBody<Schema extends z.ZodType>(ctx: Context, maxBytes: number, schema: Schema): Promise<z.output<Schema>> {
  if (!ctx.is('application/json')) throw new LanyardError('REQUEST_CONTENT_TYPE', 'expected application/json', 415);
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > maxBytes) throw new LanyardError('REQUEST_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      ctx.req.destroy();
      throw new LanyardError('REQUEST_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, 413);
    }
    chunks.push(chunk);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new LanyardError('AGENT_PUSH_INVALID', 'request body is not valid JSON', 400);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    throw new LanyardError('AGENT_PUSH_INVALID', `invalid push: ${where}: ${issue.message}`, 400, { field: where });
  }
  return parsed.data;
}
