import { createHash, timingSafeEqual } from 'node:crypto';
import type { EmulatorContext } from '../context.ts';
import type { AuthorizationCodeGrant } from '../state/authorization-codes.ts';
import type { Tenant } from '../state/model.ts';
import { AadstsError } from './aadsts.ts';
import type { AuthenticatedClient } from './client-authentication.ts';
import { checkDelegatedAccess } from './delegated-access-checks.ts';
import { refreshGrantOf, userTokenResponse } from './delegated-tokens.ts';
import { scopeWords, targetResource } from './scopes.ts';

/**
 * `grant_type=authorization_code`: the code (single use, 10 minutes), the same client, tenant and
 * redirect_uri as the authorize request, the PKCE verifier, then the delegated-access checks.
 * A refresh token is issued when `offline_access` was asked for.
 */
export function authorizationCodeGrant(
  context: EmulatorContext,
  tenant: Tenant,
  client: AuthenticatedClient,
  form: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const { state } = context;
  const code = form.get('code');
  if (!code) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'code'.");
  const redemption = state.delegatedAccess.authorizationCodes.redeem(code, state.now());
  if (redemption.outcome === 'unknown') throw new AadstsError(9002313, 'invalid_grant', 'Invalid request. Request is malformed or invalid.');
  if (redemption.outcome === 'already-redeemed') {
    throw new AadstsError(54005, 'invalid_grant', 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
  }
  if (redemption.outcome === 'expired') {
    throw new AadstsError(
      70008,
      'invalid_grant',
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    );
  }
  const { grant } = redemption;
  if (grant.tenantId !== tenant.id) {
    throw new AadstsError(700005, 'invalid_grant', 'Provided Authorization Code is intended to use against other tenant, thus rejected.');
  }
  if (grant.clientId !== client.app.clientId) {
    throw new AadstsError(70000, 'invalid_grant', 'The provided authorization code was issued to a different client.');
  }
  if (form.get('redirect_uri') !== grant.redirectUri) {
    throw new AadstsError(
      50011,
      'invalid_grant',
      `The redirect URI '${form.get('redirect_uri') ?? ''}' specified in the request does not match the redirect URI of the authorization request.`,
    );
  }
  checkCodeVerifier(grant, form.get('code_verifier'));
  const requestedScopes = form.has('scope') ? scopeWords(form.get('scope')) : [...grant.scopes];
  const resource = targetResource(requestedScopes, tenant.displayName);
  if (!resource) throw new AadstsError(70011, 'invalid_scope', 'The provided value for the input parameter \'scope\' is not valid.');
  // Codes come from the authorize endpoint of the user's own tenant (checked above), so that is the home tenant.
  const homeTenant = tenant;
  const { user, permissions } = checkDelegatedAccess(context, { tenant, homeTenant, app: client.app, userId: grant.userId, resource, authenticationMethods: grant.authenticationMethods });
  const tokenGrant = { homeTenant, app: client.app, user, authenticationMethods: grant.authenticationMethods, authenticatedAt: grant.authenticatedAt };
  const offline = grant.scopes.includes('offline_access');
  return userTokenResponse(context, {
    ...tokenGrant,
    tenant,
    resource: resource.resource,
    permissions,
    requestedScopes: [...new Set([...requestedScopes, ...grant.scopes.filter((word) => word === 'openid')])],
    nonce: grant.nonce,
    clientInfo: form.get('client_info') === '1',
    refreshToken: offline ? state.delegatedAccess.refreshTokens.issue(refreshGrantOf(tokenGrant), state.now()) : undefined,
  });
}

/** RFC 7636: S256 compares BASE64URL(SHA256(verifier)), plain the verifier itself (AADSTS501481 otherwise). */
function checkCodeVerifier(grant: AuthorizationCodeGrant, verifier: string | undefined): void {
  if (grant.codeChallenge === undefined) return;
  const presented = verifier === undefined
    ? undefined
    : grant.codeChallengeMethod === 'S256'
      ? createHash('sha256').update(verifier).digest('base64url')
      : verifier;
  const expected = Buffer.from(grant.codeChallenge);
  const actual = Buffer.from(presented ?? '');
  if (presented === undefined || actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new AadstsError(501481, 'invalid_grant', 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
  }
}
