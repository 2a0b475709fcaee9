import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import {
  authorizeQuery,
  decodeClaims,
  openAuthorize,
  partnerCenterScope,
  pkcePair,
  postStep,
  redirectUri,
  seedPartner,
  signInAndConsent,
  tokenRequest,
  password,
  type PartnerSetup,
} from './authorize-flow.ts';
import { startTrustedEmulator } from './harness.ts';

/**
 * The secure-application-model consent as a partner agent does it, page by page: authorize, password,
 * second factor, consent, redirect with code and state; then the code redeemed with PKCE.
 */
let emulator: RunningEmulator;
let setup: PartnerSetup;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  setup = seedPartner(emulator, 'fabrikampartner');
});
afterAll(async () => {
  await emulator.close();
});

function redeem(code: string, verifier: string, extra: Record<string, string> = {}) {
  return tokenRequest(emulator, setup.partner.id, {
    grant_type: 'authorization_code',
    client_id: setup.clientId,
    client_secret: setup.clientSecret,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    scope: `${partnerCenterScope} offline_access openid profile`,
    client_info: '1',
    ...extra,
  });
}

describe('authorization-code flow with MFA', () => {
  it('walks password, second factor and consent, then redirects with code and state', async () => {
    const { challenge } = pkcePair();
    const tenantId = setup.partner.id;
    const signInPage = await openAuthorize(emulator, tenantId, authorizeQuery(setup, { login: setup.agent, challenge, extra: { login_hint: setup.agent } }));
    expect(signInPage.status).toBe(200);
    expect(signInPage.html).toContain(`value="${setup.agent}"`);
    const mfaPage = await postStep(emulator, tenantId, 'credentials', { request: signInPage.requestId ?? '', login: setup.agent, password });
    expect(mfaPage.html).toContain('id="otc"');
    const wrongCode = await postStep(emulator, tenantId, 'second-factor', { request: mfaPage.requestId ?? '', otc: '000000' });
    expect(wrongCode.errorCode).toBe('AADSTS50074');
    const consentPage = await postStep(emulator, tenantId, 'second-factor', { request: mfaPage.requestId ?? '', otc: '123456' });
    expect(consentPage.html).toContain(`<li class="consent-scope">${partnerCenterScope}</li>`);
    const back = await postStep(emulator, tenantId, 'consent', { request: consentPage.requestId ?? '', decision: 'accept' });
    expect(back.status).toBe(302);
    const location = new URL(back.location ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(location.searchParams.get('code')).toMatch(/^1\./);
    // The consent page is posted once; a second post finds no request.
    const replay = await postStep(emulator, tenantId, 'consent', { request: consentPage.requestId ?? '', decision: 'accept' });
    expect(replay.errorCode).toBe('AADSTS90100');
  });

  it('issues a v1 Partner Center token with mfa in amr, an id_token, client_info and a refresh token', async () => {
    const { verifier, challenge } = pkcePair();
    const location = await signInAndConsent(emulator, setup, { login: setup.agent, challenge });
    const { status, body } = await redeem(location.searchParams.get('code') ?? '', verifier);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(body.refresh_token).toEqual(expect.any(String));
    const user = setup.partner.users.byPrincipalName(setup.agent);
    expect(decodeClaims(body.access_token)).toMatchObject({
      aud: 'https://api.partnercenter.microsoft.com',
      iss: `https://sts.windows.net/${setup.partner.id}/`,
      tid: setup.partner.id,
      oid: user?.id,
      upn: setup.agent,
      idtyp: 'user',
      scp: 'user_impersonation',
      amr: ['pwd', 'mfa'],
      appid: setup.clientId,
      ver: '1.0',
    });
    const claims = decodeClaims(body.access_token);
    expect(claims.exp).toBe((claims.iat as number) + 3599);
    expect(claims.nbf).toBe(claims.iat);
    expect(decodeClaims(body.id_token)).toMatchObject({ aud: setup.clientId, tid: setup.partner.id, preferred_username: setup.agent, ver: '2.0' });
    expect(JSON.parse(Buffer.from(String(body.client_info), 'base64url').toString())).toEqual({ uid: user?.id, utid: setup.partner.id });
  });

  it('skips the consent page once the user has consented, unless prompt=consent', async () => {
    const tenantId = setup.partner.id;
    let page = await openAuthorize(emulator, tenantId, authorizeQuery(setup, { login: setup.agent }));
    page = await postStep(emulator, tenantId, 'credentials', { request: page.requestId ?? '', login: setup.agent, password });
    page = await postStep(emulator, tenantId, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
    expect(page.status).toBe(302);
    page = await openAuthorize(emulator, tenantId, authorizeQuery(setup, { login: setup.agent, extra: { prompt: 'consent' } }));
    page = await postStep(emulator, tenantId, 'credentials', { request: page.requestId ?? '', login: setup.agent, password });
    page = await postStep(emulator, tenantId, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
    expect(page.html).toContain('id="accept"');
  });

  it('signs a user without MFA in with the password alone: amr is pwd only', async () => {
    const { verifier, challenge } = pkcePair();
    const location = await signInAndConsent(emulator, setup, { login: setup.noMfaAgent, challenge });
    const { body } = await redeem(location.searchParams.get('code') ?? '', verifier);
    expect(decodeClaims(body.access_token).amr).toEqual(['pwd']);
  });

  it('follows the MFA switch of the control API', async () => {
    const toggle = (mfaRegistered: boolean) =>
      fetch(`${emulator.baseUrl}/_emulator/tenants/${setup.partner.id}/users/${setup.agent}/sign-in-policy`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mfaRegistered }),
      });
    expect((await toggle(false)).status).toBe(200);
    const { verifier, challenge } = pkcePair();
    const location = await signInAndConsent(emulator, setup, { login: setup.agent, challenge });
    const { body } = await redeem(location.searchParams.get('code') ?? '', verifier);
    expect(decodeClaims(body.access_token).amr).toEqual(['pwd']);
    expect((await toggle(true)).status).toBe(200);
  });

  it('answers cancel on the consent page with access_denied AADSTS65004', async () => {
    const tenantId = setup.partner.id;
    const scope = 'https://graph.microsoft.com/User.Read offline_access';
    let page = await openAuthorize(emulator, tenantId, authorizeQuery(setup, { login: setup.agent, scope, state: 'cancel-state' }));
    page = await postStep(emulator, tenantId, 'credentials', { request: page.requestId ?? '', login: setup.agent, password });
    page = await postStep(emulator, tenantId, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
    page = await postStep(emulator, tenantId, 'consent', { request: page.requestId ?? '', decision: 'cancel' });
    const location = new URL(page.location ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toMatch(/^AADSTS65004: /);
    expect(location.searchParams.get('state')).toBe('cancel-state');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('answers response_mode=fragment in the fragment', async () => {
    const location = await signInAndConsent(emulator, setup, { login: setup.noMfaAgent, extra: { response_mode: 'fragment' } });
    expect(location.search).toBe('');
    expect(new URLSearchParams(location.hash.slice(1)).get('code')).toMatch(/^1\./);
  });

  it('answers response_mode=form_post with an auto-submitting form to the redirect_uri', async () => {
    const tenantId = setup.partner.id;
    let page = await openAuthorize(emulator, tenantId, authorizeQuery(setup, { login: setup.noMfaAgent, extra: { response_mode: 'form_post' } }));
    page = await postStep(emulator, tenantId, 'credentials', { request: page.requestId ?? '', login: setup.noMfaAgent, password });
    expect(page.status).toBe(200);
    expect(page.html).toContain(`action="${redirectUri}"`);
    expect(page.html).toMatch(/name="code" value="1\.[^"]+"/);
    expect(page.html).toContain('name="state" value="state-1"');
  });
});
