import type { EmulatorContext } from '../context.ts';
import { JwtError, verifyJwtSignature } from '../entra/jwt.ts';
import type { PartnerCenterCaller } from './dispatcher.ts';
import { PartnerCenterError } from './errors.ts';

export const partnerCenterResource = 'https://api.partnercenter.microsoft.com';
/** Partner Center's first-party application id, also accepted as the audience. */
const partnerCenterApplicationId = 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd';

/**
 * 401 with `WWW-Authenticate: OAuth realm=urn:cpsvc:cpid:{id}` (error-codes page). Code 400 is the
 * documented "Access denied" code for 401; the descriptions are the emulator's.
 */
function unauthorized(description: string, code: number | string = 400): PartnerCenterError {
  return new PartnerCenterError(401, code, description, [], { 'WWW-Authenticate': `OAuth realm=urn:cpsvc:cpid:${partnerCenterApplicationId}` });
}

/** True for App+User (delegated) tokens: Entra marks them `idtyp: user` and gives them `scp`. */
function isUserToken(claims: Readonly<Record<string, unknown>>): boolean {
  return claims.idtyp === 'user' || typeof claims.scp === 'string';
}

/**
 * Checks the bearer token as Partner Center does: the emulator's token key, audience, lifetime (no skew,
 * as for Graph), the partner tenant and app; for App+User tokens the user and the `mfa` entry in `amr`
 * (enforced since 1 April 2026, reference C.0 / D.4: 401 with code 900421).
 */
export function authenticatePartnerCenterCaller(context: EmulatorContext, authorization: string | undefined): PartnerCenterCaller {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) throw unauthorized('Authorization header is missing or is not a bearer token.');
  let claims;
  try {
    claims = verifyJwtSignature(match[1] as string, context.keys.tokenSigning);
  } catch (error) {
    if (error instanceof JwtError) throw unauthorized('The access token signature is invalid.');
    throw error;
  }
  if (claims.aud !== partnerCenterResource && claims.aud !== partnerCenterApplicationId) {
    throw unauthorized(`The access token audience must be ${partnerCenterResource}.`);
  }
  const now = context.state.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || (typeof claims.nbf === 'number' && claims.nbf > now)) {
    throw unauthorized('The access token has expired.');
  }
  const partner = typeof claims.tid === 'string' ? context.state.partnerCenter.partners.get(claims.tid) : undefined;
  const tenant = partner && context.state.tenants.get(partner.tenantId);
  if (!partner || !tenant) throw unauthorized('The token tenant is not a Partner Center partner.');
  const app = tenant.apps.find((candidate) => candidate.clientId === claims.appid);
  if (!app) throw unauthorized('The application is not registered in the partner tenant.');
  if (!isUserToken(claims)) return { partner, tenant, app, userId: undefined };

  const userId = typeof claims.oid === 'string' ? claims.oid : '';
  if (!tenant.users.has(userId)) throw unauthorized('The signed-in user is not a user of the partner tenant.');
  const methods = Array.isArray(claims.amr) ? claims.amr : [];
  if (!methods.includes('mfa')) {
    // EMULATOR CHOICE: the description; Microsoft documents only the status and code.
    throw unauthorized('Multi-factor authentication is required: the access token has no mfa claim in amr. Sign in again with MFA.', 900421);
  }
  return { partner, tenant, app, userId };
}

/**
 * EMULATOR CHOICE: calls whose pages say "App+User credentials" answer App-only tokens with 403 and the
 * documented generic code 2032 "Access denied".
 */
export function appOnlyRefused(): PartnerCenterError {
  return new PartnerCenterError(403, 2032, 'Access denied: this operation supports App+User authentication only.');
}
