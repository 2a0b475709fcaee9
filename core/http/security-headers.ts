import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';

/**
 * Strict headers on every response. Pages carry a per-response nonce for their one inline style
 * and script (a served script too: it loads only with the nonce); nothing else may load but images
 * from this server (organizations' logos) and Microsoft's. Scripts may fetch only from this server
 * (`connect-src 'self'`: the portal's live progress reads its JSON twins), so even an injected script
 * could not send anything elsewhere. `form-action` allows only this server and Microsoft's login
 * origin, so even an injected form could not post a token anywhere else.
 */
export function securityHeaders(options: { microsoftLoginUrl: string; https: boolean }): Middleware {
  return async (ctx, next) => {
    const nonce = randomBytes(16).toString('base64');
    ctx.state.nonce = nonce;
    ctx.set('Content-Security-Policy', [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      `img-src 'self' data: ${options.microsoftLoginUrl}`,
      `form-action 'self' ${options.microsoftLoginUrl}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '));
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Cache-Control', 'no-store');
    if (options.https) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
