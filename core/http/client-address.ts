import type { Context } from 'koa';
import type { Config } from '../config.ts';

/**
 * The client's address, for throttling, sessions, audit and logs: one answer everywhere.
 * Behind `hops` trusted reverse proxies it is the X-Forwarded-For entry `hops` places from the
 * right, the address the outermost trusted proxy saw; every entry left of it was written by the
 * client (a proxy appends, it does not clean), so trusting the leftmost entry would let anyone
 * pick a fresh address per request and escape per-address throttling. With fewer entries than
 * hops, the leftmost is the nearest we have (Koa's `maxIpsCount` answers the same). With hops 0,
 * or no header, it is the TCP peer.
 *
 * @example
 *   forwardedClientAddress('10.0.0.2', '198.51.100.7, 203.0.113.9', 1)   // '203.0.113.9'
 */
export function forwardedClientAddress(peerAddress: string | undefined, forwardedFor: string, hops: number): string {
  const entries = hops > 0 ? forwardedFor.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '') : [];
  const address = entries.length > 0 ? entries[Math.max(0, entries.length - hops)]! : (peerAddress ?? '');
  return address.replace(/^::ffff:/, '') || 'unknown';
}

export function clientAddress(ctx: Context, config: Config): string {
  return forwardedClientAddress(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for'), config.trustedProxyHops);
}

/** Koa's proxy settings for the same hops, so `ctx.ip` (and X-Forwarded-Proto) agree with clientAddress. */
export function koaProxyOptions(config: Config): { proxy: boolean; maxIpsCount: number } {
  return { proxy: config.trustedProxyHops > 0, maxIpsCount: config.trustedProxyHops };
}
