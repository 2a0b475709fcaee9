import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import {
  authorizeQuery,
  openAuthorize,
  partnerCenterScope,
  password,
  pkcePair,
  postStep,
  redirectUri,
  seedPartner,
  signInAndConsent,
  tokenRequest,
  type PartnerSetup,
} from './authorize-flow.ts';
import { startTrustedEmulator } from './harness.ts';

/**
 * Authorize and code-redemption errors as Entra gives them: client and redirect_uri faults as pages
 * (never a redirect to an unregistered address), later faults at the redirect_uri, token errors as
 * AADSTS JSON. The code is single use, lives 10 minutes and is bound to its PKCE challenge.
 */
let emulator: RunningEmulator;
let setup: PartnerSetup;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  setup = seedPartner(emulator, 'contosopartner');
});
afterAll(async () => {
  await emulator.close();
});

async function freshCode(): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const location = await signInAndConsent(emulator, setup, { login: setup.agent, challenge });
  return { code: location.searchParams.get('code') ?? '', verifier };
}

function redeem(code: string, verifier: string | undefined, extra: Record<string, string> = {}) {
  return tokenRequest(emulator, setup.partner.id, {
    grant_type: 'authorization_code',
    client_id: setup.clientId,
    client_secret: setup.clientSecret,
    code,
    redirect_uri: redirectUri,
    ...(verifier === undefined ? {} : { code_verifier: verifier }),
    scope: `${partnerCenterScope} offline_access openid`,
    ...extra,
  });
}

describe('authorize errors', () => {
  it('shows a page for an unknown client (AADSTS700016) and an unregistered redirect_uri (AADSTS50011)', async () => {
    const unknownClient = await openAuthorize(emulator, setup.partner.id, {
      ...authorizeQuery(setup, { login: setup.agent }),
      client_id: '22222222-2222-2222-2222-222222222222',
    });
    expect(unknownClient).toMatchObject({ status: 400, errorCode: 'AADSTS700016', location: null });
    const wrongRedirect = await openAuthorize(emulator, setup.partner.id, {
      ...authorizeQuery(setup, { login: setup.agent }),
      redirect_uri: 'https://attacker.example/callback',
    });
    expect(wrongRedirect).toMatchObject({ status: 400, errorCode: 'AADSTS50011', location: null });
  });

  it.each([
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type', 'AADSTS700054'],
    ['prompt=none without a session', { prompt: 'none' }, 'login_required', 'AADSTS50058'],
    ['an unknown resource', { scope: 'https://unknown.example/read' }, 'invalid_resource', 'AADSTS500011'],
    ['code_challenge_method=S512', { code_challenge: 'abc', code_challenge_method: 'S512' }, 'invalid_request', 'AADSTS90023'],
  ])('redirects %s back with the error and state', async (_case, overrides, error, code) => {
    const page = await openAuthorize(emulator, setup.partner.id, { ...authorizeQuery(setup, { login: setup.agent }), ...overrides });
    expect(page.status).toBe(302);
    const location = new URL(page.location ?? '');
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toMatch(new RegExp(`^${code}: `));
    expect(location.searchParams.get('state')).toBe('state-1');
  });

  it('keeps the user on the sign-in page after a wrong password (AADSTS50126)', async () => {
    const page = await openAuthorize(emulator, setup.partner.id, authorizeQuery(setup, { login: setup.agent }));
    const retry = await postStep(emulator, setup.partner.id, 'credentials', { request: page.requestId ?? '', login: setup.agent, password: 'wrong' });
    expect(retry).toMatchObject({ status: 200, errorCode: 'AADSTS50126', requestId: page.requestId });
    const next = await postStep(emulator, setup.partner.id, 'credentials', { request: page.requestId ?? '', login: setup.agent, password });
    expect(next.html).toContain('id="otc"');
  });
});

describe('code redemption errors', () => {
  it('answers in Entra\'s token-error JSON', async () => {
    const { code } = await freshCode();
    const { status, body } = await redeem(code, 'not-the-verifier');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [501481], error_uri: 'https://login.microsoftonline.com/error?code=501481' });
    expect(body.error_description).toMatch(/^AADSTS501481: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /s);
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it('refuses a missing PKCE verifier (AADSTS501481)', async () => {
    const { code } = await freshCode();
    expect((await redeem(code, undefined)).body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
  });

  it('redeems a code once (AADSTS54005 after)', async () => {
    const { code, verifier } = await freshCode();
    expect((await redeem(code, verifier)).status).toBe(200);
    expect((await redeem(code, verifier)).body).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });

  it('refuses a redirect_uri other than the authorize request\'s (AADSTS50011)', async () => {
    const { code, verifier } = await freshCode();
    expect((await redeem(code, verifier, { redirect_uri: 'https://lanyard.test/other' })).body).toMatchObject({ error_codes: [50011] });
  });

  it.each([
    ['a wrong secret', { client_secret: 'wrong' }, 401, 'invalid_client', 7000215],
    ['an unknown client', { client_id: '33333333-3333-3333-3333-333333333333' }, 400, 'unauthorized_client', 700016],
    ['an unknown code', { code: '1.not-a-code' }, 400, 'invalid_grant', 9002313],
  ])('refuses %s', async (_case, overrides, status, error, code) => {
    const issued = await freshCode();
    const result = await redeem(issued.code, issued.verifier, overrides);
    expect(result.status).toBe(status);
    expect(result.body).toMatchObject({ error, error_codes: [code] });
  });

  it('expires a code after 10 minutes (AADSTS70008)', async () => {
    const { code, verifier } = await freshCode();
    await fetch(`${emulator.baseUrl}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 601 }) });
    expect((await redeem(code, verifier)).body).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
  });
});
