import Router from '@koa/router';
import { findLogoBytes, logoPathPrefix } from '../../core/db/organization-logos.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';

/**
 * Serves the organizations' sign-in logos at /branding/logo/<sha256>.<png|jpg>. Only bytes that
 * passed checkLogoImage are stored, and they are served so that no browser could treat them as a
 * page even so: the checked image type, nosniff, a sandboxing CSP with nothing allowed, and an
 * inline disposition under a fixed image file name. The URL is the content's hash: cacheable for ever.
 */
export function logoRouter(db: Db): Router {
  const router = new Router();
  router.get(`${logoPathPrefix}:name`, async (ctx) => {
    const match = /^([0-9a-f]{64})\.(png|jpg)$/.exec(ctx.params.name ?? '');
    const logo = match ? await findLogoBytes(db, match[1]!, match[2]!) : undefined;
    if (!logo) throw new LanyardError('NOT_FOUND', 'No such logo.');
    ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    ctx.set('Content-Disposition', `inline; filename="logo.${match![2]}"`);
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.type = logo.contentType;
    ctx.body = logo.bytes;
  });
  return router;
}
