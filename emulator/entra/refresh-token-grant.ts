import type { EmulatorContext } from '../context.ts';
import type { Tenant } from '../state/model.ts';
import { refreshTokenInactivityMilliseconds } from '../state/refresh-tokens.ts';
import { AadstsError } from './aadsts.ts';
import type { AuthenticatedClient } from './client-authentication.ts';
import { checkDelegatedAccess } from './delegated-access-checks.ts';
import { userTokenResponse } from './delegated-tokens.ts';
import { scopeWords, targetResource } from './scopes.ts';

/**
 * `grant_type=refresh_token`, at the user's own tenant or at a customer tenant of it (the CSP
 * delegated-access path). Order: token known and issued to this client, not yet exchanged, not revoked
 * (AADSTS50173), not inactive for 90 days (AADSTS700082), then the delegated-access checks. Only then
 * is it exchanged for a new one, so a refused request leaves it usable.
 */
export function refreshTokenGrant(
  context: EmulatorContext,
  tenant: Tenant,
  client: AuthenticatedClient,
  form: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const { state } = context;
  const { refreshTokens, signInPolicies } = state.delegatedAccess;
  const token = form.get('refresh_token');
  if (!token) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'refresh_token'.");
  const issued = refreshTokens.find(token);
  if (!issued) throw new AadstsError(9002313, 'invalid_grant', 'Invalid request. Request is malformed or invalid.');
  const { grant } = issued;
  if (grant.clientId !== client.app.clientId) {
    throw new AadstsError(70000, 'invalid_grant', 'The provided refresh token was issued to a different client.');
  }
  if (issued.rotated) {
    throw new AadstsError(70000, 'invalid_grant', 'The refresh token has already been used; use the refresh token returned with it.');
  }
  const now = state.now();
  const validFrom = signInPolicies.get(grant.userId).tokensValidFrom;
  if (grant.authenticatedAt < validFrom) {
    throw new AadstsError(
      50173,
      'invalid_grant',
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${isoDate(grant.authenticatedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${isoDate(validFrom)}'.`,
    );
  }
  if (issued.issuedAt + refreshTokenInactivityMilliseconds <= now) {
    throw new AadstsError(
      700082,
      'invalid_grant',
      `The refresh token has expired due to inactivity. The token was issued on ${isoDate(issued.issuedAt)} and was inactive for 90.00:00:00.`,
    );
  }
  const homeTenant = state.tenants.get(grant.homeTenantId);
  if (!homeTenant) throw new AadstsError(9002313, 'invalid_grant', 'Invalid request. Request is malformed or invalid.');
  const requestedScopes = scopeWords(form.get('scope'));
  const resource = targetResource(requestedScopes, tenant.displayName);
  if (!resource) throw new AadstsError(70011, 'invalid_scope', "The provided value for the input parameter 'scope' is not valid.");
  const { user, permissions } = checkDelegatedAccess(context, { tenant, homeTenant, app: client.app, userId: grant.userId, resource, authenticationMethods: grant.authenticationMethods });
  const rotated = refreshTokens.rotate(token, now);
  if (rotated === undefined) {
    throw new AadstsError(70000, 'invalid_grant', 'The refresh token has already been used; use the refresh token returned with it.');
  }
  return userTokenResponse(context, {
    tenant,
    homeTenant,
    app: client.app,
    user,
    resource: resource.resource,
    permissions,
    requestedScopes,
    authenticationMethods: grant.authenticationMethods,
    authenticatedAt: grant.authenticatedAt,
    clientInfo: form.get('client_info') === '1',
    refreshToken: rotated,
  });
}

function isoDate(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}
