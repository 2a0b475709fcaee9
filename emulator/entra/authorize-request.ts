import type { ParsedUrlQuery } from 'node:querystring';
import type { EmulatorContext } from '../context.ts';
import type { Tenant } from '../state/model.ts';
import type { PendingAuthorization, ResponseMode } from '../state/pending-authorizations.ts';
import { AadstsError } from './aadsts.ts';
import { RedirectedError, type ResponseTarget } from './authorize-response.ts';
import { identifyClient } from './client-authentication.ts';
import { scopeWords, targetResource } from './scopes.ts';

const responseModes = new Set<ResponseMode>(['query', 'fragment', 'form_post']);
const prompts = new Set(['login', 'none', 'consent', 'select_account']);

export type AuthorizeRequest = Omit<PendingAuthorization, 'id' | 'expiresAt' | 'step'>;

/**
 * Validates `GET /{tenant}/oauth2/v2.0/authorize` in Entra's order. Client and redirect_uri faults are
 * thrown as `AadstsError` (an error page: the app's address is not trusted yet); later ones as
 * `RedirectedError`, delivered to the registered redirect_uri.
 */
export function parseAuthorizeRequest(context: EmulatorContext, tenant: Tenant, query: ParsedUrlQuery): AuthorizeRequest {
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) throw new AadstsError(90015, 'invalid_request', `The parameter '${name}' is repeated.`);
    return value;
  };
  const { app } = identifyClient(context.state, tenant, single('client_id'), { requireServicePrincipal: false });
  const redirectUri = single('redirect_uri');
  if (!redirectUri) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'redirect_uri'.");
  if (!app.redirectUris.includes(redirectUri)) {
    throw new AadstsError(
      50011,
      'invalid_request',
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    );
  }
  const requestedMode = single('response_mode');
  const responseMode = (requestedMode ?? 'query') as ResponseMode;
  const state = single('state');
  const target: ResponseTarget = { redirectUri, responseMode: responseModes.has(responseMode) ? responseMode : 'query', state };
  const fail = (code: number, error: string, message: string): RedirectedError => new RedirectedError(new AadstsError(code, error, message), target);
  if (!responseModes.has(responseMode)) throw fail(90023, 'invalid_request', `The response_mode '${requestedMode ?? ''}' is not supported.`);
  const responseType = single('response_type');
  if (responseType !== 'code') {
    throw fail(700054, 'unsupported_response_type', `response_type '${responseType ?? ''}' is not enabled for the application.`);
  }
  const scopes = scopeWords(single('scope'));
  if (scopes.length === 0) throw fail(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.");
  try {
    targetResource(scopes, tenant.displayName);
  } catch (error) {
    if (error instanceof AadstsError) throw new RedirectedError(error, target);
    throw error;
  }
  const codeChallenge = single('code_challenge');
  const method = single('code_challenge_method') ?? (codeChallenge ? 'plain' : undefined);
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    throw fail(90023, 'invalid_request', `The code_challenge_method '${method}' is not supported; use S256.`);
  }
  if (method !== undefined && !codeChallenge) throw fail(900144, 'invalid_request', "The request body must contain the following parameter: 'code_challenge'.");
  const prompt = single('prompt');
  if (prompt !== undefined && !prompts.has(prompt)) throw fail(90023, 'invalid_request', `The prompt value '${prompt}' is not supported.`);
  if (prompt === 'none') {
    // The emulator keeps no browser session, so a silent request always needs a sign-in.
    throw fail(50058, 'login_required', 'A silent sign-in request was sent but no user is signed in.');
  }
  return {
    tenantId: tenant.id,
    clientId: app.clientId,
    redirectUri,
    responseMode,
    scopes,
    state,
    nonce: single('nonce'),
    codeChallenge,
    codeChallengeMethod: method,
    prompt,
    loginHint: single('login_hint'),
    clientInfo: single('client_info') === '1',
  };
}
