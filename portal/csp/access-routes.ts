import type Router from '@koa/router';
import type { Context } from 'koa';
import { isLanyardError } from '../../core/errors.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import { checkCustomerAccess, customerAccessStatus, inviteCustomerAdmin, type AccessDeps } from '../../csp/access/customer-access-admin.ts';
import { createConsentInvitation } from '../../csp/access/customer-consent.ts';
import type { CspCustomer, CspPartner } from '../../csp/data/tables.ts';
import { requireCustomerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import type { PortalDeps } from '../session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from '../session/portal-session.ts';
import { accessBody, type AccessOutcome } from './access-page.ts';
import { cspPaths } from './csp-routes.ts';

/**
 * A customer's access page (csp.access.manage: partner-admins and the operator): the relationship,
 * the tenant consent, the customer's own token, and "Send invitation", "Copy consent link",
 * "Validate authentication", "Refresh token now". Each button is a POST (CSRF-checked) whose answer
 * is the page again with the outcome on top: a link to copy is shown once and never put in a URL.
 */
export function registerAccessRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db } = deps.context;
  const accessDeps: AccessDeps = { db, secretBox: deps.context.secretBox, clock: deps.clock, config: deps.context.config };
  const path = '/admin/csp/:partner/customers/:customer/access';
  const render = async (ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer, outcome?: AccessOutcome) => {
    const status = await customerAccessStatus(accessDeps, customer.domain);
    kit.page(ctx, request, `Customer access · ${customer.companyName}`, accessBody({ status, action: cspPaths.customerPage(partner, customer, 'access'), csrfToken: request.csrfToken, email: customer.email, outcome }), { partner, customer });
  };

  router.get(path, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await requireCustomerFor(db, request.admin, 'csp.access.manage', ctx.params.partner!, ctx.params.customer!);
    await render(ctx, request, partner, customer);
  });

  router.post(path, async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, deps.context.config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const { partner, customer } = await requireCustomerFor(db, request.admin, 'csp.access.manage', ctx.params.partner!, ctx.params.customer!);
    const actor = request.admin.actor;
    let outcome: AccessOutcome;
    try {
      switch (form.get('do')) {
        case 'invite': {
          const sent = await inviteCustomerAdmin(accessDeps, customer.domain, form.get('to')?.trim() || undefined, actor);
          outcome = { kind: 'invited', to: sent.mailedTo, expiresAt: sent.expiresAt };
          break;
        }
        case 'link': {
          const link = await createConsentInvitation(accessDeps, customer.domain, actor);
          outcome = { kind: 'link', url: link.url, expiresAt: link.expiresAt };
          break;
        }
        case 'validate':
        case 'refresh': {
          const action = form.get('do') as 'validate' | 'refresh';
          const result = await checkCustomerAccess(accessDeps, customer.domain, { validate: action === 'validate' }, actor);
          outcome = { kind: 'check', action, ok: result.ok, tokenSource: result.tokenSource, code: result.code, message: result.message, remediation: result.remediation };
          break;
        }
        default:
          outcome = { kind: 'refused', code: 'USAGE', message: 'Unknown action.' };
      }
    } catch (error) {
      // A refusal the admin can act on (no SMTP, no e-mail address, Microsoft unreachable) is shown on the page.
      if (!isLanyardError(error) || error.status >= 500 && error.code !== 'MICROSOFT_UNREACHABLE') throw error;
      outcome = { kind: 'refused', code: error.code, message: error.message };
    }
    await render(ctx, request, partner, customer, outcome);
  });
}
