import type { Context } from 'koa';
import { randomUUID } from 'node:crypto';
import { microsoftOnlineUrn, type EmulatorContext } from '../context.ts';
import type { Domain, Tenant } from '../state/model.ts';
import { buildAuthnRequest, multipleAuthenticationClass } from './authn-request.ts';
import { autoPostForm } from './pages.ts';

export interface FederatedSignInTarget {
  readonly tenant: Tenant;
  readonly domain: Domain;
  /** The UPN typed at sign-in; empty when the domain came from `whr`. */
  readonly userPrincipalName: string;
  /** Ask the IdP for MFA (the enforceMfaByFederatedIdp bounce). */
  readonly mfaRequested: boolean;
}

/**
 * Sends the browser to the domain's IdP as Entra does. WS-Fed: a 302 to passiveSignInUri with
 * `wa=wsignin1.0`, `wtrealm=urn:federation:MicrosoftOnline`, an opaque expiring `wctx`, `username`,
 * `client-request-id` (and `wauth=…multipleauthn` for MFA). SAML: an auto-submitting POST of the
 * base64 AuthnRequest plus RelayState.
 */
export function redirectToFederatedIdp(ctx: Context, context: EmulatorContext, target: FederatedSignInTarget): void {
  const configuration = target.domain.federationConfiguration;
  if (!configuration) throw new Error(`domain ${target.domain.id} has no federation configuration`);
  const now = context.state.now();
  const requestFields = {
    tenantId: target.tenant.id,
    domain: target.domain.id,
    userPrincipalName: target.userPrincipalName,
    mfaRequested: target.mfaRequested,
  };
  if (configuration.preferredAuthenticationProtocol === 'saml') {
    const request = context.loginRequests.issueSamlRequest(requestFields, now);
    const xml = buildAuthnRequest(context, configuration, request);
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = autoPostForm(configuration.passiveSignInUri, {
      SAMLRequest: Buffer.from(xml).toString('base64'),
      RelayState: request.relayState ?? '',
    });
    return;
  }
  const url = new URL(configuration.passiveSignInUri);
  url.searchParams.set('client-request-id', randomUUID());
  url.searchParams.set('wa', 'wsignin1.0');
  url.searchParams.set('wtrealm', microsoftOnlineUrn);
  url.searchParams.set('wctx', context.loginRequests.issueWsFedContext(requestFields, now));
  if (target.mfaRequested) url.searchParams.set('wauth', multipleAuthenticationClass);
  if (target.userPrincipalName) url.searchParams.set('username', target.userPrincipalName);
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(url.toString());
}
