import type { Context } from 'koa';
import type { Config } from '../../core/config.ts';

/**
 * The client's address for throttling and audit. X-Forwarded-For is honoured only when
 * LANYARD_TRUST_PROXY is set (Koa's `proxy` flag); otherwise anyone could pick their own address
 * and escape per-address throttling.
 */
export function clientAddress(ctx: Context, config: Config): string {
  const address = config.trustProxy ? ctx.ip : (ctx.req.socket.remoteAddress ?? ctx.ip);
  return address.replace(/^::ffff:/, '') || 'unknown';
}
