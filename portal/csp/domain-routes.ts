import type Router from '@koa/router';
import type { Context } from 'koa';
import { findDomainFederation } from '../../core/db/domain-federations.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { readQuery } from '../../core/http/form-body.ts';
import { listCustomerDomains } from '../../csp/data/customer-domains.ts';
import type { CspCustomer, CspCustomerDomain, CspPartner } from '../../csp/data/tables.ts';
import { addDomainForCustomer, recordsForCustomerDomain, requireDomainOfCustomer, verifyDomainForCustomer, type DomainActionContext } from '../../csp/domains/domain-actions.ts';
import type { DnsWriter } from '../../csp/domains/hosted-zone-access.ts';
import { federateCustomerDomain, previewCustomerDomainFederation } from '../../csp/domains/federate-customer-domain.ts';
import { customerTarget, requireCustomerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import { withFormRefusal, type FormRefusal } from '../form-refusal.ts';
import { customerPost, seeOther } from './csp-posts.ts';
import { can, type Action } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import type { AdminRequest } from '../session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from '../session/reauth.ts';
import { federationPreviewOf } from '../views/domains.ts';
import { customerDomainsBody, customerFederateBody, domainRecordsBody, domainsBase, type CustomerDomainRow } from './domain-pages.ts';

const customerPath = '/admin/csp/:partner/customers/:customer/domains';
const apiPath = `/admin/api${customerPath.slice('/admin'.length)}`;

/**
 * A CSP customer's Domains page and its JSON twins: the same domain actions as `csp domain add |
 * verify | records` and `--federate` (csp/domains/domain-actions.ts, federate-customer-domain.ts),
 * each behind requireCustomerFor with its own action (csp.domains.manage; csp.domains.federate,
 * re-authenticated). Pages redirect after a post; the JSON twins answer what the command prints.
 */
export function registerCspDomainRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const context: DomainActionContext = { ...deps.context, delegatedAccess: deps.services.delegatedTenantAccess };
  const { db } = context;
  const scoped = (request: AdminRequest, ctx: Context, action: Action) => requireCustomerFor(db, request.admin, action, ctx.params.partner!, ctx.params.customer!);

  async function rowsOf(customer: CspCustomer): Promise<CustomerDomainRow[]> {
    return Promise.all((await listCustomerDomains(db, customer.id)).map(async (row) => {
      const lanyardDomain = row.state === 'verified' ? await findDomainByName(db, row.domain) : undefined;
      return { ...row, federated: lanyardDomain ? (await findDomainFederation(db, lanyardDomain.id)) !== undefined : false };
    }));
  }

  /** Who writes DNS: a partner-admin (or the operator) may claim an unowned hosted zone for the customer, a reseller may not. */
  const dnsWriter = (request: AdminRequest, customer: CspCustomer): DnsWriter => ({ actor: request.admin.actor, mayClaimZone: can(request.admin, 'csp.dns.claim-zone', customerTarget(customer)) });

  /** A form post: session, CSRF, the rule for `action`, then the form. */

  async function domainsPage(ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer, query: Map<string, string>, refusal?: FormRefusal): Promise<void> {
    const domains = await rowsOf(customer);
    const asked = domains.find((row) => row.domain === (query.get('added') ?? query.get('verified') ?? query.get('federated')));
    const target = customerTarget(customer);
    kit.page(ctx, request, `Domains · ${customer.companyName}`, customerDomainsBody({
      partner, customer, domains, csrfToken: request.csrfToken,
      mayManage: can(request.admin, 'csp.domains.manage', target),
      mayFederate: can(request.admin, 'csp.domains.federate', target),
      ...outcomeNotice(asked, query.has('federated')),
      refusal,
    }), { partner, customer });
  }

  router.get(customerPath, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await scoped(request, ctx, 'csp.customer.view');
    await domainsPage(ctx, request, partner, customer, readQuery(ctx));
  });

  for (const path of [customerPath, apiPath]) {
    const api = path === apiPath;
    router.post(path, async (ctx) => {
      const { request, form, partner, customer } = await customerPost(ctx, deps, kit, 'csp.domains.manage');
      const add = () => addDomainForCustomer(context, deps.clock, customer, form.get('name') ?? '', dnsWriter(request, customer));
      if (api) ctx.body = await add();
      else await withFormRefusal(ctx, form, async () => seeOther(ctx, `${domainsBase(partner, customer)}?added=${encodeURIComponent((await add()).domain)}`),
        (refusal) => domainsPage(ctx, request, partner, customer, new Map(), refusal));
    });
    router.post(`${path}/:domain/verify`, async (ctx) => {
      const { request, partner, customer } = await customerPost(ctx, deps, kit, 'csp.domains.manage');
      const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
      const outcome = await verifyDomainForCustomer(context, deps.clock, customer, row, dnsWriter(request, customer));
      if (api) ctx.body = outcome;
      else seeOther(ctx, `${domainsBase(partner, customer)}?verified=${encodeURIComponent(row.domain)}`);
    });
    router.post(`${path}/:domain/records`, async (ctx) => {
      const { request, partner, customer } = await customerPost(ctx, deps, kit, 'csp.domains.manage');
      const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
      const view = await recordsForCustomerDomain(context, deps.clock, customer, row, { setup: true }, dnsWriter(request, customer));
      // The page answers the post itself: what was written and what could not be are this call's.
      if (api) ctx.body = view;
      else kit.page(ctx, request, `DNS records of ${row.domain}`, domainRecordsBody({ partner, customer, view, csrfToken: request.csrfToken, mayManage: true, setupDone: true }), { partner, customer });
    });
    router.post(`${path}/:domain/federate`, async (ctx) => {
      const { request, form, partner, customer } = await customerPost(ctx, deps, kit, 'csp.domains.federate');
      const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
      await requireFreshSecondFactor(ctx, deps, request, 'csp.domains.federate', form.get('code'));
      const report = await federateCustomerDomain(context, customer, row.domain, request.admin.actor);
      if (api) ctx.body = report;
      else seeOther(ctx, `${domainsBase(partner, customer)}?federated=${encodeURIComponent(row.domain)}`);
    });
  }

  router.get(`${customerPath}/:domain/records`, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await scoped(request, ctx, 'csp.customer.view');
    const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
    const view = await recordsForCustomerDomain(context, deps.clock, customer, row, { setup: false }, dnsWriter(request, customer));
    const mayManage = can(request.admin, 'csp.domains.manage', customerTarget(customer));
    kit.page(ctx, request, `DNS records of ${row.domain}`, domainRecordsBody({ partner, customer, view, csrfToken: request.csrfToken, mayManage, setupDone: false }), { partner, customer });
  });

  router.get(`${customerPath}/:domain/federate`, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await scoped(request, ctx, 'csp.domains.federate');
    const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
    const preview = await federationPreviewOf(row.domain, () => previewCustomerDomainFederation(context, customer, row.domain, request.admin.actor));
    const organization = (await findOrganizationById(db, customer.organizationId!))!;
    kit.page(ctx, request, `Federate ${row.domain}`, customerFederateBody({
      partner, customer, domain: row.domain, organization: organization.slug, preview, csrfToken: request.csrfToken, freshSecondFactor: hasFreshSecondFactor(deps, request),
    }), { partner, customer });
  });

  router.get(apiPath, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { customer } = await scoped(request, ctx, 'csp.customer.view');
    ctx.body = { customer: customer.domain, domains: await rowsOf(customer) };
  });
  router.get(`${apiPath}/:domain/records`, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { customer } = await scoped(request, ctx, 'csp.customer.view');
    const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
    ctx.body = await recordsForCustomerDomain(context, deps.clock, customer, row, { setup: false }, dnsWriter(request, customer));
  });
  router.get(`${apiPath}/:domain/federation-preflight`, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { customer } = await scoped(request, ctx, 'csp.domains.federate');
    const row = await requireDomainOfCustomer(context, customer, ctx.params.domain!);
    ctx.body = await federationPreviewOf(row.domain, () => previewCustomerDomainFederation(context, customer, row.domain, request.admin.actor));
  });
}


/** What the page says after an action, read from the domain's row as it is now (never from the URL's text). */
function outcomeNotice(row: CspCustomerDomain & { federated: boolean } | undefined, federated: boolean) {
  if (!row) return {};
  if (federated && row.federated) return { notice: `${row.domain} is federated: Microsoft now sends its sign-ins to Lanyard.` };
  if (row.state === 'verified') return { notice: `${row.domain} is verified and its DNS records are set up (or listed under DNS records).` };
  if (row.lastErrorCode && row.lastError) return { problem: { domain: row.domain, code: row.lastErrorCode, message: row.lastError } };
  return { notice: `${row.domain} is added and waits for verification.` };
}
