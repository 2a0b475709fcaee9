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
function application(app: PartnerApp): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      authority: `${app.loginUrl}/${app.partnerTenantId}`,
      knownAuthorities: [new URL(app.loginUrl).host],
    },
  });
}

/** The authorize URL a partner admin opens (PKCE S256). */
export async function consentUrl(app: PartnerApp, request: { redirectUri: string; state: string; codeChallenge: string }): Promise<string> {
  try {
    return await application(app).getAuthCodeUrl({ scopes: consentScopes, redirectUri: request.redirectUri, state: request.state, codeChallenge: request.codeChallenge, codeChallengeMethod: 'S256' });
  } catch (error) {
    throw await tokenFailure(app, error);
  }
}

export async function redeemCode(app: PartnerApp, request: { code: string; codeVerifier: string; redirectUri: string; clientInfo?: string }): Promise<DelegatedTokens> {
  const msal = application(app);
  try {
    const result = await msal.acquireTokenByCode(
      { code: request.code, scopes: consentScopes, redirectUri: request.redirectUri, codeVerifier: request.codeVerifier },
      request.clientInfo ? { code: request.code, client_info: request.clientInfo } : undefined,
    );
    return { accessToken: result.accessToken, refreshToken: cachedRefreshToken(msal), upn: result.account?.username ?? null };
  } catch (error) {
    throw await tokenFailure(app, error);
  }
}

/** Redeems a refresh token for a Partner Center token; Entra rotates it, and the new one is returned. */
export async function redeemRefreshToken(app: PartnerApp, refreshToken: string): Promise<DelegatedTokens> {
  const msal = application(app);
  try {
    const result = await msal.acquireTokenByRefreshToken({ refreshToken, scopes: consentScopes });
    if (!result) throw new LanyardError('CSP_TOKEN_REFUSED', 'Entra returned no token', { aadsts: null, state: 'failed' });
    return { accessToken: result.accessToken, refreshToken: cachedRefreshToken(msal), upn: result.account?.username ?? null };
  } catch (error) {
    throw await tokenFailure(app, error);
  }
}

/** The `amr` claim of an access token. The signature is not checked here: the token came straight from Entra over TLS to MSAL. */
export function authenticationMethods(accessToken: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { amr?: unknown };
    return Array.isArray(payload.amr) ? payload.amr.filter((method): method is string => typeof method === 'string') : [];
  } catch {
    return [];
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
