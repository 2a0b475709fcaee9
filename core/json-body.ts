import type { Context } from 'koa';
import type { z } from 'zod';
import { LanyardError, type ErrorCode } from './errors.ts';
import { readLimitedBody } from './request-body.ts';

/**
 * Reads a JSON request body up to `maxBytes` (refused while streaming with 413, so a huge body
 * never sits in memory) and validates it with a strict schema. Anything malformed is `invalidCode`
 * (400) naming the first bad field, and nothing of it is applied.
 *
 * @example
 *   const batch = await readJsonBody(ctx, 8 << 20, batchRequestSchema, 'AGENT_PUSH_INVALID');
 */
export async function readJsonBody<Schema extends z.ZodType>(ctx: Context, maxBytes: number, schema: Schema, invalidCode: ErrorCode): Promise<z.output<Schema>> {
  const body = await readLimitedBody(ctx, maxBytes, 'application/json', 'expected application/json');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new LanyardError(invalidCode, 'request body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    throw new LanyardError(invalidCode, `invalid request: ${where}: ${issue.message}`, { field: where });
  }
  return parsed.data;
}
