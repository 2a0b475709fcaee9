import type { Router, RouterMiddleware } from '@koa/router';
import { createRouter } from '../../core/router.ts';
import type { IdpDeps } from '../login/deps.ts';
import { requireFederatedDomain } from './domain-lookup.ts';
import { renderFederationMetadata } from './metadata.ts';

/** `{PUBLIC_URL}/federation/{domain}/federationmetadata.xml` (also at AD FS's well-known path). */
export function metadataRouter(deps: IdpDeps): Router {
  const router = createRouter();
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
  // Routes are case-sensitive (common/router.ts); AD FS spells its well-known path this way.
  router.get('/federation/:domain/FederationMetadata/2007-06/FederationMetadata.xml', serve);
  return router;
}
