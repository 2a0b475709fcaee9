import type { Context } from 'koa';
import type { Domain, SignInRequest, SsoSession, User } from '../../core/db/schema.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { recordPasswordStep } from '../../core/db/sign-in-requests.ts';
import { findUserById } from '../../core/db/users.ts';
import { LanyardError } from '../../core/errors.ts';
import { hasConfirmedTotp } from '../mfa/totp.ts';
import { resumeSession, sessionCookieName } from '../sessions/sso-session.ts';
import type { IdpDeps } from './deps.ts';
import { signInRequestChanged, type ProtocolRequest } from './sign-in-request.ts';

/** What the person has to do next in one sign-in, decided from the request and the SSO session. */
/** What follows once the person is known. */
export type StepAfterPassword = Exclude<NextStep, { kind: 'password' }>;

export type NextStep =
  | { kind: 'password' }
  | { kind: 'totp'; user: User }
  | { kind: 'enrol'; user: User }
  | { kind: 'complete'; user: User; passwordAt: string; mfaAt: string | null; session: SsoSession | undefined };

/**
 * Rules:
 * - A password entered in this request always counts. Otherwise a live SSO session counts, unless
 *   Microsoft asked for fresh authentication (wfresh=0, prompt=login, ForceAuthn) or the session
 *   belongs to another organization or to a user other than the one Microsoft named.
 * - TOTP is needed when the organization requires it, when the user has enrolled (an enrolled user
 *   is always asked), or when Microsoft asked for MFA (wauth=multipleauthn); a forced MFA step must
 *   happen in this request, a session's earlier TOTP does not satisfy it.
 */
export async function decideNextStep(ctx: Context, deps: IdpDeps, row: SignInRequest, request: ProtocolRequest, domain: Domain): Promise<NextStep> {
  if (row.userId && row.passwordAt) {
    const user = await requireActiveUser(deps, row.userId);
    const sessionForMfa = await liveSession(ctx, deps, user);
    return mfaStep(deps, user, request, row.mfaAt, row.passwordAt, sessionForMfa);
  }
  const fromSession = await stepFromSession(ctx, deps, request, domain);
  if (!fromSession) return { kind: 'password' };
  const { step, session } = fromSession;
  // The TOTP page works on the request, so the session's password step is carried into it.
  if (step.kind !== 'complete' && !(await recordPasswordStep(deps.db, row, step.user.id, session.passwordAt))) throw signInRequestChanged();
  return step;
}

/**
 * The step this browser's live SSO session leads to, or undefined when the session cannot be used
 * for this request (none, expired, fresh authentication asked for, another organization or user).
 */
export async function stepFromSession(
  ctx: Context,
  deps: IdpDeps,
  request: ProtocolRequest,
  domain: Domain,
): Promise<{ step: StepAfterPassword; session: SsoSession } | undefined> {
  if (request.forcePassword) return undefined;
  const resumed = await resumeSession(deps.db, ctx.cookies.get(sessionCookieName));
  const usable =
    resumed &&
    resumed.user.organizationId === domain.organizationId &&
    (!request.usernameHint || request.usernameHint.toLowerCase() === resumed.user.upn);
  if (!usable) return undefined;
  const sessionMfa = request.forceMfa ? null : resumed.session.mfaAt;
  const step = await mfaStep(deps, resumed.user, request, sessionMfa, resumed.session.passwordAt, resumed.session);
  return { step, session: resumed.session };
}

async function mfaStep(
  deps: IdpDeps,
  user: User,
  request: ProtocolRequest,
  mfaAt: string | null,
  passwordAt: string,
  session: SsoSession | undefined,
): Promise<StepAfterPassword> {
  if (mfaAt || !(await mfaRequired(deps, user, request))) return { kind: 'complete', user, passwordAt, mfaAt, session };
  return (await hasConfirmedTotp(deps.db, user.id)) ? { kind: 'totp', user } : { kind: 'enrol', user };
}

export async function mfaRequired(deps: IdpDeps, user: User, request: ProtocolRequest): Promise<boolean> {
  if (request.forceMfa) return true;
  const organization = await findOrganizationById(deps.db, user.organizationId);
  return organization?.mfaPolicy !== 'optional' || (await hasConfirmedTotp(deps.db, user.id));
}

/** The browser's live session if it is this user's (a TOTP step then upgrades it). */
async function liveSession(ctx: Context, deps: IdpDeps, user: User): Promise<SsoSession | undefined> {
  const resumed = await resumeSession(deps.db, ctx.cookies.get(sessionCookieName));
  return resumed?.user.id === user.id ? resumed.session : undefined;
}

export async function requireActiveUser(deps: IdpDeps, userId: string): Promise<User> {
  const user = await findUserById(deps.db, userId);
  if (!user || user.status !== 'active') {
    throw new LanyardError('USER_DISABLED', 'This account is disabled. Contact your administrator.');
  }
  return user;
}
