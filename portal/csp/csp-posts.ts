import type { Context } from 'koa';
import { requireCustomerFor, requirePartnerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import type { Action } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import { cspPost } from './csp-action-kit.ts';

/**
 * A form post to a CSP customer's page or its JSON twin, in the order every post keeps: the
 * session, the form, its CSRF token (cspPost), then the rule for `action` on the customer in the URL.
 */
export async function customerPost(ctx: Context, deps: PortalDeps, kit: RouteKit, action: Action) {
  const { request, form } = await cspPost(ctx, deps, kit);
  return { request, form, ...(await requireCustomerFor(deps.context.db, request.admin, action, ctx.params.partner!, ctx.params.customer!)) };
}

/** The same for a partner's page (the Sync page): the rule for `action` on the partner in the URL. */
export async function partnerPost(ctx: Context, deps: PortalDeps, kit: RouteKit, action: Action) {
  const { request, form } = await cspPost(ctx, deps, kit);
  return { request, form, partner: await requirePartnerFor(deps.context.db, request.admin, action, ctx.params.partner!) };
}

/** After a page's post: see the page again (303, so a reload does not post twice). */
export function seeOther(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}
