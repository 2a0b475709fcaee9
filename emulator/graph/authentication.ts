import type { EmulatorContext } from '../context.ts';
import { findAppRegistration } from '../entra/client-authentication.ts';
import { JwtError, verifyJwtSignature } from '../entra/jwt.ts';
import { graphResource } from '../entra/scopes.ts';
import type { GraphCaller } from './dispatcher.ts';
import { GraphError } from './errors.ts';

/** Graph's first-party application id, also accepted as the audience. */
const graphApplicationId = '00000003-0000-0000-c000-000000000000';

const challenge = {
  'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${graphApplicationId}"`,
};

function unauthenticated(message: string): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, challenge);
}

/**
 * Checks the bearer token as Graph does: signature (the emulator's token key), audience, expiry and
 * not-before (no clock skew allowed, the stricter reading), tenant, and that the app still exists there.
 * App tokens grant their `roles`, user (delegated) tokens their `scp`.
 */
export function authenticateGraphCaller(context: EmulatorContext, authorization: string | undefined): GraphCaller {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) throw unauthenticated('Access token is empty.');
  let claims;
  try {
    claims = verifyJwtSignature(match[1] as string, context.keys.tokenSigning);
  } catch (error) {
    if (error instanceof JwtError) throw unauthenticated('Access token validation failure. Invalid signature.');
    throw error;
  }
  if (claims.aud !== graphResource && claims.aud !== graphApplicationId) {
    throw unauthenticated('Access token validation failure. Invalid audience.');
  }
  const now = context.state.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || (typeof claims.nbf === 'number' && claims.nbf > now)) {
    throw unauthenticated('Lifetime validation failed, the token is expired.');
  }
  const tenant = typeof claims.tid === 'string' ? context.state.tenants.get(claims.tid) : undefined;
  if (!tenant) throw unauthenticated('Access token validation failure. Invalid tenant.');
  // A partner's app calls a customer tenant with a delegated token: registered elsewhere, with a service principal here.
  const found = typeof claims.appid === 'string' ? findAppRegistration(context.state, claims.appid) : undefined;
  const present = found && (found.homeTenant.id === tenant.id || context.state.delegatedAccess.consents.hasServicePrincipal(tenant.id, found.app.clientId));
  if (!found || !present) throw unauthenticated('Access token validation failure. Unknown application.');
  // Delegated tokens carry permissions in `scp` (the emulator does not intersect them with the user's roles).
  const permissions = claims.idtyp === 'user' ? String(claims.scp ?? '').split(' ') : stringArray(claims.roles);
  return { tenant, app: found.app, roles: new Set(permissions) };
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}
