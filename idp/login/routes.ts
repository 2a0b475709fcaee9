import Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { decoyPasswordHash, hashPassword, needsRehash, verifyPassword } from '../../core/password-hash.ts';
import { recordAuditEvent } from '../../db/audit-events.ts';
import { findDomainById } from '../../db/domains.ts';
import { findMfaCredential } from '../../db/mfa-credentials.ts';
import { findOrganizationById } from '../../db/organizations.ts';
import type { SignInRequest, User } from '../../db/schema.ts';
import { recordMfaStep, recordPasswordStep } from '../../db/sign-in-requests.ts';
import { findUserByUpn, updateUser } from '../../db/users.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import { findDomainForUpnSuffix } from '../accounts/domains.ts';
import { pendingTotpEnrolment, verifyTotpCode } from '../mfa/totp.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { completeSignIn } from './complete.ts';
import type { IdpDeps } from './deps.ts';
import { renderEnrolPage, renderPasswordPage, renderTotpPage } from './pages/sign-in-pages.ts';
import { assertCsrfToken, csrfTokenFor, loadSignInRequest, type ProtocolRequest } from './sign-in-request.ts';
import { decideNextStep, requireActiveUser } from './steps.ts';
import { assertNotThrottled, clearAccountFailures, recordSignInFailure } from './throttle.ts';

/**
 * The sign-in pages. GET /signin/:id shows whatever step comes next (or completes); each form posts
 * to its own path and, on success, redirects back to GET (post/redirect/get), so reloading a page
 * never re-submits a password or a code.
 */
export function signInRouter(deps: IdpDeps): Router {
  const router = new Router({ prefix: '/signin/:id' });

  router.get('/', async (ctx) => {
    const { row, request } = await loadSignInRequest(ctx, deps.db, ctx.params.id!);
    const domain = await findDomainById(deps.db, row.domainId);
    if (!domain) throw new LanyardError('DOMAIN_NOT_FOUND', 'This domain is no longer set up for sign-in.', 404);
    const step = await decideNextStep(ctx, deps, row, request, domain);
    if (step.kind === 'complete') return completeSignIn(ctx, deps, domain, row, request, step);
    if (step.kind === 'password') return showPasswordPage(ctx, deps, row, request);
    if (step.kind === 'totp') return showTotpPage(ctx, deps, row, step.user);
    return showEnrolPage(ctx, deps, row, step.user);
  });

  router.post('/password', async (ctx) => {
    const { row, request } = await loadSignInRequest(ctx, deps.db, ctx.params.id!);
    const form = await readFormBody(ctx, deps.config.maxBodyBytes);
    assertCsrfToken(ctx, deps.csrfKey, row.id, form.get('csrf'));
    const address = clientAddress(ctx, deps.config);
    await assertNotThrottled(deps.db, deps.config.throttle, { clientAddress: address });
    const username = (form.get('username') ?? '').trim().toLowerCase().slice(0, 256);
    const password = (form.get('password') ?? '').slice(0, 1024);
    const domain = await findDomainById(deps.db, row.domainId);
    const user = await findUserByUpn(deps.db, username);
    const userDomain = user ? await findDomainForUpnSuffix(deps.db, user.upn.split('@')[1] ?? '') : undefined;
    // A user of another organization is treated exactly like an unknown one: no enumeration.
    const candidate = user && userDomain && domain && userDomain.organizationId === domain.organizationId ? user : undefined;
    if (candidate) await assertNotThrottled(deps.db, deps.config.throttle, { clientAddress: address, userId: candidate.id });

    if (!(await passwordMatches(deps, candidate, password))) {
      await recordSignInFailure(deps.db, deps.config.throttle, { clientAddress: address, userId: candidate?.id });
      await auditSignIn(ctx, deps, username, 'signin.password', 'failure', 'INVALID_CREDENTIALS');
      ctx.status = 401;
      return showPasswordPage(ctx, deps, row, request, 'The user name or password is incorrect.', username);
    }
    const signedIn = candidate!;
    if (signedIn.status !== 'active') {
      const reason = signedIn.status === 'pending' ? 'USER_PENDING' : 'USER_DISABLED';
      await auditSignIn(ctx, deps, signedIn.upn, 'signin.password', 'failure', reason);
      throw new LanyardError(reason, reason === 'USER_PENDING' ? 'This account has not been activated yet.' : 'This account is disabled. Contact your administrator.', 403);
    }
    await clearAccountFailures(deps.db, signedIn.id);
    await recordPasswordStep(deps.db, row.id, signedIn.id, new Date().toISOString());
    await auditSignIn(ctx, deps, signedIn.upn, 'signin.password', 'success', null);
    if (signedIn.passwordHash && needsRehash(signedIn.passwordHash, deps.config.passwordHashCost)) {
      await updateUser(deps.db, signedIn.id, { passwordHash: await hashPassword(password, deps.config.passwordHashCost) });
    }
    ctx.redirect(`/signin/${row.id}`);
    ctx.status = 303;
  });

  router.post('/totp', async (ctx) => {
    const { row } = await loadSignInRequest(ctx, deps.db, ctx.params.id!);
    const form = await readFormBody(ctx, deps.config.maxBodyBytes);
    assertCsrfToken(ctx, deps.csrfKey, row.id, form.get('csrf'));
    if (!row.userId || !row.passwordAt) {
      ctx.redirect(`/signin/${row.id}`);
      ctx.status = 303;
      return;
    }
    const user = await requireActiveUser(deps, row.userId);
    const address = clientAddress(ctx, deps.config);
    await assertNotThrottled(deps.db, deps.config.throttle, { clientAddress: address, userId: user.id });
    const enrolling = !(await findMfaCredential(deps.db, user.id))?.confirmedAt;
    try {
      await verifyTotpCode(deps.db, deps.secretBox, user.id, form.get('code') ?? '');
    } catch (error) {
      if (!isLanyardError(error) || !error.code.startsWith('TOTP_')) throw error;
      await recordSignInFailure(deps.db, deps.config.throttle, { clientAddress: address, userId: user.id });
      await auditSignIn(ctx, deps, user.upn, 'signin.totp', 'failure', error.code);
      ctx.status = 400;
      return enrolling ? showEnrolPage(ctx, deps, row, user, error.message) : showTotpPage(ctx, deps, row, user, error.message);
    }
    await recordMfaStep(deps.db, row.id, new Date().toISOString());
    await clearAccountFailures(deps.db, user.id);
    await auditSignIn(ctx, deps, user.upn, enrolling ? 'signin.totp-enrol' : 'signin.totp', 'success', null);
    ctx.redirect(`/signin/${row.id}`);
    ctx.status = 303;
  });

  return router;
}

/** Same work for unknown users as for known ones, so timing does not reveal which UPNs exist. */
async function passwordMatches(deps: IdpDeps, user: User | undefined, password: string): Promise<boolean> {
  if (user?.source === 'directory') {
    if (!deps.directoryPasswords) throw new LanyardError('AGENT_UNAVAILABLE', 'Directory sign-in is not available right now. Try again later.', 503);
    return deps.directoryPasswords.verify(user, password);
  }
  const stored = user?.passwordHash ?? (await decoyPasswordHash(deps.config.passwordHashCost));
  const matches = await verifyPassword(password, stored);
  return matches && Boolean(user?.passwordHash);
}

async function organizationName(deps: IdpDeps, organizationId: string | undefined): Promise<string | undefined> {
  return organizationId ? (await findOrganizationById(deps.db, organizationId))?.name : undefined;
}

async function showPasswordPage(ctx: Context, deps: IdpDeps, row: SignInRequest, request: ProtocolRequest, error?: string, username?: string): Promise<void> {
  const domain = await findDomainById(deps.db, row.domainId);
  ctx.type = 'html';
  ctx.body = renderPasswordPage({
    nonce: ctx.state.nonce,
    organizationName: await organizationName(deps, domain?.organizationId),
    csrfToken: csrfTokenFor(ctx, deps.csrfKey, row.id),
    action: `/signin/${row.id}/password`,
    username: username ?? request.usernameHint ?? '',
    error,
  });
}

async function showTotpPage(ctx: Context, deps: IdpDeps, row: SignInRequest, user: User, error?: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = renderTotpPage({
    nonce: ctx.state.nonce,
    organizationName: await organizationName(deps, user.organizationId),
    csrfToken: csrfTokenFor(ctx, deps.csrfKey, row.id),
    action: `/signin/${row.id}/totp`,
    upn: user.upn,
    error,
  });
}

async function showEnrolPage(ctx: Context, deps: IdpDeps, row: SignInRequest, user: User, error?: string): Promise<void> {
  const organization = await organizationName(deps, user.organizationId);
  const { secret, otpauthUri } = await pendingTotpEnrolment(deps.db, deps.secretBox, user, organization ?? 'Lanyard');
  const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  ctx.type = 'html';
  ctx.body = renderEnrolPage({
    nonce: ctx.state.nonce,
    organizationName: organization,
    csrfToken: csrfTokenFor(ctx, deps.csrfKey, row.id),
    action: `/signin/${row.id}/totp`,
    upn: user.upn,
    qrSvg,
    secret,
    error,
  });
}

async function auditSignIn(ctx: Context, deps: IdpDeps, target: string, action: string, outcome: 'success' | 'failure', reason: string | null): Promise<void> {
  deps.metrics.signIn(outcome, reason ?? action);
  await recordAuditEvent(deps.db, { actor: target ? `user:${target}` : 'anonymous', action, target, outcome, reason, clientAddress: clientAddress(ctx, deps.config) });
}
