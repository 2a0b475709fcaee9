import type { Context } from 'koa';
import { bearerKeyOf } from '../core/bearer-keys.ts';
import { findOrganizationById } from '../core/db/organizations.ts';
import type { Organization } from '../core/db/schema.ts';
import { LanyardError } from '../core/errors.ts';
import { organizationTarget, requireCan, requireOrganizationFor } from '../portal/admins.ts';
import { dangerousActions, type Action, type Admin } from '../portal/policy.ts';
import type { PortalDeps } from '../portal/session/deps.ts';
import { assertPortalCsrf, portalCookieName, resumePortalSession, type AdminRequest } from '../portal/session/portal-session.ts';
import { requireFreshSecondFactor } from '../portal/session/reauth.ts';
import { authenticateApiToken } from './api-tokens.ts';
import type { ApiToken } from './data/tables.ts';

/**
 * Who calls the admin API: an API token (one organization, no installation-wide power) or a
 * signed-in admin's portal session. Both are an `Admin` for the one rule (`can`): a token is the
 * org-admin of its organization, named `api:<token name>` in the audit log. A token has no second
 * factor, so it is refused every dangerous action; a session takes them with a fresh one, as in the portal.
 */
export type ApiCaller =
  | { readonly kind: 'token'; readonly admin: Admin; readonly token: ApiToken; readonly organization: Organization }
  | { readonly kind: 'session'; readonly admin: Admin; readonly request: AdminRequest };

/** The header that carries the session's CSRF token on every unsafe call made with the session cookie. */
export const csrfHeader = 'x-csrf-token';
/** The header that carries a fresh TOTP code for a dangerous action, when the session's last one is too old. */
export const secondFactorHeader = 'x-lanyard-totp';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates a request: a bearer token when one is sent (a cookie beside it is ignored), else
 * the portal session cookie, whose unsafe calls must carry its CSRF token in X-CSRF-Token (a form
 * or fetch from another site cannot). Neither: API_TOKEN_MISSING, as before sessions were accepted.
 */
export async function authenticateCaller(ctx: Context, deps: PortalDeps): Promise<ApiCaller> {
  if (ctx.get('authorization') || !ctx.cookies.get(portalCookieName)) {
    const token = await authenticateApiToken(deps.context.db, bearerKeyOf(ctx.get('authorization')), deps.clock.now());
    const organization = await findOrganizationById(deps.context.db, token.organizationId);
    if (!organization) throw new LanyardError('API_TOKEN_INVALID', 'the API token is not valid');
    const admin: Admin = { userId: null, actor: `api:${token.name}`, grants: [{ role: 'org-admin', organizationId: organization.id, partnerId: null, resellerId: null }] };
    return { kind: 'token', admin, token, organization };
  }
  const request = await resumePortalSession(ctx, deps);
  if (!request) throw new LanyardError('ADMIN_SESSION_REQUIRED', 'The admin session has ended: sign in to the portal again, or send an API token.');
  if (!safeMethods.has(ctx.method)) assertPortalCsrf(request, ctx.get(csrfHeader) || undefined);
  return { kind: 'session', admin: request.admin, request };
}

/**
 * The organization an organization endpoint acts on, once the rule allows `action` there: the one
 * named in the path (another organization and an unknown one are refused alike, ADMIN_FORBIDDEN),
 * or, on a token's implicit path, the token's own.
 */
export async function organizationFor(deps: PortalDeps, caller: ApiCaller, action: Action, slug: string | undefined): Promise<Organization> {
  const { db } = deps.context;
  if (slug !== undefined) return requireOrganizationFor(db, caller.admin, action, slug);
  if (caller.kind !== 'token') {
    throw new LanyardError('API_ORGANIZATION_REQUIRED', 'An admin session names the organization: use /api/v1/orgs/{slug}/… (only an API token has an organization of its own).');
  }
  requireCan(caller.admin, action, await organizationTarget(db, caller.organization));
  return caller.organization;
}

/**
 * A dangerous action (policy.ts) asks for a fresh second factor, as the portal does (reauth.ts):
 * the session's last TOTP code is recent, or one comes in X-Lanyard-TOTP. A token is refused.
 */
export async function requireSecondFactorFor(ctx: Context, deps: PortalDeps, caller: ApiCaller, action: Action): Promise<void> {
  if (!dangerousActions.has(action)) return;
  if (caller.kind === 'token') {
    throw new LanyardError('ADMIN_FORBIDDEN', 'An API token cannot take this action: it needs an admin\'s fresh second factor (use a signed-in admin session).', { action });
  }
  await requireFreshSecondFactor(ctx, deps, caller.request, action, ctx.get(secondFactorHeader) || undefined);
}

/** How a run started through the API names who asked for it: `api:<token name>`, or `api:user:<upn>` as from the portal. */
export const requestedByOf = (caller: ApiCaller) => (caller.kind === 'token' ? caller.admin.actor : `api:${caller.admin.actor}`);
