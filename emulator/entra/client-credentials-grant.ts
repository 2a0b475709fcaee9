import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.ts';
import type { Tenant } from '../state/model.ts';
import { AadstsError } from './aadsts.ts';
import type { AuthenticatedClient } from './client-authentication.ts';
import { signJwt } from './jwt.ts';
import { graphResource, keyVaultResource } from './scopes.ts';

export const accessTokenLifetimeSeconds = 3599;

/** Resources an app may ask for with client credentials: Graph (provisioning) and Key Vault (secret store). */
const clientCredentialResources = new Set([graphResource, keyVaultResource]);

/**
 * `grant_type=client_credentials` with `scope={resource}/.default`. The access token is a v1 token:
 * `aud` the resource, `iss` https://sts.windows.net/{tid}/, `roles` = the app's granted application
 * permissions (none outside its home tenant).
 */
export function clientCredentialsGrant(
  context: EmulatorContext,
  tenant: Tenant,
  client: AuthenticatedClient,
  form: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const scope = form.get('scope');
  if (!scope) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.");
  const resource = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : undefined;
  if (resource === undefined || !clientCredentialResources.has(resource)) {
    throw new AadstsError(
      1002012,
      'invalid_scope',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const { app } = client;
  const issuedAt = Math.floor(context.state.now() / 1000);
  const claims = {
    aud: resource,
    iss: `https://sts.windows.net/${tenant.id}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + accessTokenLifetimeSeconds,
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr: '1',
    idp: `https://sts.windows.net/${tenant.id}/`,
    idtyp: 'app',
    oid: app.servicePrincipalId,
    // In another tenant the app has the application permissions consented there (its service principal's).
    roles: [...((client.homeTenant.id === tenant.id ? app : tenant.apps.find((candidate) => candidate.clientId === app.clientId))?.roles ?? [])],
    sub: app.servicePrincipalId,
    tid: tenant.id,
    uti: randomUUID().replaceAll('-', ''),
    ver: '1.0',
  };
  return {
    token_type: 'Bearer',
    expires_in: accessTokenLifetimeSeconds,
    ext_expires_in: accessTokenLifetimeSeconds,
    access_token: signJwt(claims, context.keys.tokenSigning),
  };
}
