import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Organization } from '../core/db/schema.ts';
import type { PageScope } from './routes.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import type { SafeHtml } from '../core/pages/html.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import { withFormRefusal, type FormRefusal } from './form-refusal.ts';
import { domainsBody, federateBody, unfederateBody } from './pages/domains-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import {
  addOrganizationDomain, federateOrganizationDomain, federationChoiceOf, previewFederation, previewUnfederation, requireDomainOf, unfederateOrganizationDomain,
} from './views/domains.ts';
import { organizationOverview } from './views/organization-overview.ts';

export interface RouteKit {
  pageSession(ctx: Context, deps: PortalDeps): Promise<AdminRequest | undefined>;
  postSession(ctx: Context, deps: PortalDeps): Promise<AdminRequest>;
  apiSession(ctx: Context, deps: PortalDeps): Promise<AdminRequest>;
  /** `scope` puts the organization's (or the CSP partner's and customer's) pages in the navigation. */
  page(ctx: Context, request: AdminRequest, title: string, body: SafeHtml, scope?: PageScope): void;
  readonly doneNotices: Record<string, string>;
}

/**
 * Domains & federation: the list with an add form; federate and unfederate each as a GET that runs
 * the pre-flight (a dry run: nothing written, here or at Microsoft) and shows the checklist and the
 * Graph body, then a POST that confirms with re-authentication and runs it for real. The JSON twins
 * answer the list and the pre-flight.
 */
export function registerDomainRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const context = { ...deps.context, delegatedAccess: deps.services.delegatedTenantAccess };
  const { db, config } = context;
  const domainsOf = async (organization: Organization) => (await organizationOverview(db, organization, deps.clock.now())).domains;

  async function domainsPage(ctx: Context, request: AdminRequest, organization: Organization, extra: { notice?: string | undefined; refusal?: FormRefusal }) {
    const target = await organizationTarget(db, organization);
    kit.page(ctx, request, 'Domains & federation', domainsBody({
      slug: organization.slug,
      domains: await domainsOf(organization),
      csrfToken: request.csrfToken,
      mayAdd: can(request.admin, 'domains.add', target),
      mayFederate: can(request.admin, 'domains.federate', target),
      ...extra,
    }), organization);
  }

  router.get('/admin/orgs/:slug/domains', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'domains.view', ctx.params.slug!);
    const done = readQuery(ctx).get('done');
    await domainsPage(ctx, request, organization, { notice: done ? kit.doneNotices[done] : undefined });
  });

  router.post('/admin/orgs/:slug/domains', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'domains.add', ctx.params.slug!);
    await withFormRefusal(ctx, form, async () => {
      await addOrganizationDomain(context, request.admin, organization, form.get('name') ?? '');
      ctx.status = 303;
      ctx.redirect(`/admin/orgs/${organization.slug}/domains?done=domain-add`);
    }, (refusal) => domainsPage(ctx, request, organization, { refusal }));
  });

  router.get('/admin/orgs/:slug/domains/:name/federate', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'domains.federate', ctx.params.slug!);
    const domain = await requireDomainOf(context, organization, ctx.params.name!);
    const choice = federationChoiceOf(domain, readQuery(ctx));
    const preview = await previewFederation(context, request.admin, organization, domain, choice);
    kit.page(ctx, request, `Federate ${domain.name}`, federateBody({
      slug: organization.slug, domain: domain.name, choice, preview, csrfToken: request.csrfToken, freshSecondFactor: hasFreshSecondFactor(deps, request),
    }), organization);
  });

  router.post('/admin/orgs/:slug/domains/:name/federate', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'domains.federate', ctx.params.slug!);
    const domain = await requireDomainOf(context, organization, ctx.params.name!);
    const choice = federationChoiceOf(domain, form);
    await requireFreshSecondFactor(ctx, deps, request, 'domains.federate', form.get('code'));
    await federateOrganizationDomain(context, request.admin, organization, domain, choice);
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/domains?done=federate`);
  });

  router.get('/admin/orgs/:slug/domains/:name/unfederate', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'domains.federate', ctx.params.slug!);
    const domain = await requireDomainOf(context, organization, ctx.params.name!);
    const report = await previewUnfederation(context, request.admin, organization, domain);
    kit.page(ctx, request, `Unfederate ${domain.name}`, unfederateBody({ slug: organization.slug, report, csrfToken: request.csrfToken, freshSecondFactor: hasFreshSecondFactor(deps, request) }), organization);
  });

  router.post('/admin/orgs/:slug/domains/:name/unfederate', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'domains.federate', ctx.params.slug!);
    const domain = await requireDomainOf(context, organization, ctx.params.name!);
    await requireFreshSecondFactor(ctx, deps, request, 'domains.federate', form.get('code'));
    await unfederateOrganizationDomain(context, request.admin, organization, domain);
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/domains?done=unfederate`);
  });

  router.get('/admin/api/orgs/:slug/domains', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'domains.view', ctx.params.slug!);
    ctx.body = { domains: await domainsOf(organization) };
  });

  router.get('/admin/api/orgs/:slug/domains/:name/federation-preflight', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'domains.federate', ctx.params.slug!);
    const domain = await requireDomainOf(context, organization, ctx.params.name!);
    ctx.body = await previewFederation(context, request.admin, organization, domain, federationChoiceOf(domain, readQuery(ctx)));
  });
}
