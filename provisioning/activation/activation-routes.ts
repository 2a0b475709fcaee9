import { createHmac } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { hashPassword } from '../../core/password-hash.ts';
import { createRouter } from '../../core/router.ts';
import { consumeActivationToken, findLiveActivationToken } from '../data/activation-tokens.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import type { User } from '../../core/db/schema.ts';
import { findUserById, updateUser } from '../../core/db/users.ts';
import { validateNewPassword } from '../../idp/accounts/validation.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { equalText } from '../../idp/login/sign-in-request.ts';
import { assertSecondFactorAllowed, clearSecondFactorFailures, recordSecondFactorFailure } from '../../idp/login/throttle.ts';
import { isSecondFactorRefusal, pendingTotpEnrolment, verifyTotpCode } from '../../idp/mfa/totp.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import type { Config } from '../../core/config.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import { hashActivationToken } from './activation-links.ts';
import { renderActivatedPage, renderActivationPage } from './activation-page.ts';

/**
 * GET/POST /activate/:token — a pending (imported) account becomes active once its person has
 * chosen a password and proven an authenticator app with a first code. The link is single-use;
 * TOTP attempts are throttled like sign-ins.
 *
 * @example
 *   const router = activationRouter(deps); app.use(router.routes());
 */
export interface ActivationDeps {
  readonly config: Config;
  readonly db: Db;
  readonly secretBox: SecretBox;
  /** csrfKeyOf(master key): the activation form's token is an HMAC of its activation token under it. */
  readonly csrfKey: Buffer;
}

export function activationRouter(deps: ActivationDeps): Router {
  // Full paths, no prefix: a strict router would add a trailing slash to a prefixed '/' route.
  const router = createRouter();

  router.get('/activate/:token', async (ctx) => {
    const { user, tokenHash } = await loadActivation(deps, ctx.params.token!);
    await showForm(ctx, deps, user, tokenHash);
  });

  router.post('/activate/:token', async (ctx) => {
    const { user, tokenHash } = await loadActivation(deps, ctx.params.token!);
    const form = await readFormBody(ctx, deps.config.maxBodyBytes);
    if (!equalText(form.get('csrf') ?? '', csrfToken(deps, tokenHash))) throw new LanyardError('CSRF_TOKEN_INVALID', 'This form has expired. Open the activation link again.');
    const address = clientAddress(ctx, deps.config);
    await assertSecondFactorAllowed(deps.db, deps.config.throttle, { clientAddress: address, userId: user.id });
    const password = form.get('password') ?? '';
    let passwordHash: string;
    try {
      if (password !== (form.get('confirm') ?? '')) throw new LanyardError('PASSWORD_MISMATCH', 'The two passwords are not the same.');
      passwordHash = await hashPassword(validateNewPassword(password), deps.config.passwordHashCost);
      await verifyTotpCode(deps.db, deps.secretBox, user.id, form.get('code') ?? '');
    } catch (error) {
      if (!isLanyardError(error) || error.status >= 500) throw error;
      if (isSecondFactorRefusal(error)) await recordSecondFactorFailure(deps.db, deps.config.throttle, { clientAddress: address, userId: user.id });
      ctx.status = 400;
      return showForm(ctx, deps, user, tokenHash, error.message);
    }
    const activated = await deps.db.transaction().execute(async (trx) => {
      if (!(await consumeActivationToken(trx, tokenHash))) return false;
      await updateUser(trx, user.id, { passwordHash, status: 'active' });
      return true;
    });
    if (!activated) throw new LanyardError('ACTIVATION_LINK_INVALID', 'This activation link has expired or was already used. Ask your administrator for a new one.');
    await clearSecondFactorFailures(deps.db, user.id);
    await recordAuditEvent(deps.db, { actor: `user:${user.upn}`, action: 'user.activate', target: user.upn, outcome: 'success', clientAddress: address });
    ctx.type = 'html';
    ctx.body = renderActivatedPage({ nonce: ctx.state.nonce, organizationName: await organizationName(deps, user), upn: user.upn });
  });

  return router;
}

async function loadActivation(deps: ActivationDeps, token: string): Promise<{ user: User; tokenHash: string }> {
  const tokenHash = hashActivationToken(token);
  const live = /^[A-Za-z0-9_-]{43}$/.test(token) ? await findLiveActivationToken(deps.db, tokenHash) : undefined;
  const user = live ? await findUserById(deps.db, live.userId) : undefined;
  if (!user || user.status !== 'pending') {
    throw new LanyardError('ACTIVATION_LINK_INVALID', 'This activation link has expired or was already used. Ask your administrator for a new one.');
  }
  return { user, tokenHash };
}

async function showForm(ctx: Context, deps: ActivationDeps, user: User, tokenHash: string, error?: string): Promise<void> {
  const organization = await organizationName(deps, user);
  const { secret, otpauthUri } = await pendingTotpEnrolment(deps.db, deps.secretBox, user, organization ?? 'Lanyard');
  ctx.type = 'html';
  ctx.body = renderActivationPage({
    nonce: ctx.state.nonce,
    organizationName: organization,
    action: ctx.path,
    csrfToken: csrfToken(deps, tokenHash),
    upn: user.upn,
    qrSvg: await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }),
    secret,
    error,
  });
}

/** Bound to the link: a page from another site cannot post a form for it without knowing the token. */
function csrfToken(deps: ActivationDeps, tokenHash: string): string {
  return createHmac('sha256', deps.csrfKey).update(`activate.${tokenHash}`).digest('base64url');
}

async function organizationName(deps: ActivationDeps, user: User): Promise<string | undefined> {
  return (await findOrganizationById(deps.db, user.organizationId))?.name;
}
