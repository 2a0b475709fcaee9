import { randomUUID } from 'node:crypto';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { BodyError, readFormBody } from '../http/body.ts';
import type { AppRegistration, Tenant } from '../state/model.ts';
import { AadstsError, aadstsJson } from './aadsts.ts';
import { signJwt } from './jwt.ts';
import { unknownTenant } from './metadata.ts';

export const graphResource = 'https://graph.microsoft.com';
export const accessTokenLifetimeSeconds = 3599;

/**
 * `POST /{tenant}/oauth2/v2.0/token`, client credentials with a client secret (the only grant Lanyard's
 * provisioning uses). The access token is a Graph v1 token: `aud` https://graph.microsoft.com, `iss`
 * https://sts.windows.net/{tid}/, `roles` = the app's granted application permissions.
 */
export function registerTokenRoutes(router: Router, context: EmulatorContext): void {
  router.post('/:tenant/oauth2/v2.0/token', async (ctx) => {
    const correlationId = ctx.get('client-request-id') || undefined;
    try {
      ctx.body = await issueToken(ctx, context);
      ctx.set('Cache-Control', 'no-store, no-cache');
    } catch (error) {
      if (!(error instanceof AadstsError)) throw error;
      ctx.status = error.status;
      ctx.body = aadstsJson(error, context.state.now(), correlationId);
    }
  });
}

async function issueToken(ctx: Context, context: EmulatorContext): Promise<Record<string, unknown>> {
  const tenantSegment = (ctx.params as Record<string, string>).tenant ?? '';
  const tenant = context.state.findTenant(tenantSegment);
  if (!tenant) throw unknownTenant(tenantSegment);
  let form: Map<string, string>;
  try {
    form = await readFormBody(ctx);
  } catch (error) {
    if (error instanceof BodyError) throw new AadstsError(900144, 'invalid_request', error.message);
    throw error;
  }
  const grantType = form.get('grant_type');
  if (!grantType) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'grant_type'.");
  if (grantType !== 'client_credentials') {
    throw new AadstsError(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grantType}'.`);
  }
  const app = authenticateClient(tenant, form);
  const scope = form.get('scope');
  if (!scope) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.");
  if (scope !== `${graphResource}/.default`) {
    throw new AadstsError(
      1002012,
      'invalid_scope',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const issuedAt = Math.floor(context.state.now() / 1000);
  const claims = {
    aud: graphResource,
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
    roles: [...app.roles],
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

function authenticateClient(tenant: Tenant, form: Map<string, string>): AppRegistration {
  const clientId = form.get('client_id');
  if (!clientId) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'client_id'.");
  const app = tenant.apps.find((candidate) => candidate.clientId === clientId);
  if (!app) {
    throw new AadstsError(
      700016,
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'.`,
    );
  }
  const secret = form.get('client_secret');
  if (!secret) {
    throw new AadstsError(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", 401);
  }
  if (secret !== app.clientSecret) {
    throw new AadstsError(
      7000215,
      'invalid_client',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      401,
    );
  }
  return app;
}
