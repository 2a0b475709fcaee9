import type { Context } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { JwtError, verifyJwtSignature } from '../entra/jwt.ts';
import { keyVaultResource } from '../entra/scopes.ts';
import type { Tenant } from '../state/model.ts';
import { keyVaultError } from './errors.ts';

/**
 * The vault's tenant: the first tenant of the emulator (EMULATOR CHOICE; a real vault belongs to the
 * tenant of its subscription). Tokens must come from it.
 */
export function vaultTenant(context: EmulatorContext): Tenant | undefined {
  return context.state.tenants.values().next().value;
}

/**
 * Key Vault's challenge-based authentication: a request without a valid bearer token gets 401 and
 * `WWW-Authenticate: Bearer authorization="{login}/{tenant}", resource="https://vault.azure.net"`,
 * from which the SDK learns where to get a token. Returns false after answering the 401.
 */
export function authenticateVaultCaller(ctx: Context, context: EmulatorContext): boolean {
  const tenant = vaultTenant(context);
  const refuse = (message: string): false => {
    ctx.set('WWW-Authenticate', `Bearer authorization="${context.baseUrl}/${tenant?.id ?? 'common'}", resource="${keyVaultResource}"`);
    keyVaultError(ctx, 401, 'Unauthorized', message);
    return false;
  };
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!match) return refuse('AKV10000: Request is missing a Bearer or PoP token.');
  let claims;
  try {
    claims = verifyJwtSignature(match[1] as string, context.keys.tokenSigning);
  } catch (error) {
    if (error instanceof JwtError) return refuse('AKV10019: Token signature is not valid.');
    throw error;
  }
  if (claims.aud !== keyVaultResource && claims.aud !== `${keyVaultResource}/`) return refuse(`AKV10022: Invalid audience. Expected ${keyVaultResource}, found: ${String(claims.aud)}.`);
  const now = context.state.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || (typeof claims.nbf === 'number' && claims.nbf > now)) {
    return refuse('AKV10020: The token is expired.');
  }
  if (!tenant || claims.tid !== tenant.id) return refuse(`AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${tenant?.id ?? ''}/, found ${String(claims.iss)}.`);
  return true;
}
