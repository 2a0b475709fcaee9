import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { readFormBody } from '../http/body.ts';
import type { Tenant } from '../state/model.ts';
import type { AuthorizationStep, PendingAuthorization } from '../state/pending-authorizations.ts';
import { findUserByPrincipalName } from '../state/store.ts';
import { AadstsError } from './aadsts.ts';
import { consentPage, credentialsPage, emulatorMfaCode, secondFactorPage } from './authorize-pages.ts';
import { parseAuthorizeRequest } from './authorize-request.ts';
import { RedirectedError, respondToApp, respondWithError } from './authorize-response.ts';
import { findAppRegistration } from './client-authentication.ts';
import { unknownTenant } from './metadata.ts';
import { fullScope, openIdScopes, splitScope } from './scopes.ts';
import { showError } from './sign-in.ts';

/**
 * The interactive half of the authorization-code flow: `GET /{tenant}/oauth2/v2.0/authorize`, then
 * three pages posted back to `…/authorize/{credentials,second-factor,consent}` (EMULATOR CHOICE paths):
 * password, the second factor when the user has MFA registered, consent when a requested scope is not
 * yet consented (or `prompt=consent`). It ends with a redirect carrying `code` and `state`.
 */
export function registerAuthorizeRoutes(router: Router, context: EmulatorContext): void {
  const base = '/:tenant/oauth2/v2.0/authorize';
  router.get(base, (ctx) =>
    handle(ctx, context, (tenant) => {
      const pending = context.state.delegatedAccess.pendingAuthorizations.start(parseAuthorizeRequest(context, tenant, ctx.query), context.state.now());
      ctx.type = 'html';
      ctx.body = credentialsPage(stepUrl(tenant, 'credentials'), pending.id, pending.loginHint ?? '');
    }),
  );
  router.post(`${base}/credentials`, (ctx) => step(ctx, context, 'credentials', signInWithPassword));
  router.post(`${base}/second-factor`, (ctx) => step(ctx, context, 'second-factor', verifySecondFactor));
  router.post(`${base}/consent`, (ctx) => step(ctx, context, 'consent', decideConsent));
}

type StepHandler = (ctx: Context, context: EmulatorContext, tenant: Tenant, pending: PendingAuthorization, form: Map<string, string>) => void;

function stepUrl(tenant: Tenant, name: AuthorizationStep): string {
  return `/${tenant.id}/oauth2/v2.0/authorize/${name}`;
}

async function step(ctx: Context, context: EmulatorContext, name: AuthorizationStep, handler: StepHandler): Promise<void> {
  const form = await readFormBody(ctx);
  handle(ctx, context, (tenant) => {
    const pending = context.state.delegatedAccess.pendingAuthorizations.find(form.get('request') ?? '', name, context.state.now());
    if (!pending || pending.tenantId !== tenant.id) {
      throw new AadstsError(90100, 'invalid_request', 'The sign-in request is unknown, expired or already used; start the sign-in again.');
    }
    handler(ctx, context, tenant, pending, form);
  });
}

function handle(ctx: Context, context: EmulatorContext, action: (tenant: Tenant) => void): void {
  const tenantSegment = (ctx.params as Record<string, string>).tenant ?? '';
  try {
    const tenant = context.state.findTenant(tenantSegment);
    if (!tenant) throw unknownTenant(tenantSegment);
    action(tenant);
  } catch (error) {
    if (error instanceof RedirectedError) respondWithError(ctx, error.target, error.error, context.state.now());
    else if (error instanceof AadstsError) showError(ctx, error);
    else throw error;
  }
}

const signInWithPassword: StepHandler = (ctx, context, tenant, pending, form) => {
  const login = form.get('login')?.trim() ?? '';
  const user = findUserByPrincipalName(tenant, login);
  if (!user || tenant.passwords.get(user.id) !== form.get('password')) {
    const error = user
      ? new AadstsError(50126, 'invalid_grant', 'Error validating credentials due to invalid username or password.')
      : new AadstsError(50034, 'invalid_grant', `The user account ${login} does not exist in the '${tenant.displayName}' directory.`);
    ctx.type = 'html';
    ctx.body = credentialsPage(stepUrl(tenant, 'credentials'), pending.id, login, error);
    return;
  }
  if (!user.accountEnabled) throw new AadstsError(50057, 'invalid_grant', 'The user account is disabled.');
  const { delegatedAccess } = context.state;
  const now = context.state.now();
  context.state.recordSignIn({
    tenantId: tenant.id,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    domain: user.userPrincipalName.split('@')[1] ?? '',
    protocol: 'password',
    issuer: null,
    mfaSatisfiedByFederatedIdp: false,
  });
  if (delegatedAccess.signInPolicies.get(user.id).mfaRegistered) {
    const next = delegatedAccess.pendingAuthorizations.advance(pending.id, 'credentials', { step: 'second-factor', userId: user.id, authenticatedAt: now });
    if (!next) throw staleRequest();
    ctx.type = 'html';
    ctx.body = secondFactorPage(stepUrl(tenant, 'second-factor'), next.id, user.userPrincipalName);
    return;
  }
  afterAuthentication(ctx, context, tenant, pending, 'credentials', { userId: user.id, authenticatedAt: now, authenticationMethods: ['pwd'] });
};

const verifySecondFactor: StepHandler = (ctx, context, tenant, pending, form) => {
  if (form.get('otc')?.trim() !== emulatorMfaCode) {
    const user = tenant.users.get(pending.userId ?? '');
    ctx.type = 'html';
    ctx.body = secondFactorPage(
      stepUrl(tenant, 'second-factor'),
      pending.id,
      user?.userPrincipalName ?? '',
      new AadstsError(50074, 'invalid_grant', 'Strong Authentication is required: the verification code is not correct.'),
    );
    return;
  }
  afterAuthentication(ctx, context, tenant, pending, 'second-factor', { authenticationMethods: ['pwd', 'mfa'] });
};

const decideConsent: StepHandler = (ctx, context, tenant, pending, form) => {
  const { delegatedAccess } = context.state;
  if (form.get('decision') !== 'accept') {
    if (!delegatedAccess.pendingAuthorizations.advance(pending.id, 'consent', { step: 'done' })) throw staleRequest();
    throw new RedirectedError(new AadstsError(65004, 'access_denied', 'User declined to consent to access the app.'), pending);
  }
  delegatedAccess.consents.grant({ tenantId: tenant.id, clientId: pending.clientId, userId: pending.userId, scopes: consentableScopes(pending) });
  finish(ctx, context, pending, 'consent');
};

/** After the last sign-in factor: the consent page when something is not consented yet, else the code. */
function afterAuthentication(
  ctx: Context,
  context: EmulatorContext,
  tenant: Tenant,
  pending: PendingAuthorization,
  from: AuthorizationStep,
  changes: Partial<PendingAuthorization>,
): void {
  const { delegatedAccess } = context.state;
  const userId = changes.userId ?? pending.userId ?? '';
  const consented = delegatedAccess.consents.consentedScopes(tenant.id, pending.clientId, userId);
  const needsConsent = pending.prompt === 'consent' || consentableScopes(pending).some((scope) => !consented.has(scope));
  if (!needsConsent) {
    finish(ctx, context, { ...pending, ...changes }, from);
    return;
  }
  const next = delegatedAccess.pendingAuthorizations.advance(pending.id, from, { ...changes, step: 'consent' });
  if (!next) throw staleRequest();
  const app = findAppRegistration(context.state, pending.clientId)?.app;
  ctx.type = 'html';
  ctx.body = consentPage(stepUrl(tenant, 'consent'), next.id, app?.displayName ?? pending.clientId, [...pending.scopes]);
}

function finish(ctx: Context, context: EmulatorContext, pending: PendingAuthorization, from: AuthorizationStep): void {
  const { delegatedAccess } = context.state;
  const done = delegatedAccess.pendingAuthorizations.advance(pending.id, from, { ...pending, step: 'done' });
  if (!done || done.userId === undefined || done.authenticatedAt === undefined || !done.authenticationMethods) throw staleRequest();
  const code = delegatedAccess.authorizationCodes.issue(
    {
      tenantId: done.tenantId,
      clientId: done.clientId,
      userId: done.userId,
      redirectUri: done.redirectUri,
      scopes: done.scopes,
      codeChallenge: done.codeChallenge,
      codeChallengeMethod: done.codeChallengeMethod,
      nonce: done.nonce,
      authenticationMethods: done.authenticationMethods,
      authenticatedAt: done.authenticatedAt,
    },
    context.state.now(),
  );
  const clientInfo = Buffer.from(JSON.stringify({ uid: done.userId, utid: done.tenantId })).toString('base64url');
  respondToApp(ctx, done, { code, ...(done.clientInfo ? { client_info: clientInfo } : {}) });
}

/** Requested permissions in full form; OpenID scopes and `.default` are not permissions one consents to. */
function consentableScopes(pending: PendingAuthorization): string[] {
  return pending.scopes
    .filter((scope) => !openIdScopes.has(scope))
    .map(splitScope)
    .filter((scope) => scope.permission !== '.default')
    .map((scope) => fullScope(scope.resource, scope.permission));
}

function staleRequest(): AadstsError {
  return new AadstsError(90100, 'invalid_request', 'The sign-in request is unknown, expired or already used; start the sign-in again.');
}
