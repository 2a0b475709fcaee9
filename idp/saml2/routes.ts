import { X509Certificate } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { LanyardError } from '../../core/errors.ts';
import { createRouter } from '../../core/router.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Domain } from '../../core/db/schema.ts';
import { endSession } from '../../core/db/sso-sessions.ts';
import { findUserByImmutableId } from '../../core/db/users.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import { requireFederatedDomain } from '../federation/domain-lookup.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { loginSrfUrl, type IdpDeps } from '../login/deps.ts';
import { renderPostFormPage } from '../login/pages/sign-in-pages.ts';
import { beginSignIn } from '../login/begin.ts';
import { resumeSession, sessionCookieName } from '../sessions/sso-session.ts';
import { buildSamlLogoutResponse } from '../tokens/saml2-logout-response.ts';
import { multipleAuthnUri } from '../tokens/token-input.ts';
import { readAuthnRequestFromPost, readAuthnRequestFromRedirect, type AuthnRequestPolicy } from './authn-request.ts';
import { readLogoutRequest } from './logout-request.ts';
import type { RequestBinding } from './request-message.ts';

/**
 * SAML 2.0 endpoints of a domain: SSO (`/saml2`, HTTP-POST as Entra sends it, and HTTP-Redirect)
 * and single logout (`/saml2/logout`). Every request is parsed strictly and, when the domain
 * requires it (or a signature is present), verified against Microsoft's request-signing
 * certificates; only fields read from the verified XML are used. The query of an HTTP-Redirect
 * request is read only by the binding decoder (one parse, signature over its raw values): the
 * RelayState echoed is the one it returns, never one read from the query here.
 */
export function samlRouter(deps: IdpDeps): Router {
  const router = createRouter();
  const trustedCertificates = deps.microsoftRequestSigningCerts.map((pem) => new X509Certificate(pem).raw);

  const policyFor = (domain: Domain, path: string): AuthnRequestPolicy => ({
    endpointUrl: `${deps.config.publicUrl}/federation/${domain.name}/${path}`,
    assertionConsumerServiceUrl: loginSrfUrl(deps.config),
    requireSignature: domain.requireSignedRequests === 1,
    trustedCertificates,
    now: new Date(),
  });

  const signIn = async (ctx: Context, binding: RequestBinding) => {
    const domain = await requireFederatedDomain(deps.db, ctx.params.domain!);
    const policy = policyFor(domain, 'saml2');
    const request = binding.binding === 'post'
      ? readAuthnRequestFromPost(binding.samlRequest, policy, binding.relayState)
      : readAuthnRequestFromRedirect(binding.rawQuery, policy);
    if (request.isPassive) {
      throw new LanyardError('SAML_PASSIVE_NOT_SUPPORTED', 'Passive (no-interaction) sign-in requests are not supported.');
    }
    await beginSignIn(ctx, deps, domain, {
      protocol: 'saml',
      authnRequestId: request.id,
      relayState: request.relayState,
      usernameHint: null,
      forcePassword: request.forceAuthn,
      forceMfa: request.requestedAuthnContextClassRefs.includes(multipleAuthnUri),
    });
  };

  router.get('/federation/:domain/saml2', async (ctx) => {
    await signIn(ctx, { binding: 'redirect', rawQuery: ctx.querystring });
  });
  router.post('/federation/:domain/saml2', async (ctx) => {
    const form = await readFormBody(ctx, deps.config.maxBodyBytes);
    const samlRequest = form.get('SAMLRequest');
    if (!samlRequest) throw new LanyardError('SAML_REQUEST_MISSING', 'The sign-in request has no SAMLRequest.');
    await signIn(ctx, { binding: 'post', samlRequest, relayState: form.get('RelayState') });
  });

  const logout = async (ctx: Context, binding: RequestBinding) => {
    const domain = await requireFederatedDomain(deps.db, ctx.params.domain!);
    const request = readLogoutRequest(binding, policyFor(domain, 'saml2/logout'));
    const user = await findUserByImmutableId(deps.db, request.nameId);
    const resumed = await resumeSession(deps.db, ctx.cookies.get(sessionCookieName));
    // Only this browser's session of the named user ends: a logout request cannot end other people's sessions.
    if (resumed && user && resumed.user.id === user.id) {
      await endSession(deps.db, resumed.session.id);
      await recordAuditEvent(deps.db, { actor: `user:${user.upn}`, action: 'signout.saml', outcome: 'success', clientAddress: clientAddress(ctx, deps.config) });
    }
    ctx.cookies.set(sessionCookieName, '', { path: '/', httpOnly: true, maxAge: 0, overwrite: true });
    const key = await deps.keys.current();
    const response = await buildSamlLogoutResponse({ issuer: domain.issuerUri, inResponseTo: request.id, destination: loginSrfUrl(deps.config), now: new Date() }, key);
    const fields: Record<string, string> = { SAMLResponse: Buffer.from(response, 'utf8').toString('base64') };
    if (request.relayState !== null) fields.RelayState = request.relayState;
    ctx.type = 'html';
    ctx.body = renderPostFormPage({ nonce: ctx.state.nonce, action: loginSrfUrl(deps.config), fields });
  };

  router.get('/federation/:domain/saml2/logout', async (ctx) => {
    await logout(ctx, { binding: 'redirect', rawQuery: ctx.querystring });
  });
  router.post('/federation/:domain/saml2/logout', async (ctx) => {
    const form = await readFormBody(ctx, deps.config.maxBodyBytes);
    const samlRequest = form.get('SAMLRequest');
    if (!samlRequest) throw new LanyardError('SAML_REQUEST_MISSING', 'The logout request has no SAMLRequest.');
    await logout(ctx, { binding: 'post', samlRequest, relayState: form.get('RelayState') });
  });
  return router;
}
