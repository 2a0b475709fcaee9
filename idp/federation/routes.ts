import Router, { type RouterMiddleware } from '@koa/router';
import type { IdpDeps } from '../login/deps.ts';
import { requireFederatedDomain } from './domain-lookup.ts';
import { renderFederationMetadata } from './metadata.ts';

/** `{PUBLIC_URL}/federation/{domain}/federationmetadata.xml` (also at AD FS's well-known path). */
export function metadataRouter(deps: IdpDeps): Router {
  const router = new Router();
  const serve: RouterMiddleware = async (ctx) => {
    const domain = await requireFederatedDomain(deps.db, ctx.params.domain!);
    const { current, next, previous } = await deps.keys.published();
    ctx.type = 'application/samlmetadata+xml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = renderFederationMetadata({
      domain,
      publicUrl: deps.config.publicUrl,
      signingCertificates: [current, next, previous].filter((key) => key !== undefined),
    });
  };
  router.get('/federation/:domain/federationmetadata.xml', serve);
  router.get('/federation/:domain/federationmetadata/2007-06/federationmetadata.xml', serve);
  return router;
}
