import { randomBytes } from 'node:crypto';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { readFormBody } from '../http/body.ts';
import type { Tenant } from '../state/model.ts';
import { findUserByPrincipalName } from '../state/store.ts';
import { AadstsError } from './aadsts.ts';
import { consentPage, credentialsPage } from './authorize-pages.ts';
import { respondToApp, respondWithError, type ResponseTarget } from './authorize-response.ts';
import { findAppRegistration } from './client-authentication.ts';
import { unknownTenant } from './metadata.ts';
import { showError } from './sign-in.ts';

/** Roles that may grant tenant-wide consent (Entra: Global, Privileged Role, Cloud Application, Application Administrator). */
const consentingRoleTemplateIds = new Set([
  '62e90394-69f5-4237-9190-012177145e10',
  'e8611ab8-c189-46e8-94e1-60213ab1f814',
  '158c047a-c907-4556-b7ef-446551a6b5f7',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
]);
const lifetimeMs = 10 * 60_000;

interface PendingAdminConsent {
  readonly tenantId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly target: ResponseTarget;
  readonly expiresAt: number;
  step: 'credentials' | 'consent';
}

const pendingByContext = new WeakMap<EmulatorContext, Map<string, PendingAdminConsent>>();

/**
 * The admin-consent endpoint: `GET /{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state`
 * (and the v1 path `/{tenant}/adminconsent`, which takes the same parameters here), reference D.1.
 * An administrator of that tenant signs in and accepts; the app gets a service principal and a
 * tenant-wide grant of `scope`, and the browser returns to the redirect URI with
 * `admin_consent=True&tenant={id}&scope=…&state=…`. A declined consent returns `error=access_denied`
 * (AADSTS65004). EMULATOR CHOICES: the pages are the authorize flow's; the second factor is not
 * asked; a non-admin sees AADSTS90094 ("admin approval required") and nothing is granted; `scope`
 * is required on both paths (Entra's v1 path grants the app's configured permissions instead).
 */
export function registerAdminConsentRoutes(router: Router, context: EmulatorContext): void {
  for (const base of ['/:tenant/v2.0/adminconsent', '/:tenant/adminconsent']) {
    router.get(base, (ctx) => handle(ctx, context, (tenant) => start(ctx, context, tenant, base)));
    router.post(`${base}/credentials`, async (ctx) => {
      const form = await readFormBody(ctx);
      handle(ctx, context, (tenant) => signIn(ctx, context, tenant, base, form));
    });
    router.post(`${base}/consent`, async (ctx) => {
      const form = await readFormBody(ctx);
      handle(ctx, context, (tenant) => decide(ctx, context, tenant, form));
    });
  }
}

function pendingOf(context: EmulatorContext): Map<string, PendingAdminConsent> {
  const existing = pendingByContext.get(context);
  if (existing) return existing;
  const created = new Map<string, PendingAdminConsent>();
  pendingByContext.set(context, created);
  return created;
}

function handle(ctx: Context, context: EmulatorContext, action: (tenant: Tenant) => void): void {
  const segment = (ctx.params as Record<string, string>).tenant ?? '';
  try {
    const tenant = context.state.findTenant(segment);
    if (!tenant) throw unknownTenant(segment);
    action(tenant);
  } catch (error) {
    if (error instanceof AadstsError) showError(ctx, error);
    else throw error;
  }
}

function actionUrl(tenant: Tenant, base: string, step: string): string {
  return `${base.replace(':tenant', tenant.id)}/${step}`;
}

function start(ctx: Context, context: EmulatorContext, tenant: Tenant, base: string): void {
  const query = (name: string): string | undefined => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
  const clientId = query('client_id');
  if (!clientId) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'client_id'.");
  const found = findAppRegistration(context.state, clientId);
  if (!found) {
    throw new AadstsError(700016, 'unauthorized_client', `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'.`);
  }
  const redirectUri = query('redirect_uri');
  if (!redirectUri || !found.app.redirectUris.includes(redirectUri)) {
    throw new AadstsError(50011, 'invalid_request', `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`);
  }
  const scopes = (query('scope') ?? '').split(/\s+/).filter(Boolean);
  if (scopes.length === 0) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.");
  const id = randomBytes(24).toString('base64url');
  pendingOf(context).set(id, { tenantId: tenant.id, clientId, scopes, target: { redirectUri, responseMode: 'query', state: query('state') }, expiresAt: context.state.now() + lifetimeMs, step: 'credentials' });
  ctx.type = 'html';
  ctx.body = credentialsPage(actionUrl(tenant, base, 'credentials'), id, '');
}

/** The request at `step`, taken (compare-and-set on its step) so a page posted twice finds nothing. */
function take(context: EmulatorContext, tenant: Tenant, id: string, step: PendingAdminConsent['step']): PendingAdminConsent {
  const pending = pendingOf(context).get(id);
  if (!pending || pending.step !== step || pending.tenantId !== tenant.id || pending.expiresAt <= context.state.now()) {
    throw new AadstsError(90100, 'invalid_request', 'The sign-in request is unknown, expired or already used; start the sign-in again.');
  }
  return pending;
}

function signIn(ctx: Context, context: EmulatorContext, tenant: Tenant, base: string, form: Map<string, string>): void {
  const id = form.get('request') ?? '';
  const pending = take(context, tenant, id, 'credentials');
  const login = form.get('login')?.trim() ?? '';
  const user = findUserByPrincipalName(tenant, login);
  if (!user || tenant.passwords.get(user.id) !== form.get('password')) {
    ctx.type = 'html';
    ctx.body = credentialsPage(actionUrl(tenant, base, 'credentials'), id, login, new AadstsError(50126, 'invalid_grant', 'Error validating credentials due to invalid username or password.'));
    return;
  }
  if (!user.accountEnabled) throw new AadstsError(50057, 'invalid_grant', 'The user account is disabled.');
  const isAdmin = [...tenant.directoryRoles.values()].some((role) => consentingRoleTemplateIds.has(role.roleTemplateId) && role.memberIds.has(user.id));
  if (!isAdmin) {
    pendingOf(context).delete(id);
    throw new AadstsError(90094, 'access_denied', `${user.userPrincipalName} needs permission to access resources in your organization that only an admin can grant. Ask an admin to grant permission to this app before you can use it.`);
  }
  pending.step = 'consent';
  const app = findAppRegistration(context.state, pending.clientId)?.app;
  ctx.type = 'html';
  ctx.body = consentPage(actionUrl(tenant, base, 'consent'), id, app?.displayName ?? pending.clientId, pending.scopes);
}

function decide(ctx: Context, context: EmulatorContext, tenant: Tenant, form: Map<string, string>): void {
  const id = form.get('request') ?? '';
  const pending = take(context, tenant, id, 'consent');
  pendingOf(context).delete(id);
  if (form.get('decision') !== 'accept') {
    respondWithError(ctx, pending.target, new AadstsError(65004, 'access_denied', 'User declined to consent to access the app.'), context.state.now());
    return;
  }
  context.state.delegatedAccess.consents.grant({ tenantId: tenant.id, clientId: pending.clientId, scopes: pending.scopes });
  respondToApp(ctx, pending.target, { admin_consent: 'True', tenant: tenant.id, scope: pending.scopes.join(' ') });
}
