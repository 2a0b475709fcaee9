import { createHash, createHmac, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { LanyardError } from '../../core/errors.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import { createRouter } from '../../core/router.ts';
import { findDomainForUpnSuffix } from '../../idp/accounts/domains.ts';
import { openPortalTicket, portalTicketPath } from '../../idp/login/portal-responder.ts';
import { equalText, startSignInRequest } from '../../idp/login/sign-in-request.ts';
import { loadAdmin } from '../admins.ts';
import { renderSignInStartPage } from '../pages/signin-page.ts';
import type { PortalDeps } from './deps.ts';
import { assertPortalCsrf, endThisPortalSession, portalCookieOptions, resumePortalSession, startPortalSession } from './portal-session.ts';

const stateCookieName = 'lanyard_admin_state';
/** A ticket is carried by an auto-posting page at once: older ones are refused. */
const ticketMaxAgeMs = 5 * 60_000;

/**
 * Portal sign-in: the admin names their account here, then goes through Lanyard's own sign-in
 * pages (password typed now, TOTP code now, enrolment first when they have no authenticator), which
 * hand a sealed ticket back to /admin/signin/complete. A state cookie of this browser is bound into
 * the request and checked on the ticket, so nobody can sign another browser into their account.
 */
export function portalSignInRouter(deps: PortalDeps): Router {
  const router = createRouter();
  const { db, config, secretBox } = deps.context;

  router.get('/admin/signin', async (ctx) => {
    // Shown even to a signed-in admin (to switch account): signing in again ends the earlier session.
    showStartPage(ctx, deps, ensureState(ctx, deps));
  });

  router.post('/admin/signin', async (ctx) => {
    const form = await readFormBody(ctx, config.maxBodyBytes);
    const state = ctx.cookies.get(stateCookieName);
    if (!state || !equalText(form.get('csrf') ?? '', startCsrf(deps, state))) {
      throw new LanyardError('CSRF_TOKEN_INVALID', 'This form has expired. Open the portal sign-in page again.');
    }
    const upn = (form.get('username') ?? '').trim().toLowerCase().slice(0, 256);
    const domain = upn.includes('@') ? await findDomainForUpnSuffix(db, upn.slice(upn.lastIndexOf('@') + 1)) : undefined;
    if (!domain) {
      ctx.status = 400;
      return showStartPage(ctx, deps, state, 'This address does not sign in with this Lanyard.', upn);
    }
    const next = await startSignInRequest(ctx, deps.idp, domain, { protocol: 'portal', stateHash: hashState(state), usernameHint: upn, forcePassword: true, forceMfa: true });
    redirect(ctx, next);
  });

  router.post(portalTicketPath, async (ctx) => {
    const form = await readFormBody(ctx, config.maxBodyBytes);
    const ticket = openPortalTicket(secretBox, form.get('ticket') ?? '');
    const state = ctx.cookies.get(stateCookieName);
    const now = deps.clock.now();
    const address = clientAddress(ctx, config);
    const age = now.getTime() - Date.parse(ticket.issuedAt);
    if (!state || !equalText(hashState(state), ticket.stateHash) || !ticket.mfa || !(age >= -60_000 && age <= ticketMaxAgeMs)) {
      await recordAuditEvent(db, { actor: `user:${ticket.upn}`, action: 'portal.signin', target: ticket.upn, outcome: 'failure', reason: 'PORTAL_SIGNIN_INVALID', clientAddress: address }, now);
      throw new LanyardError('PORTAL_SIGNIN_INVALID', 'This sign-in could not be completed. Sign in to the portal again.');
    }
    const user = await findUserByUpn(db, ticket.upn);
    const admin = user?.status === 'active' ? await loadAdmin(db, user) : undefined;
    if (!user || !admin) {
      await recordAuditEvent(db, { actor: `user:${ticket.upn}`, action: 'portal.signin', target: ticket.upn, outcome: 'failure', reason: 'ADMIN_FORBIDDEN', clientAddress: address }, now);
      throw new LanyardError('ADMIN_FORBIDDEN', 'Your account has no admin role in this Lanyard.');
    }
    if (!(await startPortalSession(ctx, deps, { userId: user.id, signInRef: ticket.signInRef, mfaAt: ticket.issuedAt, clientAddress: address }))) {
      throw new LanyardError('PORTAL_SIGNIN_INVALID', 'This sign-in was already used. Sign in to the portal again.');
    }
    ctx.cookies.set(stateCookieName, '', { ...portalCookieOptions(deps), maxAge: 0 });
    await recordAuditEvent(db, { actor: admin.actor, action: 'portal.signin', target: user.upn, outcome: 'success', clientAddress: address, details: { roles: admin.grants.map((grant) => grant.role) } }, now);
    redirect(ctx, '/admin');
  });

  router.post('/admin/signout', async (ctx) => {
    const request = await resumePortalSession(ctx, deps);
    if (request) {
      const form = await readFormBody(ctx, config.maxBodyBytes);
      assertPortalCsrf(request, form.get('csrf'));
      await endThisPortalSession(ctx, deps, request.session);
      await recordAuditEvent(db, { actor: request.admin.actor, action: 'portal.signout', target: request.user.upn, outcome: 'success', clientAddress: clientAddress(ctx, config) }, deps.clock.now());
    }
    redirect(ctx, '/admin/signin');
  });

  return router;
}

function showStartPage(ctx: Context, deps: PortalDeps, state: string, error?: string, username?: string): void {
  ctx.type = 'html';
  ctx.body = renderSignInStartPage({ nonce: ctx.state.nonce, csrfToken: startCsrf(deps, state), username: username ?? '', error });
}

function ensureState(ctx: Context, deps: PortalDeps): string {
  const existing = ctx.cookies.get(stateCookieName);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const state = randomBytes(32).toString('base64url');
  ctx.cookies.set(stateCookieName, state, portalCookieOptions(deps, 60 * 60_000));
  return state;
}

function startCsrf(deps: PortalDeps, state: string): string {
  return createHmac('sha256', deps.csrfKey).update(`portal-signin.${state}`).digest('base64url');
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

function redirect(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}
