import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Organization } from '../core/db/schema.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { isLanyardError } from '../core/errors.ts';
import { tenantBody, type TenantPage } from './pages/tenant-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import { changeAppRegistration, connectFailureOf, microsoftRefusals, runTenantConnectionTest, tenantConnectionOf } from './views/tenant-connection.ts';

/**
 * Tenant connection: how the organization reaches Microsoft 365 (its app registration, or a CSP
 * partner's delegated access), "Test connection" (real calls, answered on the page that posted it,
 * since a result is not stored), and connecting or changing the app registration with
 * re-authentication. JSON twins under /admin/api/orgs/:slug/tenant.
 */
export function registerTenantRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const context = { ...deps.context, delegatedAccess: deps.services.delegatedTenantAccess };
  const { db, config } = context;

  async function render(ctx: Context, request: AdminRequest, organization: Organization, extra: Partial<Pick<TenantPage, 'test' | 'notice' | 'connectFailure' | 'entered' | 'freshSecondFactor'>>) {
    const target = await organizationTarget(db, organization);
    kit.page(ctx, request, 'Tenant connection', tenantBody({
      slug: organization.slug,
      name: organization.name,
      view: await tenantConnectionOf(context, organization),
      csrfToken: request.csrfToken,
      freshSecondFactor: hasFreshSecondFactor(deps, request),
      mayTest: can(request.admin, 'tenant.test', target),
      mayConnect: can(request.admin, 'tenant.connect', target),
      ...extra,
    }), organization);
  }

  router.get('/admin/orgs/:slug/tenant', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'tenant.view', ctx.params.slug!);
    const done = readQuery(ctx).get('done');
    await render(ctx, request, organization, { notice: done ? kit.doneNotices[done] : undefined });
  });

  router.post('/admin/orgs/:slug/tenant/test', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'tenant.test', ctx.params.slug!);
    const test = await runTenantConnectionTest(context, request.admin, organization, deps.clock.now());
    await render(ctx, request, organization, { test });
  });

  router.post('/admin/orgs/:slug/tenant', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'tenant.connect', ctx.params.slug!);
    await requireFreshSecondFactor(ctx, deps, request, 'tenant.connect', form.get('code'));
    const input = { tenantId: form.get('tenantId') ?? '', clientId: form.get('clientId') ?? '', clientSecret: form.get('clientSecret') ?? '' };
    try {
      await changeAppRegistration(context, request.admin, organization, input);
    } catch (error) {
      // Microsoft's refusal is shown on the page with what to do, the ids kept (never the secret).
      if (!isLanyardError(error) || !microsoftRefusals.has(error.code)) throw error;
      ctx.status = error.status;
      // The code (if one was needed) was just accepted: the session is fresh, the page asks for none.
      await render(ctx, request, organization, { connectFailure: connectFailureOf(error), entered: { tenantId: input.tenantId, clientId: input.clientId }, freshSecondFactor: true });
      return;
    }
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/tenant?done=tenant-connect`);
  });

  router.get('/admin/api/orgs/:slug/tenant', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'tenant.view', ctx.params.slug!);
    ctx.body = await tenantConnectionOf(context, organization);
  });

  // The same connect as JSON: Microsoft's refusal is the error answer (its code and message).
  router.post('/admin/api/orgs/:slug/tenant', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'tenant.connect', ctx.params.slug!);
    await requireFreshSecondFactor(ctx, deps, request, 'tenant.connect', form.get('code'));
    ctx.body = await changeAppRegistration(context, request.admin, organization, { tenantId: form.get('tenantId') ?? '', clientId: form.get('clientId') ?? '', clientSecret: form.get('clientSecret') ?? '' });
  });

  router.post('/admin/api/orgs/:slug/tenant/test', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'tenant.test', ctx.params.slug!);
    ctx.body = await runTenantConnectionTest(context, request.admin, organization, deps.clock.now());
  });
}
