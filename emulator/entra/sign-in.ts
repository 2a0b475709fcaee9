import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { readFormBody } from '../http/body.ts';
import { findUserByPrincipalName } from '../state/store.ts';
import { AadstsError } from './aadsts.ts';
import { redirectToFederatedIdp } from './federated-redirect.ts';
import { errorPage, passwordForm, signedInPage, signInForm } from './pages.ts';

/**
 * The sign-in start page standing in for portal.office.com: type a UPN, home-realm discovery picks the
 * domain, federated domains go to their IdP. `?whr=<domain>` skips the typing, as on Microsoft's pages.
 * Managed domains get a password page checked against the password seeded (or set through Graph).
 */
export function registerSignInRoutes(router: Router, context: EmulatorContext): void {
  const showForm = (ctx: Context): void => {
    const whr = typeof ctx.query.whr === 'string' ? ctx.query.whr : '';
    if (whr) {
      discoverRealm(ctx, context, '', whr);
      return;
    }
    const hint = typeof ctx.query.login_hint === 'string' ? ctx.query.login_hint : '';
    ctx.type = 'html';
    ctx.body = signInForm('/signin', hint);
  };
  router.get('/', showForm);
  router.get('/signin', showForm);

  router.post('/signin', async (ctx) => {
    const login = (await readFormBody(ctx)).get('login')?.trim() ?? '';
    discoverRealm(ctx, context, login, login.split('@')[1] ?? '');
  });

  router.post('/signin/password', async (ctx) => {
    const form = await readFormBody(ctx);
    const login = form.get('login') ?? '';
    const found = context.state.findSignInDomain(login.split('@')[1] ?? '');
    const user = found && found.domain.authenticationType === 'Managed' ? findUserByPrincipalName(found.tenant, login) : undefined;
    if (!found || !user || found.tenant.passwords.get(user.id) !== form.get('password')) {
      showError(ctx, new AadstsError(50126, 'invalid_grant', 'Error validating credentials due to invalid username or password.'));
      return;
    }
    if (!user.accountEnabled) {
      showError(ctx, new AadstsError(50057, 'invalid_grant', 'The user account is disabled.'));
      return;
    }
    const signIn = context.state.recordSignIn({
      tenantId: found.tenant.id,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      domain: found.domain.id,
      protocol: 'password',
      issuer: null,
      mfaSatisfiedByFederatedIdp: false,
    });
    ctx.type = 'html';
    ctx.body = signedInPage({ ...signIn, objectId: user.id, protocol: 'password' });
  });
}

function discoverRealm(ctx: Context, context: EmulatorContext, login: string, domainName: string): void {
  const found = context.state.findSignInDomain(domainName);
  if (!found || !found.domain.isVerified) {
    showError(ctx, new AadstsError(50034, 'invalid_request', `The user account ${login || domainName} does not exist in the directory.`));
    return;
  }
  if (found.domain.authenticationType === 'Federated') {
    if (!found.domain.federationConfiguration) {
      showError(ctx, new AadstsError(50107, 'invalid_request', `The federation realm of ${found.domain.id} is not configured.`));
      return;
    }
    redirectToFederatedIdp(ctx, context, { ...found, userPrincipalName: login, mfaRequested: false });
    return;
  }
  if (!login) {
    ctx.type = 'html';
    ctx.body = signInForm('/signin', '');
    return;
  }
  ctx.type = 'html';
  ctx.body = passwordForm('/signin/password', login);
}

export function showError(ctx: Context, error: AadstsError): void {
  ctx.status = 400;
  ctx.type = 'html';
  ctx.body = errorPage(error);
}
