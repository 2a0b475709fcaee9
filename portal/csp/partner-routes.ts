import type Router from '@koa/router';
import type { Context } from 'koa';
import { isLanyardError } from '../../core/errors.ts';
import { readQuery } from '../../core/http/form-body.ts';
import { startConsent } from '../../csp/consent/consent.ts';
import { acceptAgreement, type AgreementReport } from '../../csp/customers/accept-agreement.ts';
import { createCustomer } from '../../csp/customers/create-customer.ts';
import { linkCustomer, unlinkCustomer } from '../../csp/customers/customer-admin.ts';
import { customerView } from '../../csp/customers/customer-view.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findPartnerBySlug } from '../../csp/data/partners.ts';
import type { CspCustomer, CspPartner } from '../../csp/data/tables.ts';
import { checkPartnerAccess, type AccessReport } from '../../csp/partners/access-check.ts';
import { refreshPartnerToken, statusOf } from '../../csp/tokens/partner-tokens.ts';
import { noticeTokenState } from '../../csp/tokens/token-notices.ts';
import { customerTarget, partnerTarget, requireCustomerFor, requirePartnerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import { withFormRefusal, type FormRefusal } from '../form-refusal.ts';
import type { SafeHtml } from '../../core/pages/html.ts';
import { can } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import type { AdminRequest } from '../session/portal-session.ts';
import { partnerPage } from './csp-routes.ts';
import { cspPost, cspServiceDeps, linkableOrganizations, optional, organizationSlugOf, requireLinkableOrganization } from './csp-action-kit.ts';
import { createCustomerBody, createdCustomerBody, customerActionsBody, importReportBody, partnerActionsBody } from './partner-pages.ts';

const notices: Record<string, string> = {
  consent: 'Consent recorded: Lanyard holds a new refresh token for this partner.',
  refresh: 'The token was redeemed and the rotated one stored.',
  link: 'The customer is linked: the organization reaches its tenant through the partner\u2019s delegated access.',
  unlink: 'The customer is unlinked: the organization needs its own tenant connection now.',
  agreement: 'The acceptance of the Microsoft Customer Agreement is recorded.',
};

/**
 * The partner page's actions and the customer actions, each the service a `lanyard csp` command
 * calls: consent (`partner consent`: the browser goes to Entra's authorize URL), renew now
 * (`partner refresh`), the access check (`partner check`), create (`customer create`, with
 * `accept-agreement`), import (`customer import`), link / unlink (`customer link|unlink`). Each has
 * a JSON twin under /admin/api/csp (same form fields and CSRF token, same functions, same rule).
 */
export function registerPartnerRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db } = deps.context;
  const services = () => cspServiceDeps(deps);
  const both = (path: string, handler: (ctx: Context, json: boolean) => Promise<void>) => {
    router.post(`/admin/csp/${path}`, (ctx) => handler(ctx, false));
    router.post(`/admin/api/csp/${path}`, (ctx) => handler(ctx, true));
  };

  // Consent: the page's browser goes to Entra; the JSON twin answers the URL (as the CLI prints it).
  both(':partner/consent', async (ctx, json) => {
    const { request } = await cspPost(ctx, deps, kit);
    const partner = await requirePartnerFor(db, request.admin, 'csp.partner.manage', ctx.params.partner!);
    const started = await startConsent(deps.context, partner.slug, request.admin.actor, deps.clock.now());
    if (json) {
      ctx.body = started;
      return;
    }
    ctx.status = 303;
    ctx.redirect(started.url);
  });

  both(':partner/refresh', async (ctx, json) => {
    const { request } = await cspPost(ctx, deps, kit);
    const partner = await requirePartnerFor(db, request.admin, 'csp.partner.manage', ctx.params.partner!);
    try {
      const status = await refreshPartnerToken(deps.context, partner.slug, request.admin.actor, deps.clock.now());
      if (json) ctx.body = status;
      else {
        ctx.status = 303;
        ctx.redirect(`/admin/csp/${partner.slug}?done=refresh`);
      }
    } catch (error) {
      if (json || !isLanyardError(error)) throw error;
      // The refusal is recorded on the partner: the page shows the new state with its remediation.
      ctx.status = error.status;
      await renderPartner(ctx, request, (await findPartnerBySlug(db, partner.slug))!, { error: `${error.message} (${error.code})` });
    } finally {
      // As `csp partner refresh`: a refusal is news for the partner's admins, told once per state.
      await noticeTokenState(deps.context, partner.id, deps.clock.now());
    }
  });

  both(':partner/check', async (ctx, json) => {
    const { request } = await cspPost(ctx, deps, kit);
    const partner = await requirePartnerFor(db, request.admin, 'csp.partner.manage', ctx.params.partner!);
    const report = await checkPartnerAccess({ db, secretBox: deps.context.secretBox, clock: deps.clock }, partner.slug, request.admin.actor);
    if (json) ctx.body = report;
    else await renderPartner(ctx, request, (await findPartnerBySlug(db, partner.slug))!, { report });
  });

  async function renderPartner(ctx: Context, request: AdminRequest, partner: CspPartner, extra: { report?: AccessReport; error?: string }): Promise<void> {
    // The partner page itself, with the report or the refusal (GET /admin/csp/:partner renders the same).
    await partnerPage(ctx, deps, kit, request, partner, extra);
  }

  /** The create form; after a refusal, with it on top and what was typed. */
  async function createForm(ctx: Context, request: AdminRequest, partner: CspPartner, refusal?: FormRefusal): Promise<void> {
    kit.page(ctx, request, `Create a customer of ${partner.slug}`, createCustomerBody({
      partner,
      csrfToken: request.csrfToken,
      resellers: JSON.parse(partner.resellerIds) as string[],
      organizations: await linkableOrganizations(deps, request.admin),
      smtpConfigured: deps.context.config.smtp !== undefined && deps.context.config.smtp !== null,
      refusal,
    }), { partner });
  }

  router.get('/admin/csp/:partner/customers/new', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const partner = await requirePartnerFor(db, request.admin, 'csp.customers.add', ctx.params.partner!);
    await createForm(ctx, request, partner);
  });

  both(':partner/customers', async (ctx, json) => {
    const { request, form } = await cspPost(ctx, deps, kit);
    const partner = await requirePartnerFor(db, request.admin, 'csp.customers.add', ctx.params.partner!);
    const create = () => createAndAnswer(ctx, json, request, partner, form);
    // The JSON twin answers a refusal as its error; the page shows it on the form, values kept.
    if (json) await create();
    else await withFormRefusal(ctx, form, create, (refusal) => createForm(ctx, request, partner, refusal));
  });

  async function createAndAnswer(ctx: Context, json: boolean, request: AdminRequest, partner: CspPartner, form: Map<string, string>): Promise<void> {
    const organization = optional(form, 'organization');
    if (organization) await requireLinkableOrganization(deps, request.admin, organization);
    const mailTo = optional(form, 'mailPasswordTo');
    const text = (name: string) => form.get(name) ?? '';
    const contact = { firstName: text('firstName'), lastName: text('lastName'), email: text('email'), ...(optional(form, 'phone') ? { phone: optional(form, 'phone')! } : {}) };
    const acceptNow = form.get('acceptAgreement') === 'on';
    const report = await createCustomer(services(), partner.slug, {
      company: text('company'),
      domainPrefix: text('domainPrefix'),
      email: text('email'),
      country: text('country'),
      firstName: text('firstName'),
      lastName: text('lastName'),
      address: text('address'),
      city: text('city'),
      postalCode: text('postalCode'),
      ...(optional(form, 'state') ? { state: optional(form, 'state')! } : {}),
      ...(contact.phone ? { phone: contact.phone } : {}),
      ...(organization ? { organization } : {}),
      ...(mailTo ? { mailPasswordTo: mailTo as 'customer' | 'billing' } : {}),
      ...(optional(form, 'billingEmail') ? { billingEmail: optional(form, 'billingEmail')! } : {}),
      ...(optional(form, 'reseller') ? { reseller: optional(form, 'reseller')! } : {}),
    }, request.admin.actor);
    // `csp customer accept-agreement` right after, for the same contact (the create has checked its fields).
    const agreement: AgreementReport | null = acceptNow ? await acceptAgreement(services(), report.customer.tenantId, contact, request.admin.actor) : null;
    // The password is in this answer only: never cached, never in a URL.
    ctx.set('Cache-Control', 'no-store');
    if (json) {
      ctx.body = { ...report, agreement };
      return;
    }
    kit.page(ctx, request, `Customer ${report.customer.domain} created`, createdCustomerBody(partner, report, agreement), { partner });
  }

  both(':partner/customers/import', async (ctx, json) => {
    const { request, form } = await cspPost(ctx, deps, kit);
    const partner = await requirePartnerFor(db, request.admin, 'csp.customers.add', ctx.params.partner!);
    const report = await importCustomers(services(), partner.slug, { dryRun: form.get('dryRun') === 'on' }, request.admin.actor);
    if (json) ctx.body = report;
    else kit.page(ctx, request, `Import · ${partner.slug}`, importReportBody(partner, report), { partner });
  });

  /** A customer action: the customer in the admin's scope, and the partner-level right to manage customers. */
  async function customerPost(ctx: Context) {
    const { request, form } = await cspPost(ctx, deps, kit);
    const { partner, customer } = await requireCustomerFor(db, request.admin, 'csp.customer.view', ctx.params.partner!, ctx.params.customer!);
    await requirePartnerFor(db, request.admin, 'csp.customers.add', partner.slug);
    return { request, form, partner, customer };
  }
  const backToCustomer = (ctx: Context, partner: CspPartner, customer: CspCustomer, done: string) => {
    ctx.status = 303;
    ctx.redirect(`/admin/csp/${partner.slug}/customers/${customer.tenantId}?done=${done}`);
  };

  both(':partner/customers/:customer/link', async (ctx, json) => {
    const { request, form, partner, customer } = await customerPost(ctx);
    const organization = await requireLinkableOrganization(deps, request.admin, form.get('org') ?? '');
    const view = await linkCustomer(db, customer.tenantId, organization.slug, request.admin.actor, deps.clock.now());
    if (json) ctx.body = view;
    else backToCustomer(ctx, partner, customer, 'link');
  });

  both(':partner/customers/:customer/unlink', async (ctx, json) => {
    const { request, partner, customer } = await customerPost(ctx);
    const result = await unlinkCustomer(db, customer.tenantId, request.admin.actor, deps.clock.now());
    if (json) ctx.body = { ...result.customer, unlinked: result.unlinked };
    else backToCustomer(ctx, partner, customer, 'unlink');
  });

  both(':partner/customers/:customer/agreement', async (ctx, json) => {
    const { request, form, partner, customer } = await customerPost(ctx);
    const phone = optional(form, 'agreement-phone') ?? optional(form, 'phone');
    const report = await acceptAgreement(services(), customer.tenantId, {
      firstName: form.get('agreement-first-name') ?? form.get('firstName') ?? '',
      lastName: form.get('agreement-last-name') ?? form.get('lastName') ?? '',
      email: form.get('agreement-email') ?? form.get('email') ?? '',
      ...(phone ? { phone } : {}),
    }, request.admin.actor);
    if (json) ctx.body = report;
    else backToCustomer(ctx, partner, customer, 'agreement');
  });
}

/** The partner page's action section (csp-routes.ts puts it under the token health). */
export function partnerExtras(ctx: Context, request: AdminRequest, partner: CspPartner, now: Date, extra: { report?: AccessReport | undefined; error?: string | undefined } = {}): SafeHtml {
  const done = readQuery(ctx).get('done');
  return partnerActionsBody({
    partner,
    token: statusOf(partner, now),
    csrfToken: request.csrfToken,
    mayManage: can(request.admin, 'csp.partner.manage', partnerTarget(partner)),
    mayAddCustomers: can(request.admin, 'csp.customers.add', partnerTarget(partner)),
    notice: done ? notices[done] : undefined,
    report: extra.report,
    error: extra.error,
  });
}

/** The customer overview's action section (link / unlink, agreement). */
export async function customerExtras(ctx: Context, deps: PortalDeps, request: AdminRequest, partner: CspPartner, customer: CspCustomer): Promise<SafeHtml> {
  const done = readQuery(ctx).get('done');
  const mayManage = can(request.admin, 'csp.customers.add', partnerTarget(partner)) && can(request.admin, 'csp.customer.view', customerTarget(customer));
  return customerActionsBody({
    partner,
    view: customerView(customer, partner.slug, await organizationSlugOf(deps, customer.organizationId)),
    csrfToken: request.csrfToken,
    mayManage,
    organizations: mayManage && !customer.organizationId ? await linkableOrganizations(deps, request.admin) : [],
    notice: done ? notices[done] : undefined,
  });
}
