import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Organization } from '../core/db/schema.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { liveProgressPath, liveProgressScript } from './pages/live-progress.ts';
import { withFormRefusal } from './form-refusal.ts';
import { provisioningBody, runBody, type ProvisioningPage } from './pages/provisioning-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import { organizationRun, organizationRuns, resultFilterOf, resultsPageSize, startOrganizationRun } from './views/provisioning.ts';
import { changeAutoProvisioning, changeDefaultLicences, changeDeletionThreshold, organizationLicences, organizationProvisioningSettings } from './views/provisioning-settings.ts';

const notices: Record<string, string> = {
  threshold: 'The deletion threshold is saved.',
  'auto-on': 'Auto-provisioning is on: accounts changed from now on are exported within seconds.',
  'auto-off': 'Auto-provisioning is off.',
  licences: 'The default licences are saved.',
};

/**
 * Provisioning: the runs, a dry run first, the real run from its report (beyond the deletion
 * threshold only with a confirmation and a fresh second factor), the run's live progress and its
 * per-account report with filters and paging; the threshold, auto-provisioning and the default
 * licences with the tenant's seats. The JSON twins answer the same functions under the same rule.
 */
export function registerProvisioningRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const context = { ...deps.context, delegatedAccess: deps.services.delegatedTenantAccess };
  const { db, config } = context;

  router.get(liveProgressPath, (ctx) => {
    ctx.type = 'application/javascript';
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = liveProgressScript;
  });

  async function provisioningPage(ctx: Context, request: AdminRequest, organization: Organization, extra: { notice?: string | undefined; refusal?: ProvisioningPage['refusal']; freshSecondFactor?: boolean }) {
    const target = await organizationTarget(db, organization);
    kit.page(ctx, request, 'Provisioning', provisioningBody({
      slug: organization.slug,
      runs: await organizationRuns(context, request.admin, organization),
      settings: await organizationProvisioningSettings(context, request.admin, organization),
      licences: await organizationLicences(context, request.admin, organization),
      csrfToken: request.csrfToken,
      mayRun: can(request.admin, 'provisioning.run', target),
      maySettings: can(request.admin, 'provisioning.settings', target),
      mayThreshold: can(request.admin, 'provisioning.threshold', target),
      freshSecondFactor: extra.freshSecondFactor ?? hasFreshSecondFactor(deps, request),
      notice: extra.notice,
      refusal: extra.refusal,
    }), organization);
  }

  router.get('/admin/orgs/:slug/provisioning', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    const done = readQuery(ctx).get('done');
    await provisioningPage(ctx, request, organization, { notice: done ? notices[done] : undefined });
  });

  router.post('/admin/orgs/:slug/provisioning/runs', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.run', ctx.params.slug!);
    const confirm = form.get('confirm') === '1' && form.get('dryRun') !== '1';
    if (confirm) {
      await requireOrganizationFor(db, request.admin, 'provisioning.confirm-disables', organization.slug);
      await requireFreshSecondFactor(ctx, deps, request, 'provisioning.confirm-disables', form.get('code'));
    }
    const runId = await startOrganizationRun(context, deps.jobs, request.admin, organization, {
      kind: form.get('kind') ?? '', dryRun: form.get('dryRun') === '1', confirm, fromDryRun: form.get('fromDryRun'),
    });
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/provisioning/runs/${runId}`);
  });

  router.get('/admin/orgs/:slug/provisioning/runs/:id', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    const filter = resultFilterOf(new URLSearchParams(ctx.querystring), resultsPageSize);
    const { report, results, next } = await organizationRun(context, request.admin, organization, ctx.params.id!, filter);
    const target = await organizationTarget(db, organization);
    const settings = await organizationProvisioningSettings(context, request.admin, organization);
    kit.page(ctx, request, `Provisioning ${report.kind}`, runBody({
      slug: organization.slug, report, results, next, filter, threshold: settings.deletionThreshold, csrfToken: request.csrfToken,
      mayRun: can(request.admin, 'provisioning.run', target), mayConfirm: can(request.admin, 'provisioning.confirm-disables', target),
      freshSecondFactor: hasFreshSecondFactor(deps, request), nonce: ctx.state.nonce as string,
    }), organization);
  });

  router.post('/admin/orgs/:slug/provisioning/threshold', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.threshold', ctx.params.slug!);
    // A wrong code is a refusal of the form too; once a code is accepted the form asks for none again.
    let fresh = hasFreshSecondFactor(deps, request);
    await withFormRefusal(ctx, form, async () => {
      await requireFreshSecondFactor(ctx, deps, request, 'provisioning.threshold', form.get('code'));
      fresh = true;
      await changeDeletionThreshold(context, request.admin, organization, form.get('threshold') ?? '');
      ctx.status = 303;
      ctx.redirect(`/admin/orgs/${organization.slug}/provisioning?done=threshold`);
    }, (refusal) => provisioningPage(ctx, request, organization, { refusal: { form: 'threshold', refusal }, freshSecondFactor: fresh }));
  });

  router.post('/admin/orgs/:slug/provisioning/auto', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.settings', ctx.params.slug!);
    const on = await changeAutoProvisioning(context, request.admin, organization, form.get('state') ?? '');
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/provisioning?done=${on ? 'auto-on' : 'auto-off'}`);
  });

  router.post('/admin/orgs/:slug/provisioning/licences', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.settings', ctx.params.slug!);
    await withFormRefusal(ctx, form, async () => {
      await changeDefaultLicences(context, request.admin, organization, { skuIds: chosenSkus(form), usageLocation: form.get('usageLocation') ?? '' });
      ctx.status = 303;
      ctx.redirect(`/admin/orgs/${organization.slug}/provisioning?done=licences`);
    }, (refusal) => provisioningPage(ctx, request, organization, { refusal: { form: 'licences', refusal } }));
  });

  router.get('/admin/api/orgs/:slug/provisioning/runs', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    ctx.body = { runs: await organizationRuns(context, request.admin, organization) };
  });
  router.get('/admin/api/orgs/:slug/provisioning/runs/:id', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    ctx.body = await organizationRun(context, request.admin, organization, ctx.params.id!, resultFilterOf(new URLSearchParams(ctx.querystring), 1000));
  });
  router.get('/admin/api/orgs/:slug/provisioning/settings', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    ctx.body = await organizationProvisioningSettings(context, request.admin, organization);
  });
  router.get('/admin/api/orgs/:slug/provisioning/licences', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'provisioning.view', ctx.params.slug!);
    ctx.body = await organizationLicences(context, request.admin, organization);
  });
}

/** The ticked licence boxes: one field per SKU (`sku:<skuId>`), as a form may not repeat a field. */
function chosenSkus(form: Map<string, string>): string[] {
  return [...form.keys()].filter((name) => name.startsWith('sku:')).map((name) => name.slice(4));
}
