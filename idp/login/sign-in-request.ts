import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { LanyardError } from '../../core/errors.ts';
import type { Db } from '../../core/db/database.ts';
import type { Domain, SignInRequest } from '../../core/db/schema.ts';
import { findOpenSignInRequest, insertSignInRequest, replaceSignInRequest, type NewSignInRequest } from '../../core/db/sign-in-requests.ts';
import type { IdpDeps } from './deps.ts';

/** What the protocol endpoint learned from Microsoft's request, kept until the token is issued. */
export type ProtocolRequest =
  | { protocol: 'wsfed'; wctx: string | null; usernameHint: string | null; forcePassword: boolean; forceMfa: boolean }
  | { protocol: 'saml'; authnRequestId: string; relayState: string | null; usernameHint: null; forcePassword: boolean; forceMfa: boolean }
  /** Lanyard's admin portal: always a password typed now and a TOTP code now; `stateHash` binds the portal's browser state. */
  | { protocol: 'portal'; stateHash: string; usernameHint: string | null; forcePassword: true; forceMfa: true };

export const browserCookieName = 'lanyard_browser';

/**
 * Records a sign-in started by Microsoft and binds it to this browser: the row keeps a hash of a
 * random browser cookie, and every form on the way carries an HMAC of (request id, browser id).
 * Another browser, or a cross-site form, can neither continue nor complete it (CSRF, login CSRF).
 * Returns the URL of the first sign-in page.
 */
export async function startSignInRequest(ctx: Context, deps: IdpDeps, domain: Domain, request: ProtocolRequest): Promise<string> {
  const browserId = ensureBrowserCookie(ctx, deps);
  const now = new Date();
  const row: NewSignInRequest = {
    id: newSignInRequestId(),
    domainId: domain.id,
    protocol: request.protocol,
    payload: JSON.stringify(request),
    csrfToken: hashBrowserId(browserId),
    userId: null,
    passwordAt: null,
    mfaAt: null,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.config.signInTimeoutMinutes * 60_000).toISOString(),
    completedAt: null,
  };
  await insertSignInRequest(deps.db, row);
  return `/signin/${row.id}`;
}

/**
 * Replaces `row` by a new request for the same protocol request, browser binding and deadline, already
 * past its password step for `userId`; returns the new id. Used when a password is entered on a
 * request that already has a user (or gained one meanwhile): the person gets a request of their own
 * instead of taking over state that was verified for someone else (an MFA step in flight), and the
 * old request is closed so that step cannot finish on it either.
 */
export async function restartSignInRequest(db: Db, row: SignInRequest, userId: string, passwordAt: string): Promise<string> {
  const id = newSignInRequestId();
  const replaced = await replaceSignInRequest(db, row.id, {
    id,
    domainId: row.domainId,
    protocol: row.protocol,
    payload: row.payload,
    csrfToken: row.csrfToken,
    userId,
    passwordAt,
    mfaAt: null,
    createdAt: passwordAt,
    expiresAt: row.expiresAt,
    completedAt: null,
  });
  if (!replaced) throw signInRequestExpired();
  return id;
}

/** The request is gone (expired, completed, or replaced by a newer one). */
function signInRequestExpired(): LanyardError {
  return new LanyardError('SIGNIN_REQUEST_EXPIRED', 'This sign-in has expired or was already used. Go back to Microsoft 365 and sign in again.');
}

/**
 * The request changed between reading it and finishing a step (another tab or window acted on it):
 * the step is not recorded, because it was verified against a state that no longer exists.
 */
export function signInRequestChanged(): LanyardError {
  return new LanyardError('SIGNIN_REQUEST_CHANGED', 'This sign-in changed in another window. Go back to Microsoft 365 and sign in again.');
}

function newSignInRequestId(): string {
  return randomBytes(24).toString('base64url');
}

/** The open request for this browser, with its protocol payload; SIGNIN_REQUEST_EXPIRED otherwise. */
export async function loadSignInRequest(ctx: Context, db: Db, id: string): Promise<{ row: SignInRequest; request: ProtocolRequest }> {
  const row = /^[A-Za-z0-9_-]{32}$/.test(id) ? await findOpenSignInRequest(db, id) : undefined;
  if (!row) throw signInRequestExpired();
  const browserId = ctx.cookies.get(browserCookieName);
  if (!browserId || !equalText(hashBrowserId(browserId), row.csrfToken)) {
    throw new LanyardError('SIGNIN_BROWSER_MISMATCH', 'This sign-in was started in another browser. Go back to Microsoft 365 and sign in again.');
  }
  return { row, request: JSON.parse(row.payload) as ProtocolRequest };
}

/** The CSRF token for the forms of one sign-in request in this browser. */
export function csrfTokenFor(ctx: Context, csrfKey: Buffer, requestId: string): string {
  const browserId = ctx.cookies.get(browserCookieName) ?? '';
  return createHmac('sha256', csrfKey).update(`${requestId}.${browserId}`).digest('base64url');
}

export function assertCsrfToken(ctx: Context, csrfKey: Buffer, requestId: string, submitted: string | undefined): void {
  if (!submitted || !equalText(submitted, csrfTokenFor(ctx, csrfKey, requestId))) {
    throw new LanyardError('CSRF_TOKEN_INVALID', 'This form has expired. Go back to Microsoft 365 and sign in again.');
  }
}

function ensureBrowserCookie(ctx: Context, deps: IdpDeps): string {
  const existing = ctx.cookies.get(browserCookieName);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const browserId = randomBytes(32).toString('base64url');
  ctx.cookies.set(browserCookieName, browserId, cookieOptions(deps, 24 * 60 * 60_000));
  return browserId;
}

/** HttpOnly, SameSite=Lax (Microsoft reaches us by top-level navigation), Secure on HTTPS. */
export function cookieOptions(deps: IdpDeps, maxAge: number | undefined) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: deps.config.publicUrl.startsWith('https://'), path: '/', overwrite: true, ...(maxAge && { maxAge }) };
}

function hashBrowserId(browserId: string): string {
  return createHash('sha256').update(browserId).digest('base64url');
}

/** Constant-time comparison of two strings. */
export function equalText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
