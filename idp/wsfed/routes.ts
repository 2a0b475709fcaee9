import type Router from '@koa/router';
import type { Context } from 'koa';
import { LanyardError } from '../../core/errors.ts';
import { createRouter } from '../../core/router.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { endSession } from '../../core/db/sso-sessions.ts';
import { readQuery } from '../../core/http/form-body.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { loginSrfUrl, type IdpDeps } from '../login/deps.ts';
import { renderSignedOutPage } from '../login/pages/sign-in-pages.ts';
import { beginSignIn } from '../login/begin.ts';
import { sessionCookieName, sessionIdFromCookie } from '../sessions/sso-session.ts';
import { requireFederatedDomain } from '../federation/domain-lookup.ts';
import { microsoftOnlineAudience as microsoftRealm, multipleAuthnUri } from '../tokens/token-input.ts';

const maxContextLength = 8192;

/**
 * WS-Federation passive endpoint, `{PUBLIC_URL}/federation/{domain}/wsfed`:
 * `wa=wsignin1.0` from Entra starts a sign-in; `wa=wsignout1.0` ends the SSO session.
 * Tokens only ever go to login.srf: a `wreply` naming anything else is refused (no open redirect).
 */
export function wsFedRouter(deps: IdpDeps): Router {
  const router = createRouter();
  router.get('/federation/:domain/wsfed', async (ctx) => {
    const domain = await requireFederatedDomain(deps.db, ctx.params.domain!);
    const query = readQuery(ctx);
    const action = query.get('wa');
    if (action === 'wsignout1.0' || action === 'wsignoutcleanup1.0') return signOut(ctx, deps);
    if (action !== 'wsignin1.0') throw new LanyardError('WSFED_UNSUPPORTED_ACTION', 'The sign-in request has an unknown action (wa).');
    if (query.get('wtrealm') !== microsoftRealm) {
      throw new LanyardError('WSFED_UNKNOWN_REALM', `This sign-in service only serves Microsoft 365 (wtrealm ${microsoftRealm}).`);
    }
    const reply = query.get('wreply');
    if (reply !== undefined && reply !== loginSrfUrl(deps.config)) {
      throw new LanyardError('WSFED_REPLY_NOT_ALLOWED', 'The sign-in request asks to send the token to an address this service does not trust.');
    }
    const wctx = query.get('wctx') ?? null;
    if (wctx !== null && wctx.length > maxContextLength) throw new LanyardError('WSFED_CONTEXT_TOO_LARGE', 'The sign-in request context (wctx) is too large.');
    const username = query.get('username') ?? null;
    const wauth = query.get('wauth');
    await beginSignIn(ctx, deps, domain, {
      protocol: 'wsfed',
      wctx,
      usernameHint: username && username.length <= 256 ? username : null,
      // wfresh=0 (and prompt=login passed natively) ask for a fresh password, not the SSO session.
      forcePassword: query.get('wfresh') === '0' || query.get('prompt') === 'login',
      forceMfa: wauth === multipleAuthnUri,
    });
  });
  return router;
}

async function signOut(ctx: Context, deps: IdpDeps): Promise<void> {
  const cookie = ctx.cookies.get(sessionCookieName);
  if (cookie) {
    await endSession(deps.db, sessionIdFromCookie(cookie));
    await recordAuditEvent(deps.db, { actor: 'anonymous', action: 'signout.wsfed', outcome: 'success', clientAddress: clientAddress(ctx, deps.config) });
  }
  ctx.cookies.set(sessionCookieName, '', { path: '/', httpOnly: true, maxAge: 0, overwrite: true });
  ctx.type = 'html';
  ctx.body = renderSignedOutPage({ nonce: ctx.state.nonce, cleanupUrl: `${loginSrfUrl(deps.config)}?wa=wsignoutcleanup1.0` });
}
