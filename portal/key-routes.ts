import type Router from '@koa/router';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import { requireCan } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { signingKeysBody } from './pages/signing-keys-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import { rotateKeysStep, signingKeysView } from './views/signing-keys.ts';

const installation = { kind: 'installation' } as const;

/** Signing keys (operator): current / next / previous, and the rollover one step per confirmed post. */
export function registerKeyRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const context = { ...deps.context, delegatedAccess: deps.services.delegatedTenantAccess };
  const { db, config } = context;

  router.get('/admin/keys', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    requireCan(request.admin, 'keys.view', installation);
    const done = readQuery(ctx).get('done');
    kit.page(ctx, request, 'Signing keys', signingKeysBody({
      view: await signingKeysView(db, request.admin),
      csrfToken: request.csrfToken,
      freshSecondFactor: hasFreshSecondFactor(deps, request),
      mayRotate: can(request.admin, 'keys.rotate', installation),
      notice: done ? kit.doneNotices[done] : undefined,
    }));
  });

  router.post('/admin/keys/rotate', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    requireCan(request.admin, 'keys.rotate', installation);
    await requireFreshSecondFactor(ctx, deps, request, 'keys.rotate', form.get('code'));
    const outcome = await rotateKeysStep(context, request.admin, deps.clock.now());
    ctx.status = 303;
    ctx.redirect(`/admin/keys?done=${outcome.step}`);
  });

  router.get('/admin/api/keys', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    ctx.body = await signingKeysView(db, request.admin);
  });
}
