import type { Context } from 'koa';
import { LanyardError } from './errors.ts';

/**
 * The raw request body of the expected media type, up to `maxBytes`: refused up front when the
 * declared length is too large, and while streaming otherwise (REQUEST_TOO_LARGE, 413), so a huge
 * body never sits in memory. Another media type is REQUEST_CONTENT_TYPE (415).
 *
 * @example
 *   const bytes = await readLimitedBody(ctx, 256 * 1024, 'application/json', 'expected application/json');
 */
export async function readLimitedBody(ctx: Context, maxBytes: number, mediaType: string, wrongTypeMessage: string): Promise<Buffer> {
  if (!ctx.is(mediaType)) throw new LanyardError('REQUEST_CONTENT_TYPE', wrongTypeMessage);
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > maxBytes) throw new LanyardError('REQUEST_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      ctx.req.destroy();
      throw new LanyardError('REQUEST_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
