import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { User } from '../../core/db/schema.ts';
import { findUserById } from '../../core/db/users.ts';
import { LanyardError } from '../../core/errors.ts';
import { equalText } from '../../idp/login/sign-in-request.ts';
import { loadAdmin } from '../admins.ts';
import { endPortalSession, findLivePortalSession, insertPortalSession, touchPortalSession } from '../data/portal-sessions.ts';
import type { PortalSession } from '../data/tables.ts';
import type { Admin } from '../policy.ts';
import type { PortalDeps } from './deps.ts';

export const portalCookieName = 'lanyard_admin';

/** One signed-in admin on one request. */
export interface AdminRequest {
  readonly session: PortalSession;
  readonly user: User;
  readonly admin: Admin;
  /** The CSRF token every form of this session carries. */
  readonly csrfToken: string;
}

/**
 * The portal's cookie: HttpOnly, SameSite=Strict (no other site can make the browser send it, not
 * even a link), Secure on HTTPS, and only for /admin, so no other path of this server ever sees it.
 */
export function portalCookieOptions(deps: PortalDeps, maxAgeMs?: number) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: deps.context.config.publicUrl.startsWith('https://'),
    path: '/admin',
    overwrite: true,
    ...(maxAgeMs !== undefined && { maxAge: maxAgeMs }),
  };
}

export function hashCookieValue(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Starts a session for a sign-in: always a new random id (a cookie planted before sign-in is
 * worthless after it: no fixation), ending the browser's previous portal session. Only the hash is
 * stored. False when this sign-in already made a session (the ticket was replayed).
 */
export async function startPortalSession(ctx: Context, deps: PortalDeps, input: { userId: string; signInRef: string; mfaAt: string; clientAddress: string }): Promise<boolean> {
  const { db, config } = deps.context;
  const now = deps.clock.now();
  const previous = ctx.cookies.get(portalCookieName);
  if (previous && previous.length <= 128) await endPortalSession(db, hashCookieValue(previous), now);
  const cookieValue = randomBytes(32).toString('base64url');
  const inserted = await insertPortalSession(db, {
    id: hashCookieValue(cookieValue),
    userId: input.userId,
    signInRef: input.signInRef,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + config.portal.sessionMinutes * 60_000).toISOString(),
    reauthAt: input.mfaAt,
    endedAt: null,
    clientAddress: input.clientAddress,
  });
  if (!inserted) return false;
  // A session cookie (no Max-Age): the server's deadlines decide, and closing the browser ends it too.
  ctx.cookies.set(portalCookieName, cookieValue, portalCookieOptions(deps));
  setApiCopy(ctx, deps, cookieValue);
  return true;
}

/**
 * The signed-in admin behind this request's cookie, or undefined: no cookie, unknown, ended, idle
 * too long, past its absolute deadline, the account no longer active, or no role left. A live one
 * slides its idle deadline.
 */
export async function resumePortalSession(ctx: Context, deps: PortalDeps): Promise<AdminRequest | undefined> {
  const cookieValue = ctx.cookies.get(portalCookieName);
  if (!cookieValue || cookieValue.length > 128) return undefined;
  const { db, config } = deps.context;
  const now = deps.clock.now();
  const session = await findLivePortalSession(db, hashCookieValue(cookieValue), now, config.portal.idleMinutes);
  if (!session) return undefined;
  const user = await findUserById(db, session.userId);
  if (!user || user.status !== 'active') return undefined;
  const admin = await loadAdmin(db, user);
  if (!admin) return undefined;
  await touchPortalSession(db, session.id, now);
  return { session, user, admin, csrfToken: csrfTokenOf(deps, session.id) };
}

export async function endThisPortalSession(ctx: Context, deps: PortalDeps, session: PortalSession): Promise<void> {
  await endPortalSession(deps.context.db, session.id, deps.clock.now());
  ctx.cookies.set(portalCookieName, '', { ...portalCookieOptions(deps), maxAge: 0 });
  setApiCopy(ctx, deps, '', 0);
}

/** The admin API takes the session too (its unsafe calls with the CSRF token in a header), so the browser sends the cookie there as well. */
export const portalApiCookiePath = '/api/v1';

/**
 * The same cookie for /api/v1, with the same flags: a path of its own rather than Path=/, so no
 * other path of this server sees it. `overwrite: false` keeps the /admin one in the same answer.
 */
function setApiCopy(ctx: Context, deps: PortalDeps, value: string, maxAge?: number): void {
  ctx.cookies.set(portalCookieName, value, { ...portalCookieOptions(deps, maxAge), path: portalApiCookiePath, overwrite: false });
}

/** Bound to the session: a form from another site (or another session) cannot carry it. */
function csrfTokenOf(deps: PortalDeps, sessionId: string): string {
  return createHmac('sha256', deps.csrfKey).update(`portal.${sessionId}`).digest('base64url');
}

export function assertPortalCsrf(request: AdminRequest, submitted: string | undefined): void {
  if (!submitted || !equalText(submitted, request.csrfToken)) {
    throw new LanyardError('CSRF_TOKEN_INVALID', 'This form has expired. Open the page again and retry.');
  }
}
