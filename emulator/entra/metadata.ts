import type { Router } from '@koa/router';
import type { EmulatorContext } from '../context.ts';
import { AadstsError, aadstsJson } from './aadsts.ts';
import { jsonWebKey } from './jwt.ts';

/**
 * What @azure/msal-node 7 reads before it asks for a token:
 * - instance discovery `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…`, skipped
 *   when the client lists the emulator's host:port in `knownAuthorities`;
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`, skipped when `authorityMetadata` is given.
 * Both are served, so either client configuration works (see emulator/README.md).
 */
export function registerMetadataRoutes(router: Router, context: EmulatorContext): void {
  router.get('/common/discovery/instance', (ctx) => {
    const host = new URL(context.baseUrl).host;
    const tenant = 'common';
    ctx.body = {
      tenant_discovery_endpoint: `${context.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });

  router.get('/:tenant/v2.0/.well-known/openid-configuration', (ctx) => {
    const tenantSegment = ctx.params.tenant ?? '';
    const tenant = context.state.findTenant(tenantSegment);
    if (!tenant && !['common', 'organizations'].includes(tenantSegment)) {
      ctx.status = 400;
      ctx.body = aadstsJson(unknownTenant(tenantSegment), context.state.now());
      return;
    }
    // Like Entra's multi-tenant documents, /common keeps the `{tenantid}` placeholder in the issuer.
    const issuerTenant = tenant?.id ?? '{tenantid}';
    const base = `${context.baseUrl}/${tenantSegment}`;
    ctx.body = {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${context.baseUrl}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${context.baseUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'roles'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  });

  router.get('/:tenant/discovery/v2.0/keys', (ctx) => {
    const tenant = context.state.findTenant(ctx.params.tenant ?? '');
    const issuer = `${context.baseUrl}/${tenant?.id ?? '{tenantid}'}/v2.0`;
    ctx.body = { keys: [jsonWebKey(context.keys.tokenSigning, issuer)] };
  });
}

export function unknownTenant(tenant: string): AadstsError {
  return new AadstsError(
    90002,
    'invalid_request',
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );
}
