import Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { hashPassword, needsRehash } from '../../core/password-hash.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { findDomainById } from '../../core/db/domains.ts';
import { isFamiliarAddress } from '../../core/db/familiar-addresses.ts';
import { findMfaCredential } from '../../core/db/mfa-credentials.ts';
import { findOrganizationLogo } from '../../core/db/organization-logos.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import type { SignInRequest, User } from '../../core/db/schema.ts';
import { recordMfaStep, recordPasswordStep, type MfaProof } from '../../core/db/sign-in-requests.ts';
import { updateUser } from '../../core/db/users.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import { isSecondFactorRefusal, pendingTotpEnrolment, verifyTotpCode } from '../mfa/totp.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { completeSignIn } from './complete.ts';
import type { IdpDeps } from './deps.ts';
import { renderEnrolPage, renderPasswordPage, renderTotpPage, type PageOrganization } from './pages/sign-in-pages.ts';
import { checkPassword, findCandidate, passwordFailureMessage } from './password-step.ts';
import { assertCsrfToken, csrfTokenFor, loadSignInRequest, restartSignInRequest, signInRequestChanged, type ProtocolRequest } from './sign-in-request.ts';
import { decideNextStep, requireActiveUser } from './steps.ts';
import {
  accountNameHash,
  assertPasswordAllowed,
  assertSecondFactorAllowed,
  clearPasswordFailures,
  clearSecondFactorFailures,
  normaliseUsername,
  recordPasswordFailure,
  recordSecondFactorFailure,
} from './throttle.ts';

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
    if (!domain) throw new LanyardError('DOMAIN_NOT_FOUND', 'This domain is no longer set up for sign-in.');
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
    const username = normaliseUsername(form.get('username') ?? '');
    const password = (form.get('password') ?? '').slice(0, 1024);
    const domain = await findDomainById(deps.db, row.domainId);
    const candidate = await findCandidate(deps.db, username, domain);
    // Counted per typed name (known or not) and per kind of address: see throttle.ts.
    const attempt = {
      clientAddress: address,
      accountName: accountNameHash(deps.accountNameKey, username),
      familiar: await isFamiliarAddress(deps.db, candidate?.id, address),
    };
    await assertPasswordAllowed(deps.db, deps.config.throttle, attempt);

    const check = await checkPassword(deps, candidate, password);
    if (check !== 'valid') {
      await recordPasswordFailure(deps.db, deps.config.throttle, attempt);
      await auditSignIn(ctx, deps, request.protocol, username, 'signin.password', 'failure', check === 'directory-unavailable' ? 'AGENT_UNAVAILABLE' : 'INVALID_CREDENTIALS');
      ctx.status = 401;
      return showPasswordPage(ctx, deps, row, request, await passwordFailureMessage(deps, domain), username);
    }
    const signedIn = candidate!;
    if (signedIn.status !== 'active') {
      const reason = signedIn.status === 'pending' ? 'USER_PENDING' : 'USER_DISABLED';
      await auditSignIn(ctx, deps, request.protocol, signedIn.upn, 'signin.password', 'failure', reason);
      throw new LanyardError(reason, reason === 'USER_PENDING' ? 'This account has not been activated yet.' : 'This account is disabled. Contact your administrator.');
    }
    await clearPasswordFailures(deps.db, attempt);
    const passwordAt = new Date().toISOString();
    // A request that has (or meanwhile got) a user is never taken over: this person gets a new one.
    const recorded = row.userId === null && (await recordPasswordStep(deps.db, row, signedIn.id, passwordAt));
    const requestId = recorded ? row.id : await restartSignInRequest(deps.db, row, signedIn.id, passwordAt);
    await auditSignIn(ctx, deps, request.protocol, signedIn.upn, 'signin.password', 'success', null);
    if (signedIn.passwordHash && needsRehash(signedIn.passwordHash, deps.config.passwordHashCost)) {
      await updateUser(deps.db, signedIn.id, { passwordHash: await hashPassword(password, deps.config.passwordHashCost) });
    }
    ctx.redirect(`/signin/${requestId}`);
    ctx.status = 303;
  });

  router.post('/totp', async (ctx) => {
    const { row, request } = await loadSignInRequest(ctx, deps.db, ctx.params.id!);
    const form = await readFormBody(ctx, deps.config.maxBodyBytes);
    assertCsrfToken(ctx, deps.csrfKey, row.id, form.get('csrf'));
    if (!row.userId || !row.passwordAt) {
      ctx.redirect(`/signin/${row.id}`);
      ctx.status = 303;
      return;
    }
    const user = await requireActiveUser(deps, row.userId);
    const attempt = { clientAddress: clientAddress(ctx, deps.config), userId: user.id };
    await assertSecondFactorAllowed(deps.db, deps.config.throttle, attempt);
    const enrolling = !(await findMfaCredential(deps.db, user.id))?.confirmedAt;
    let proof: MfaProof;
    try {
      proof = await verifyTotpCode(deps.db, deps.secretBox, user.id, form.get('code') ?? '');
    } catch (error) {
      if (!isSecondFactorRefusal(error)) throw error;
      await recordSecondFactorFailure(deps.db, deps.config.throttle, attempt);
      await auditSignIn(ctx, deps, request.protocol, user.upn, 'signin.totp', 'failure', error.code);
      ctx.status = 400;
      return enrolling ? showEnrolPage(ctx, deps, row, user, error.message) : showTotpPage(ctx, deps, row, user, error.message);
    }
    // The row was read before the (possibly slow) body: the step lands only on that exact state.
    if (!(await recordMfaStep(deps.db, row, proof, new Date().toISOString()))) {
      await auditSignIn(ctx, deps, request.protocol, user.upn, 'signin.totp', 'failure', 'SIGNIN_REQUEST_CHANGED');
      throw signInRequestChanged();
    }
    await clearSecondFactorFailures(deps.db, user.id);
    await auditSignIn(ctx, deps, request.protocol, user.upn, enrolling ? 'signin.totp-enrol' : 'signin.totp', 'success', null);
    ctx.redirect(`/signin/${row.id}`);
    ctx.status = 303;
  });

  return router;
}

/**
 * The name and logo a page shows. Always the organization of the page's domain (which the sign-in
 * URL already names) or of the person who has proven their password, never of a name merely typed:
 * the page must not tell an anonymous visitor which organization an account belongs to.
 */
async function organizationShown(deps: IdpDeps, organizationId: string | undefined): Promise<PageOrganization> {
  const organization = organizationId ? await findOrganizationById(deps.db, organizationId) : undefined;
  if (!organization) return {};
  return { organizationName: organization.name, organizationLogo: await findOrganizationLogo(deps.db, organization.id) };
}

async function showPasswordPage(ctx: Context, deps: IdpDeps, row: SignInRequest, request: ProtocolRequest, error?: string, username?: string): Promise<void> {
  const domain = await findDomainById(deps.db, row.domainId);
  ctx.type = 'html';
  ctx.body = renderPasswordPage({
    nonce: ctx.state.nonce,
    ...(await organizationShown(deps, domain?.organizationId)),
    csrfToken: csrfTokenFor(ctx, deps.csrfKey, row.id),
    action: `/signin/${row.id}/password`,
    username: username ?? request.usernameHint ?? '',
    // WS-Fed and SAML requests come from Microsoft 365; a portal request from /admin/signin.
    destination: request.protocol === 'portal' ? 'admin-portal' : 'microsoft-365',
    error,
  });
}

async function showTotpPage(ctx: Context, deps: IdpDeps, row: SignInRequest, user: User, error?: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = renderTotpPage({
    nonce: ctx.state.nonce,
    ...(await organizationShown(deps, user.organizationId)),
    csrfToken: csrfTokenFor(ctx, deps.csrfKey, row.id),
    action: `/signin/${row.id}/totp`,
    upn: user.upn,
    error,
  });
}

async function showEnrolPage(ctx: Context, deps: IdpDeps, row: SignInRequest, user: User, error?: string): Promise<void> {
  const organization = await organizationShown(deps, user.organizationId);
  const { secret, otpauthUri } = await pendingTotpEnrolment(deps.db, deps.secretBox, user, organization.organizationName ?? 'Lanyard');
  const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  ctx.type = 'html';
  ctx.body = renderEnrolPage({
    nonce: ctx.state.nonce,
    ...organization,
    csrfToken: csrfTokenFor(ctx, deps.csrfKey, row.id),
    action: `/signin/${row.id}/totp`,
    upn: user.upn,
    qrSvg,
    secret,
    error,
  });
}

/** One step of a sign-in, with the protocol it is for (the person's sign-in activity shows where it led). */
async function auditSignIn(ctx: Context, deps: IdpDeps, protocol: ProtocolRequest['protocol'], target: string, action: string, outcome: 'success' | 'failure', reason: string | null): Promise<void> {
  deps.metrics.signIn(outcome, reason ?? action);
  await recordAuditEvent(deps.db, { actor: target ? `user:${target}` : 'anonymous', action, target, outcome, reason, clientAddress: clientAddress(ctx, deps.config), details: { protocol } });
}
