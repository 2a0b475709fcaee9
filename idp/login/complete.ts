import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { recordFamiliarAddress } from '../../core/db/familiar-addresses.ts';
import type { Domain, SignInRequest, SsoSession, User } from '../../core/db/schema.ts';
import { completeSignInRequest } from '../../core/db/sign-in-requests.ts';
import { findDomainForUpnSuffix } from '../accounts/domains.ts';
import { recordSessionMfa, sessionCookieName, startSession } from '../sessions/sso-session.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { cookieOptions } from './sign-in-request.ts';
import type { IdpDeps } from './deps.ts';
import { renderPostFormPage } from './pages/sign-in-pages.ts';
import type { ProtocolRequest } from './sign-in-request.ts';

export interface Authentication {
  readonly user: User;
  readonly passwordAt: string;
  readonly mfaAt: string | null;
  readonly session: SsoSession | undefined;
}

/**
 * Finishes a sign-in: consumes the request (once only; there is none when the SSO session answered
 * Microsoft's request directly), keeps or starts the SSO session, signs the token for the user's own
 * domain issuer and answers with the auto-posting form to login.srf.
 * The MFA claim is set only when a TOTP step really happened (in this request or this session).
 * `requestDomain` is the domain whose endpoint Microsoft called.
 */
export async function completeSignIn(
  ctx: Context,
  deps: IdpDeps,
  requestDomain: Domain,
  row: SignInRequest | undefined,
  request: ProtocolRequest,
  authentication: Authentication,
): Promise<void> {
  const { user, passwordAt, mfaAt } = authentication;
  const upnSuffix = user.upn.slice(user.upn.lastIndexOf('@') + 1);
  // Usually the user signs in at their own domain's endpoint, already read for this request.
  const userDomain = upnSuffix === requestDomain.name ? requestDomain : await findDomainForUpnSuffix(deps.db, upnSuffix);
  if (!userDomain || userDomain.organizationId !== user.organizationId) {
    throw new LanyardError('DOMAIN_NOT_FOUND', "This account's domain is not set up for sign-in.");
  }
  // Consumes exactly the state the decision was made on: a step slipping in after the read fails this.
  if (row && !(await completeSignInRequest(deps.db, row))) {
    throw new LanyardError('SIGNIN_REQUEST_EXPIRED', 'This sign-in was already completed. Go back to Microsoft 365 and sign in again.');
  }
  // A password proven here makes this address familiar for the account (smart lockout, throttle.ts).
  // An SSO session answering again proves nothing new, so the token path writes nothing more.
  // The portal keeps a session of its own (portal/session): a portal sign-in leaves no SSO session
  // behind, or its password and TOTP would sign the same browser in to Microsoft 365 over WS-Fed or
  // SAML without asking. Its password is always typed (forcePassword), so the address is familiar.
  const passwordProvenHere = request.protocol === 'portal' ? authentication.session?.passwordAt !== passwordAt : await keepSession(ctx, deps, authentication);
  if (passwordProvenHere) {
    await recordFamiliarAddress(deps.db, user.id, clientAddress(ctx, deps.config), deps.config.throttle.familiarAddresses);
  }

  const now = new Date();
  const token = {
    issuer: userDomain.issuerUri,
    immutableId: user.immutableId,
    upn: user.upn,
    authnInstant: new Date(passwordAt),
    mfa: mfaAt !== null,
    now,
    lifetimeMinutes: deps.config.tokenLifetimeMinutes,
  };
  const key = await deps.keys.current();
  const responder = deps.responders.get(request.protocol);
  if (!responder) throw new LanyardError('PROTOCOL_NOT_AVAILABLE', 'This kind of sign-in is not available here.');
  // Keyed by protocol, so the request is of the responder's own kind.
  const form = await responder.respond(deps, { ...token, sessionIndex: row?.id ?? randomBytes(24).toString('base64url') }, request as never, key);

  deps.metrics.tokenIssued(request.protocol, token.mfa);
  deps.metrics.signIn('success', 'token_issued');
  await recordAuditEvent(deps.db, {
    actor: `user:${user.upn}`,
    action: 'signin.token',
    target: userDomain.name,
    outcome: 'success',
    clientAddress: clientAddress(ctx, deps.config),
    details: { protocol: request.protocol, mfa: token.mfa, signingKey: key.row.thumbprint },
  });
  ctx.type = 'html';
  ctx.body = renderPostFormPage({ nonce: ctx.state.nonce, action: form.action, fields: form.fields });
}

/**
 * A password typed in this request starts a new session (new id: no fixation); a sign-in carried by
 * the existing session keeps it and records a TOTP step done now. True when a session was started.
 */
async function keepSession(ctx: Context, deps: IdpDeps, { user, passwordAt, mfaAt, session }: Authentication): Promise<boolean> {
  if (session && session.passwordAt === passwordAt) {
    if (mfaAt && mfaAt !== session.mfaAt) await recordSessionMfa(deps.db, session.id, mfaAt);
    return false;
  }
  const started = await startSession(deps.db, {
    userId: user.id,
    passwordAt,
    mfaAt,
    ttlMinutes: deps.config.sessionTtlMinutes,
    clientAddress: clientAddress(ctx, deps.config),
  });
  ctx.cookies.set(sessionCookieName, started.cookieValue, cookieOptions(deps, undefined));
  return true;
}
