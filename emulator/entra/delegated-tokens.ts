import { createHash, randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.ts';
import type { AppRegistration, Tenant, User } from '../state/model.ts';
import type { RefreshTokenGrant } from '../state/refresh-tokens.ts';
import { accessTokenLifetimeSeconds } from './client-credentials-grant.ts';
import { signJwt } from './jwt.ts';
import { fullScope, openIdScopes } from './scopes.ts';

const idTokenLifetimeSeconds = 3600;

export interface UserTokenRequest {
  readonly tenant: Tenant;
  readonly homeTenant: Tenant;
  readonly app: AppRegistration;
  readonly user: User;
  readonly resource: string;
  /** Granted permission names on the resource (the `scp` claim). */
  readonly permissions: readonly string[];
  /** The request's scope words, for the OpenID ones (`openid` gives an id_token). */
  readonly requestedScopes: readonly string[];
  readonly authenticationMethods: readonly string[];
  readonly authenticatedAt: number;
  readonly nonce?: string | undefined;
  /** `client_info=1` was sent. */
  readonly clientInfo: boolean;
  /** The new refresh token, when one is issued. */
  readonly refreshToken: string | undefined;
}

/** The grant a new refresh token carries; the same for every token of one sign-in's chain. */
export function refreshGrantOf(request: Pick<UserTokenRequest, 'homeTenant' | 'app' | 'user' | 'authenticationMethods' | 'authenticatedAt'>): RefreshTokenGrant {
  return {
    homeTenantId: request.homeTenant.id,
    clientId: request.app.clientId,
    userId: request.user.id,
    authenticationMethods: request.authenticationMethods,
    authenticatedAt: request.authenticatedAt,
  };
}

/**
 * A v2 token response for a user. The access token has the v1 format Microsoft's first-party
 * resources (Partner Center, Graph, Key Vault) receive: `iss` https://sts.windows.net/{tid}/, `amr`,
 * `appid`, `scp`, `upn`. The id_token is v2 (MSAL reads `tid`, `oid`, `preferred_username` from it).
 */
export function userTokenResponse(context: EmulatorContext, request: UserTokenRequest): Record<string, unknown> {
  const { tenant, homeTenant, app, user } = request;
  const issuedAt = Math.floor(context.state.now() / 1000);
  const subject = createHash('sha256').update(`${user.id} ${app.clientId}`).digest('base64url').slice(0, 43);
  const accessClaims = {
    aud: request.resource,
    iss: `https://sts.windows.net/${tenant.id}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + accessTokenLifetimeSeconds,
    acr: '1',
    amr: [...request.authenticationMethods],
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr: '1',
    auth_time: Math.floor(request.authenticatedAt / 1000),
    ...(user.surname ? { family_name: user.surname } : {}),
    ...(user.givenName ? { given_name: user.givenName } : {}),
    // A partner user acting in a customer tenant is a foreign principal there; `idp` names their home.
    ...(tenant.id === homeTenant.id ? {} : { idp: `https://sts.windows.net/${homeTenant.id}/` }),
    idtyp: 'user',
    ipaddr: '127.0.0.1',
    name: user.displayName,
    oid: user.id,
    scp: request.permissions.join(' '),
    sub: subject,
    tid: tenant.id,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: randomUUID().replaceAll('-', ''),
    ver: '1.0',
  };
  const openIdWords = request.requestedScopes.filter((word) => openIdScopes.has(word));
  const response: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...request.permissions.map((permission) => fullScope(request.resource, permission)), ...openIdWords].join(' '),
    expires_in: accessTokenLifetimeSeconds,
    ext_expires_in: accessTokenLifetimeSeconds,
    access_token: signJwt(accessClaims, context.keys.tokenSigning),
  };
  if (request.refreshToken !== undefined) response.refresh_token = request.refreshToken;
  if (openIdWords.includes('openid')) {
    const idClaims = {
      aud: app.clientId,
      iss: `${context.baseUrl}/${tenant.id}/v2.0`,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + idTokenLifetimeSeconds,
      ...(request.nonce ? { nonce: request.nonce } : {}),
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      sub: subject,
      tid: tenant.id,
      ver: '2.0',
    };
    response.id_token = signJwt(idClaims, context.keys.tokenSigning);
  }
  if (request.clientInfo) {
    response.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: homeTenant.id })).toString('base64url');
  }
  return response;
}
