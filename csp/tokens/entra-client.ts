import { ConfidentialClientApplication } from '@azure/msal-node';
import { LanyardError } from '../../core/errors.ts';
import { microsoftUnreachable } from '../../provisioning/tenant/microsoft-unreachable.ts';
import { explainAadsts } from './aadsts.ts';

/** The delegated Partner Center permission, and offline_access for the refresh token. */
export const partnerCenterScope = 'https://api.partnercenter.microsoft.com/user_impersonation';
export const consentScopes = [partnerCenterScope, 'offline_access'];

export interface PartnerApp {
  readonly loginUrl: string;
  readonly partnerTenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface DelegatedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly upn: string | null;
}

/**
 * A fresh MSAL application per operation. MSAL 7 never returns the refresh token; it keeps it in
 * its cache, so an empty cache per operation makes the one RefreshToken entry after the call the
 * token Entra just issued, with no way to hand out another partner's or a stale one.
 */
function application(app: PartnerApp, tenantId: string = app.partnerTenantId): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      authority: `${app.loginUrl}/${tenantId}`,
      knownAuthorities: [new URL(app.loginUrl).host],
    },
  });
}

/**
 * Whose consent an authorization-code flow asks for: the partner admin's in the partner tenant
 * (the default), or a customer admin's in the customer's tenant for Graph (customer-tokens.ts).
 */
export interface ConsentTarget {
  readonly tenantId: string;
  readonly scopes: readonly string[];
  /** `consent`: Entra shows the permissions even when they were consented before. */
  readonly prompt?: 'consent';
}

/** The authorize URL an admin opens (PKCE S256). */
export async function consentUrl(app: PartnerApp, request: { redirectUri: string; state: string; codeChallenge: string }, target?: ConsentTarget): Promise<string> {
  try {
    return await application(app, target?.tenantId).getAuthCodeUrl({
      scopes: [...(target?.scopes ?? consentScopes)],
      redirectUri: request.redirectUri,
      state: request.state,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(target?.prompt ? { prompt: target.prompt } : {}),
    });
  } catch (error) {
    throw await tokenFailure(app, error);
  }
}

export async function redeemCode(app: PartnerApp, request: { code: string; codeVerifier: string; redirectUri: string; clientInfo?: string }, target?: ConsentTarget): Promise<DelegatedTokens> {
  const msal = application(app, target?.tenantId);
  try {
    const result = await msal.acquireTokenByCode(
      { code: request.code, scopes: [...(target?.scopes ?? consentScopes)], redirectUri: request.redirectUri, codeVerifier: request.codeVerifier },
      request.clientInfo ? { code: request.code, client_info: request.clientInfo } : undefined,
    );
    return { accessToken: result.accessToken, refreshToken: cachedRefreshToken(msal), upn: result.account?.username ?? null };
  } catch (error) {
    throw await tokenFailure(app, error);
  }
}

/**
 * Redeems a refresh token for a Partner Center token; Entra rotates it, and the new one is returned.
 * A plain token request, not MSAL's acquireTokenByRefreshToken: MSAL 7 returns the rotated token
 * only through its cache, and against the emulator that cache held no refresh token after the call,
 * so the rotated token was lost. The request is the documented v2.0 `grant_type=refresh_token` post.
 * `target` redeems it at another authority for other scopes: a customer tenant of the partner for
 * Graph (delegated access), `{login}/{customerTenantId}/oauth2/v2.0/token`.
 */
export async function redeemRefreshToken(app: PartnerApp, refreshToken: string, target: { tenantId: string; scopes: readonly string[] } = { tenantId: app.partnerTenantId, scopes: consentScopes }): Promise<DelegatedTokens> {
  let response: Response;
  try {
    response = await fetch(`${app.loginUrl}/${encodeURIComponent(target.tenantId)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: refreshToken, scope: target.scopes.join(' ') }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw await tokenFailure(app, error);
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; refresh_token?: unknown; error?: unknown; error_description?: unknown };
  if (!response.ok || typeof body.access_token !== 'string') {
    throw await tokenFailure(app, { errorCode: body.error, errorMessage: String(body.error_description ?? `HTTP ${response.status}`) });
  }
  if (typeof body.refresh_token !== 'string') throw new LanyardError('CSP_TOKEN_REFUSED', 'Entra returned no refresh token (is offline_access consented?)', { aadsts: null, state: 'failed' });
  const claims = decodePayload(body.access_token);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, upn: typeof claims.upn === 'string' ? claims.upn : null };
}

/** The `tid` claim of an access token: the tenant it is for (unverified, as `authenticationMethods`). */
export function tokenTenant(accessToken: string): string | null {
  const { tid } = decodePayload(accessToken);
  return typeof tid === 'string' ? tid.toLowerCase() : null;
}

/** The `amr` claim of an access token. The signature is not checked here: the token came straight from Entra over TLS to MSAL. */
export function authenticationMethods(accessToken: string): string[] {
  const { amr } = decodePayload(accessToken);
  return Array.isArray(amr) ? amr.filter((method): method is string => typeof method === 'string') : [];
}

function decodePayload(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function cachedRefreshToken(msal: ConfidentialClientApplication): string {
  const cache = JSON.parse(msal.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret: string }> };
  const entries = Object.values(cache.RefreshToken ?? {});
  if (entries.length !== 1) throw new LanyardError('CSP_TOKEN_REFUSED', 'Entra returned no refresh token (is offline_access consented?)', { aadsts: null, state: 'failed' });
  return entries[0]!.secret;
}

/** MICROSOFT_UNREACHABLE when Entra gave no answer; else CSP_TOKEN_REFUSED with the AADSTS code, the state it means and what to do. */
async function tokenFailure(app: PartnerApp, error: unknown): Promise<LanyardError> {
  if (error instanceof LanyardError) return error;
  const unreachable = await microsoftUnreachable(app.loginUrl, error);
  if (unreachable) return unreachable;
  const text = String((error as { errorMessage?: unknown }).errorMessage ?? (error instanceof Error ? error.message : error));
  const meaning = explainAadsts(text);
  const firstLine = text.split(/\r?\n/)[0];
  return new LanyardError('CSP_TOKEN_REFUSED', `Entra refused the token request: ${meaning.explanation} (${firstLine})`, {
    aadsts: meaning.code,
    state: meaning.state,
    explanation: meaning.explanation,
    remediation: meaning.remediation,
  });
}
