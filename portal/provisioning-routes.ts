import type Router from '@koa/router';
import { readFormBody } from '../core/http/form-body.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { provisioningBody, runBody } from './pages/provisioning-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf } from './session/portal-session.ts';
import { organizationRun, organizationRuns, outcomesOf, startOrganizationRun } from './views/provisioning.ts';

/** Provisioning: the runs, a dry run first, the real run from its report, the per-account report with filters. */
export function registerProvisioningRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const context = { ...deps.context, delegatedAccess: deps.services.delegatedTenantAccess };
  const { db, config } = context;
  const outcomeFilter = (querystring: string) => outcomesOf(new URLSearchParams(querystring).getAll('outcome'));

  router.get('/admin/orgs/:slug/provisioning', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    const mayRun = can(request.admin, 'provisioning.run', await organizationTarget(db, organization));
    kit.page(ctx, request, 'Provisioning', provisioningBody({ slug: organization.slug, runs: await organizationRuns(context, request.admin, organization), csrfToken: request.csrfToken, mayRun }), organization);
  });

  router.post('/admin/orgs/:slug/provisioning/runs', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.run', ctx.params.slug!);
    const runId = await startOrganizationRun(context, deps.jobs, request.admin, organization, {
      kind: form.get('kind') ?? '', dryRun: form.get('dryRun') === '1', confirm: form.get('confirm') === '1', fromDryRun: form.get('fromDryRun'),
    });
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/provisioning/runs/${runId}`);
  });

  router.get('/admin/orgs/:slug/provisioning/runs/:id', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    const filter = outcomeFilter(ctx.querystring);
    const { report, results } = await organizationRun(context, request.admin, organization, ctx.params.id!, filter);
    const mayRun = can(request.admin, 'provisioning.run', await organizationTarget(db, organization));
    kit.page(ctx, request, `Provisioning ${report.kind}`, runBody({ slug: organization.slug, report, results, filter, csrfToken: request.csrfToken, mayRun }), organization);
  });

  router.get('/admin/api/orgs/:slug/provisioning/runs', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    ctx.body = { runs: await organizationRuns(context, request.admin, organization) };
  });
  router.get('/admin/api/orgs/:slug/provisioning/runs/:id', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    ctx.body = await organizationRun(context, request.admin, organization, ctx.params.id!, outcomeFilter(ctx.querystring));
  });
}
