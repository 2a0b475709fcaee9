import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessReport } from '../../csp/partners/access-check.ts';
import type { AdminRequest } from '../session/portal-session.ts';
import { customerExtras, partnerExtras, registerPartnerRoutes } from './partner-routes.ts';
import { registerSubscriptionRoutes } from './subscription-routes.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { listCustomerLicences } from '../../csp/data/customers.ts';
import type { CspCustomer, CspPartner } from '../../csp/data/tables.ts';
import { customerView } from '../../csp/customers/customer-view.ts';
import { partnerView } from '../../csp/partners/partner-admin.ts';
import { statusOf } from '../../csp/tokens/partner-tokens.ts';
import { customerTarget, partnerTarget, reachableCustomers, reachablePartners, requireCustomerFor, requirePartnerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import type { NavGroup } from '../pages/layout.ts';
import { can, type Admin } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import { customerBody, partnerBody, partnersBody } from './csp-pages.ts';
import { registerAccessRoutes } from './access-routes.ts';
import { registerCspDomainRoutes } from './domain-routes.ts';
import { registerCspSyncRoutes } from './sync-routes.ts';
import { registerCspUserRoutes } from './user-routes.ts';

/** A page of the CSP part of the portal: in a partner, and maybe in one of its customers. */
export interface CspPageScope {
  readonly partner: CspPartner;
  readonly customer?: CspCustomer | undefined;
}

export const isCspScope = (scope: object): scope is CspPageScope => 'partner' in scope;

/** The CSP pages' addresses, in one place (pages, redirects and the navigation use these). */
export const cspPaths = {
  partners: '/admin/csp',
  partner: (partner: Pick<CspPartner, 'slug'>) => `/admin/csp/${partner.slug}`,
  sync: (partner: Pick<CspPartner, 'slug'>) => `/admin/csp/${partner.slug}/sync`,
  customer: (partner: Pick<CspPartner, 'slug'>, customer: Pick<CspCustomer, 'tenantId'>) => `/admin/csp/${partner.slug}/customers/${customer.tenantId}`,
  customerPage: (partner: Pick<CspPartner, 'slug'>, customer: Pick<CspCustomer, 'tenantId'>, page: 'subscriptions' | 'domains' | 'users' | 'access') =>
    `/admin/csp/${partner.slug}/customers/${customer.tenantId}/${page}`,
};

/** The navigation of a CSP page: the partner's pages, then the customer's, each only if the admin may open it. */
export function cspNav(admin: Admin, scope: CspPageScope): NavGroup[] {
  const { partner, customer } = scope;
  const partnerItems = [{ href: cspPaths.partner(partner), label: 'Partner & customers' }];
  if (can(admin, 'csp.sync.view', partnerTarget(partner))) partnerItems.push({ href: cspPaths.sync(partner), label: 'Sync & errors' });
  const groups: NavGroup[] = [{ title: `CSP · ${partner.slug}`, items: partnerItems }];
  if (customer) {
    const target = customerTarget(customer);
    const items = [
      { href: cspPaths.customer(partner, customer), label: 'Customer overview' },
      { href: cspPaths.customerPage(partner, customer, 'subscriptions'), label: 'Subscriptions' },
      { href: cspPaths.customerPage(partner, customer, 'domains'), label: 'Domains' },
      { href: cspPaths.customerPage(partner, customer, 'users'), label: 'Users & licences' },
    ];
    if (can(admin, 'csp.access.manage', target)) items.push({ href: cspPaths.customerPage(partner, customer, 'access'), label: 'Customer access' });
    groups.push({ title: customer.companyName, items });
  }
  return groups;
}

/**
 * The CSP part of the portal, for partner-admins and resellers (and the operator): the partners
 * the admin reaches, a partner's connection and customers, and a customer's overview. Every route
 * asks `can` through requirePartnerFor / requireCustomerFor, which refuse unknown and out-of-scope
 * partners and customers alike. The customer's subscriptions, domains, users and access pages and
 * the partner's sync page register here too (their own files beside this one).
 */
export function registerCspRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db } = deps.context;
  // First: their fixed paths (…/customers/new) must win over the customer page's :customer.
  registerPartnerRoutes(router, deps, kit);
  registerSubscriptionRoutes(router, deps, kit);
  registerAccessRoutes(router, deps, kit);

  router.get(cspPaths.partners, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    kit.page(ctx, request, 'CSP partners', partnersBody((await reachablePartners(db, request.admin)).map(partnerView)));
  });

  router.get('/admin/csp/:partner', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const partner = await requirePartnerFor(db, request.admin, 'csp.partner.view', ctx.params.partner!);
    await partnerPage(ctx, deps, kit, request, partner);
  });

  router.get('/admin/csp/:partner/customers/:customer', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await requireCustomerFor(db, request.admin, 'csp.customer.view', ctx.params.partner!, ctx.params.customer!);
    const organization = customer.organizationId ? await findOrganizationById(db, customer.organizationId) : undefined;
    const view = customerView(customer, partner.slug, organization?.slug ?? null, await listCustomerLicences(db, customer.id));
    kit.page(ctx, request, customer.companyName, customerBody(partner, view, await customerExtras(ctx, deps, request, partner, customer)), { partner, customer });
  });

  // The same facts as JSON, for scripts holding an admin session.
  router.get('/admin/api/csp/:partner', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const partner = await requirePartnerFor(db, request.admin, 'csp.partner.view', ctx.params.partner!);
    const customers = await reachableCustomers(db, request.admin, partner);
    ctx.body = { partner: partnerView(partner), token: statusOf(partner, deps.clock.now()), customers: customers.map((customer) => customerView(customer, partner.slug, null)) };
  });
  router.get('/admin/api/csp/:partner/customers/:customer', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { partner, customer } = await requireCustomerFor(db, request.admin, 'csp.customer.view', ctx.params.partner!, ctx.params.customer!);
    const organization = customer.organizationId ? await findOrganizationById(db, customer.organizationId) : undefined;
    ctx.body = customerView(customer, partner.slug, organization?.slug ?? null, await listCustomerLicences(db, customer.id));
  });

  registerCspDomainRoutes(router, deps, kit);
  registerCspUserRoutes(router, deps, kit);
  registerCspSyncRoutes(router, deps, kit);
}

/** The partner page (token health, actions, customers); its actions' answers render it too (partner-routes.ts). */
export async function partnerPage(ctx: Context, deps: PortalDeps, kit: RouteKit, request: AdminRequest, partner: CspPartner, extra: { report?: AccessReport; error?: string } = {}): Promise<void> {
  const customers = await reachableCustomers(deps.context.db, request.admin, partner);
  kit.page(ctx, request, `CSP · ${partner.slug}`, partnerBody({
    partner,
    view: partnerView(partner),
    token: statusOf(partner, deps.clock.now()),
    customers: customers.map((customer) => customerView(customer, partner.slug, null)),
    mayManage: can(request.admin, 'csp.partner.manage', partnerTarget(partner)),
    actions: partnerExtras(ctx, request, partner, deps.clock.now(), extra),
  }), { partner });
}
