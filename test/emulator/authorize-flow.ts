import { createHash, randomBytes } from 'node:crypto';
import type { RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';

/** Drives the emulator's authorize pages with plain HTTP: form posts, redirects followed by hand. */

export const partnerCenterScope = 'https://api.partnercenter.microsoft.com/user_impersonation';
export const redirectUri = 'https://lanyard.test/partner-center/callback';
export const password = 'Partner-Passw0rd!';

export interface PartnerSetup {
  readonly partner: Tenant;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Has MFA registered. */
  readonly agent: string;
  /** Has no MFA registered. */
  readonly noMfaAgent: string;
}

/** A partner tenant with a multi-tenant web app and two agents, one with and one without MFA. */
export function seedPartner(emulator: RunningEmulator, name: string): PartnerSetup {
  const clientSecret = `secret-${name}~1`;
  const partner = applyTenantSeed(
    emulator.state,
    tenantSchema.parse({
      name,
      apps: [{ clientSecret, displayName: 'Lanyard CSP', redirectUris: [redirectUri] }],
      users: [
        { userPrincipalName: `agent@${name}.onmicrosoft.com`, password },
        { userPrincipalName: `nomfa@${name}.onmicrosoft.com`, password, mfaRegistered: false },
      ],
    }),
  );
  const app = partner.apps[0];
  if (!app) throw new Error('no app');
  return { partner, clientId: app.clientId, clientSecret, agent: `agent@${name}.onmicrosoft.com`, noMfaAgent: `nomfa@${name}.onmicrosoft.com` };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface Page {
  readonly status: number;
  readonly html: string;
  readonly location: string | null;
  /** The hidden `request` field of the page's form. */
  readonly requestId: string | undefined;
  /** `#error-code` (inline) or `#aadsts` (error page). */
  readonly errorCode: string | undefined;
}

async function toPage(response: Response): Promise<Page> {
  const html = await response.text();
  return {
    status: response.status,
    html,
    location: response.headers.get('location'),
    requestId: /name="request" value="([^"]*)"/.exec(html)?.[1],
    errorCode: /<code id="(?:error-code|aadsts)">([^<]*)<\/code>/.exec(html)?.[1],
  };
}

export async function openAuthorize(emulator: RunningEmulator, tenantId: string, query: Record<string, string>): Promise<Page> {
  const url = `${emulator.baseUrl}/${tenantId}/oauth2/v2.0/authorize?${new URLSearchParams(query).toString()}`;
  return toPage(await fetch(url, { redirect: 'manual' }));
}

export async function postStep(emulator: RunningEmulator, tenantId: string, step: string, fields: Record<string, string>): Promise<Page> {
  const response = await fetch(`${emulator.baseUrl}/${tenantId}/oauth2/v2.0/authorize/${step}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return toPage(response);
}

export interface SignIn {
  readonly login: string;
  readonly scope?: string;
  readonly state?: string;
  readonly challenge?: string;
  readonly mfaCode?: string;
  readonly extra?: Record<string, string>;
}

/** The standard authorize query for the partner app. */
export function authorizeQuery(setup: PartnerSetup, signIn: SignIn): Record<string, string> {
  return {
    client_id: setup.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: signIn.scope ?? `${partnerCenterScope} offline_access openid profile`,
    state: signIn.state ?? 'state-1',
    ...(signIn.challenge ? { code_challenge: signIn.challenge, code_challenge_method: 'S256' } : {}),
    ...signIn.extra,
  };
}

/** Authorize → password → (second factor) → consent accepted; returns the redirect back to the app. */
export async function signInAndConsent(emulator: RunningEmulator, setup: PartnerSetup, signIn: SignIn): Promise<URL> {
  const tenantId = setup.partner.id;
  let page = await openAuthorize(emulator, tenantId, authorizeQuery(setup, signIn));
  page = await postStep(emulator, tenantId, 'credentials', { request: page.requestId ?? '', login: signIn.login, password });
  if (page.html.includes('id="otc"')) {
    page = await postStep(emulator, tenantId, 'second-factor', { request: page.requestId ?? '', otc: signIn.mfaCode ?? '123456' });
  }
  if (page.html.includes('id="accept"')) {
    page = await postStep(emulator, tenantId, 'consent', { request: page.requestId ?? '', decision: 'accept' });
  }
  if (page.status !== 302 || !page.location) throw new Error(`expected the redirect to the app, got ${page.status}: ${page.html}`);
  return new URL(page.location);
}

export async function tokenRequest(emulator: RunningEmulator, tenantId: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.baseUrl}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function decodeClaims(token: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
