import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { BodyError, readFormBody } from '../http/body.ts';
import { AadstsError, aadstsJson } from './aadsts.ts';
import { authorizationCodeGrant } from './authorization-code-grant.ts';
import { authenticateClient } from './client-authentication.ts';
import { clientCredentialsGrant } from './client-credentials-grant.ts';
import { unknownTenant } from './metadata.ts';
import { refreshTokenGrant } from './refresh-token-grant.ts';

const grants = {
  client_credentials: clientCredentialsGrant,
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
} as const;

/**
 * `POST /{tenant}/oauth2/v2.0/token`: client credentials (provisioning, Key Vault), authorization code
 * with PKCE and refresh token (the partner's delegated access). The client authenticates with a secret.
 * MSAL's extra fields (`client_info`, `x-client-*`, `client-request-id`) are accepted.
 */
export function registerTokenRoutes(router: Router, context: EmulatorContext): void {
  router.post('/:tenant/oauth2/v2.0/token', async (ctx) => {
    const correlationId = ctx.get('client-request-id') || (typeof ctx.query['client-request-id'] === 'string' ? ctx.query['client-request-id'] : undefined);
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
  if (!Object.hasOwn(grants, grantType)) {
    throw new AadstsError(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grantType}'.`);
  }
  const client = authenticateClient(context.state, tenant, form);
  return grants[grantType as keyof typeof grants](context, tenant, client, form);
}
